package finding

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDecide(t *testing.T) {
	iam4 := func(compliance, record, workflow string) Finding {
		return Finding{Control: "IAM.4", IAM4: true, Compliance: compliance, RecordState: record, Workflow: workflow}
	}
	tests := []struct {
		name    string
		trigger Trigger
		finding Finding
		want    Action
	}{
		{"new failure opens the case", Imported, iam4("FAILED", "ACTIVE", "NEW"), Respond},
		{"our own NOTIFIED write-back does not loop", Imported, iam4("FAILED", "ACTIVE", "NOTIFIED"), Ignore},
		{"a failure someone marked RESOLVED by hand is left alone", Imported, iam4("FAILED", "ACTIVE", "RESOLVED"), Ignore},
		{"suppressed failure is ignored", Imported, iam4("FAILED", "ACTIVE", "SUPPRESSED"), Ignore},
		{"passed control resolves the case", Imported, iam4("PASSED", "ACTIVE", "RESOLVED"), Resolve},
		{"passed while still NOTIFIED resolves too", Imported, iam4("PASSED", "ACTIVE", "NOTIFIED"), Resolve},
		{"archived finding resolves the case", Imported, iam4("FAILED", "ARCHIVED", "NOTIFIED"), Resolve},
		{"suppressed and archived stays ignored", Imported, iam4("PASSED", "ARCHIVED", "SUPPRESSED"), Ignore},
		{"warning is not a failure", Imported, iam4("WARNING", "ACTIVE", "NEW"), Ignore},
		{"not available is not a failure", Imported, iam4("NOT_AVAILABLE", "ACTIVE", "NEW"), Ignore},
		{"another control is ignored", Imported, Finding{Control: "IAM.6", Compliance: "FAILED", RecordState: "ACTIVE", Workflow: "NEW"}, Ignore},
		{"custom action acts on a notified failure", CustomAction, iam4("FAILED", "ACTIVE", "NOTIFIED"), Respond},
		{"custom action acts on a suppressed failure: a person asked", CustomAction, iam4("FAILED", "ACTIVE", "SUPPRESSED"), Respond},
		{"custom action on a passed finding resolves", CustomAction, iam4("PASSED", "ACTIVE", "RESOLVED"), Resolve},
		{"custom action on an archived finding resolves", CustomAction, iam4("FAILED", "ARCHIVED", "NEW"), Resolve},
		{"custom action on another control is ignored", CustomAction, Finding{Control: "S3.1", Compliance: "FAILED"}, Ignore},
		{"custom action on a warning is ignored", CustomAction, iam4("WARNING", "ACTIVE", "NEW"), Ignore},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Decide(tt.trigger, tt.finding)
			if got.Action != tt.want {
				t.Errorf("Decide = %+v, want action %s", got, tt.want)
			}
			if got.Reason == "" {
				t.Error("decision has no reason to log")
			}
		})
	}
}

func TestDecideSamples(t *testing.T) {
	tests := []struct {
		file string
		want []Action
	}{
		{"iam4-consolidated-failed.json", []Action{Respond}},
		{"iam4-fsbp-failed.json", []Action{Respond}},
		{"iam4-consolidated-passed.json", []Action{Resolve}},
		{"iam4-fsbp-passed.json", []Action{Resolve}},
		{"eventbridge-custom-action-ADAPTED.json", []Action{Resolve}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			ev, err := Parse(readSample(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			var got []Action
			for _, f := range ev.Findings {
				got = append(got, Decide(ev.Trigger, f).Action)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("actions (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCaseIsTheAccountNotTheFinding(t *testing.T) {
	a := Finding{ID: "arn:…:us-east-1:…/IAM.4/finding/1", AccountID: "111122223333", Region: "us-east-1"}
	b := Finding{ID: "arn:…:eu-west-1:…/PCI.IAM.1/finding/2", AccountID: "111122223333", Region: "eu-west-1"}
	c := Finding{ID: "arn:…:us-east-1:…/IAM.4/finding/3", AccountID: "444455556666", Region: "us-east-1"}
	if a.Case() != b.Case() {
		t.Errorf("one account's findings in two Regions and standards give two cases: %q, %q", a.Case(), b.Case())
	}
	if a.Case() == c.Case() {
		t.Errorf("two accounts share case %q", a.Case())
	}
}
