package finding

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseOCSF(t *testing.T) {
	ev, err := Parse(readSample(t, "ocsf-iam4-failed.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := Finding{
		Generation:  OCSF,
		ID:          "arn:aws:securityhub:us-east-2:111122223333:security-control/IAM.4/finding/11233211-1234-efab-abcd-701234567892",
		MetadataUID: "d1bc4b01234567890123456789abcdefefabcdefabcdef123451f4a1ed",
		ProductARN:  "arn:aws:securityhub:us-east-2::productv2/aws/securityhub",
		ProductName: "Security Hub",
		AccountID:   "111122223333",
		Region:      "us-east-2",
		Title:       "IAM root user access key should not exist",
		Control:     "IAM.4",
		IAM4:        true,
		Compliance:  "FAILED",
		RecordState: "ACTIVE",
		Workflow:    "NEW",
		Severity:    "Critical",
		UpdatedAt:   time.UnixMilli(1758273558940).UTC(),
	}
	if diff := cmp.Diff([]Finding{want}, ev.Findings); diff != "" {
		t.Errorf("Parse (-want +got):\n%s", diff)
	}
	if ev.Trigger != Imported {
		t.Errorf("trigger %s", ev.Trigger)
	}
}

func TestDecideOCSF(t *testing.T) {
	tests := []struct {
		name string
		file string
		edit func(ev, f map[string]any)
		want Action
	}{
		{"new IAM.4 failure opens the case", "ocsf-iam4-failed.json", nil, Respond},
		{"IAM.4 pass resolves it", "ocsf-iam4-passed.json", nil, Resolve},
		{"our In Progress write-back does not loop", "ocsf-iam4-failed.json", func(_, f map[string]any) {
			f["status"], f["status_id"] = "In Progress", 2
		}, Ignore},
		{"suppressed stays ignored", "ocsf-iam4-failed.json", func(_, f map[string]any) {
			f["status"], f["status_id"] = "Suppressed", 3
		}, Ignore},
		{"archived resolves", "ocsf-iam4-failed.json", func(_, f map[string]any) {
			f["status"], f["status_id"] = "Archived", 5
		}, Resolve},
		{"another control (SQS.1 sample) is ignored", "eventbridge-findings-imported-v2-ADAPTED.json", nil, Ignore},
		{"the status caption counts when the id is absent", "ocsf-iam4-failed.json", func(_, f map[string]any) {
			delete(f, "status_id")
			delete(f["compliance"].(map[string]any), "status_id")
		}, Respond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := readSample(t, tt.file)
			if tt.edit != nil {
				raw = mutate(t, tt.file, tt.edit)
			}
			ev, err := Parse(raw)
			if err != nil {
				t.Fatal(err)
			}
			if got := Decide(ev.Trigger, ev.Findings[0]); got.Action != tt.want {
				t.Errorf("Decide = %+v, want %s", got, tt.want)
			}
		})
	}
}

func TestOCSFAndASFFOfOneAccountAreOneCase(t *testing.T) {
	v1, _ := Parse(readSample(t, "iam4-consolidated-failed.json"))
	v2, _ := Parse(readSample(t, "ocsf-iam4-failed.json"))
	if v1.Findings[0].Case() != v2.Findings[0].Case() {
		t.Errorf("cases differ: %q, %q", v1.Findings[0].Case(), v2.Findings[0].Case())
	}
}

func TestParseOCSFRejectsMalformedFindings(t *testing.T) {
	tests := []struct {
		name string
		edit func(ev, f map[string]any)
		want string
	}{
		{"no finding uid", func(_, f map[string]any) { delete(f, "finding_info") }, "detail.findings[0].finding_info.uid: missing"},
		{"no product", func(_, f map[string]any) { delete(f, "metadata") }, "detail.findings[0].metadata.product.uid: missing"},
		{"bad account", func(_, f map[string]any) { f["cloud"].(map[string]any)["account"] = map[string]any{"uid": "x"} },
			`detail.findings[0].cloud.account.uid: "x" is not a 12-digit account id`},
		{"not a compliance finding", func(_, f map[string]any) { f["class_uid"] = 2004 },
			"detail.findings[0].class_uid: 2004 is not a Compliance Finding (2003)"},
		{"status of the wrong type", func(_, f map[string]any) { f["status_id"] = "one" },
			"detail.findings[0].status_id: expected a int"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(mutate(t, "ocsf-iam4-failed.json", tt.edit))
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("error = %v, want %q", err, tt.want)
			}
		})
	}
}
