package casework

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iam4-responder/iam4-responder/lambda/contract"
	"github.com/iam4-responder/iam4-responder/lambda/internal/metrics"
)

// forged is a real sample re-imported under an account's default product, as anyone allowed to
// call BatchImportFindings can.
func forged(t *testing.T, name string) json.RawMessage {
	t.Helper()
	var ev map[string]any
	if err := json.Unmarshal(sample(t, name), &ev); err != nil {
		t.Fatal(err)
	}
	f := ev["detail"].(map[string]any)["findings"].([]any)[0].(map[string]any)
	f["ProductArn"] = "arn:aws:securityhub:us-west-2:111122223333:product/111122223333/default"
	b, _ := json.Marshal(ev)
	return b
}

func TestMetricsCountWhatTheHandlerDid(t *testing.T) {
	tests := []struct {
		name   string
		events []json.RawMessage
		want   map[string]float64
	}{
		{"a case opened and resolved", []json.RawMessage{sample(t, "iam4-consolidated-failed.json"), sample(t, "iam4-consolidated-passed.json")},
			map[string]float64{contract.MetricCasesOpened: 1, contract.MetricCasesResolved: 1}},
		{"a forged failure opens nothing and is counted", []json.RawMessage{forged(t, "iam4-consolidated-failed.json")},
			map[string]float64{contract.MetricForeignFindings: 1}},
		{"a forged pass resolves nothing", []json.RawMessage{sample(t, "iam4-consolidated-failed.json"), forged(t, "iam4-consolidated-passed.json")},
			map[string]float64{contract.MetricCasesOpened: 1, contract.MetricForeignFindings: 1}},
		{"an event that can never succeed is dead-lettered", []json.RawMessage{json.RawMessage(`{"source":"aws.securityhub"}`)},
			map[string]float64{contract.MetricDeadLetters: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig()
			var out bytes.Buffer
			r.h.Metrics = metrics.New(&out, "fn", func() time.Time { return time.Unix(0, 0) })
			for _, ev := range tt.events {
				if err := r.h.Handle(t.Context(), ev); err != nil {
					t.Fatal(err)
				}
			}
			got := map[string]float64{}
			for line := range strings.Lines(out.String()) {
				var doc map[string]any
				if err := json.Unmarshal([]byte(line), &doc); err != nil {
					t.Fatal(err)
				}
				for k, v := range doc {
					if n, ok := v.(float64); ok {
						got[k] += n
					}
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("metrics (-want +got):\n%s", diff)
			}
			if tt.want[contract.MetricForeignFindings] > 0 && len(r.email.opened)+len(r.email.resolved) != int(tt.want[contract.MetricCasesOpened]) {
				t.Errorf("a forged finding reached the e-mail sink: opened %v, resolved %v", r.email.opened, r.email.resolved)
			}
		})
	}
}
