package metrics

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"

	"github.com/iam4-responder/iam4-responder/lambda/contract"
)

func TestThrottledCallsAreCountedAndStillRetried(t *testing.T) {
	var out bytes.Buffer
	r := New(&out, "fn", func() time.Time { return stamp })
	newRetryer := CountThrottles(func() aws.Retryer { return retry.NewAdaptiveMode() }, r)
	retryer := newRetryer()
	if _, ok := retryer.(aws.RetryerV2); !ok {
		t.Fatal("the wrapped retryer lost RetryerV2: the adaptive mode's rate limiting would be skipped")
	}
	tests := []struct {
		name      string
		err       error
		retryable bool
	}{
		{"CloudTrail throttling", &smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded"}, true},
		{"Security Hub's limit", &smithy.GenericAPIError{Code: "TooManyRequestsException"}, true},
		{"access denied", &smithy.GenericAPIError{Code: "AccessDeniedException"}, false},
		{"a plain error", errors.New("boom"), false},
	}
	for _, tt := range tests {
		if got := retryer.IsErrorRetryable(tt.err); got != tt.retryable {
			t.Errorf("%s: retryable = %v, want %v", tt.name, got, tt.retryable)
		}
	}
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc[contract.MetricThrottles] != 2.0 {
		t.Errorf("Throttles = %v, want 2", doc[contract.MetricThrottles])
	}
}
