package metrics

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"

	"github.com/iam4-responder/iam4-responder/lambda/contract"
)

// CountThrottles wraps an SDK configuration's retryer so that every throttled call
// (ThrottlingException, TooManyRequestsException, … as the SDK classifies them) is counted as
// contract.MetricThrottles. Retrying is left entirely to the wrapped retryer, including the
// adaptive mode's client-side rate limiting, which needs the RetryerV2 interface kept.
func CountThrottles(newRetryer func() aws.Retryer, r *Recorder) func() aws.Retryer {
	if newRetryer == nil || r == nil {
		return newRetryer
	}
	return func() aws.Retryer {
		inner := newRetryer()
		v2, ok := inner.(aws.RetryerV2)
		if !ok {
			return inner
		}
		return throttleCounter{RetryerV2: v2, r: r}
	}
}

type throttleCounter struct {
	aws.RetryerV2
	r *Recorder
}

var throttles = retry.IsErrorThrottles(retry.DefaultThrottles)

func (t throttleCounter) IsErrorRetryable(err error) bool {
	if throttles.IsErrorThrottle(err) == aws.TrueTernary {
		t.r.Count(contract.MetricThrottles, 1)
	}
	return t.RetryerV2.IsErrorRetryable(err)
}
