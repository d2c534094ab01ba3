package samples

import (
	"encoding/json"
	"testing"
)

func TestEveryFindingSampleIsAnEventBridgeEvent(t *testing.T) {
	names := Findings()
	if len(names) < 8 {
		t.Fatalf("found %d finding samples, want at least 8", len(names))
	}
	for _, name := range names {
		raw, err := Finding(name)
		if err != nil {
			t.Fatal(err)
		}
		var ev struct {
			Source     string          `json:"source"`
			DetailType string          `json:"detail-type"`
			Detail     json.RawMessage `json:"detail"`
		}
		if err := json.Unmarshal(raw, &ev); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if name == "ocsf-finding-v2-iam1-pass" || name == "ocsf-finding-v2-sqs1-fail" {
			continue // bare OCSF findings, not events
		}
		if ev.Source != "aws.securityhub" || ev.DetailType == "" || len(ev.Detail) == 0 {
			t.Errorf("%s: source %q, detail-type %q: not a Security Hub event", name, ev.Source, ev.DetailType)
		}
	}
}
