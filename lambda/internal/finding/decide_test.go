package finding

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDecide(t *testing.T) {
	iam4 := func(compliance, record, workflow string) Finding {
		return Finding{Control: "IAM.4", IAM4: true, Compliance: compliance, RecordState: record, Workflow: workflow,
			ProductARN: "arn:aws:securityhub:us-west-2::product/aws/securityhub"}
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
		{"another control is ignored", Imported, Finding{Control: "IAM.6", ProductARN: "arn:aws:securityhub:us-west-2::product/aws/securityhub", Compliance: "FAILED", RecordState: "ACTIVE", Workflow: "NEW"}, Ignore},
		{"custom action acts on a notified failure", CustomAction, iam4("FAILED", "ACTIVE", "NOTIFIED"), Respond},
		{"custom action acts on a suppressed failure: a person asked", CustomAction, iam4("FAILED", "ACTIVE", "SUPPRESSED"), Respond},
		{"custom action on a passed finding resolves", CustomAction, iam4("PASSED", "ACTIVE", "RESOLVED"), Resolve},
		{"custom action on an archived finding resolves", CustomAction, iam4("FAILED", "ARCHIVED", "NEW"), Resolve},
		{"custom action on another control is ignored", CustomAction, Finding{Control: "S3.1", Compliance: "FAILED"}, Ignore},
		{"custom action on a warning is ignored", CustomAction, iam4("WARNING", "ACTIVE", "NEW"), Ignore},
	}
	for _, forged := range []struct {
		name   string
		edit   func(*Finding)
		action Action
	}{
		{"an account's default product (BatchImportFindings)", func(f *Finding) {
			f.ProductARN = "arn:aws:securityhub:us-west-2:111122223333:product/111122223333/default"
		}, Ignore},
		{"a partner product", func(f *Finding) { f.ProductARN = "arn:aws:securityhub:us-west-2::product/prowler/prowler" }, Ignore},
		{"no product", func(f *Finding) { f.ProductARN = "" }, Ignore},
		{"OCSF finding whose product name is not Security Hub", func(f *Finding) {
			f.Generation, f.ProductARN, f.ProductName = OCSF, "arn:aws:securityhub:us-east-2::productv2/aws/securityhub", "Prowler"
		}, Ignore},
		{"Security Hub in GovCloud", func(f *Finding) {
			f.ProductARN = "arn:aws-us-gov:securityhub:us-gov-west-1::product/aws/securityhub"
		}, Respond},
	} {
		for _, trigger := range []Trigger{Imported, CustomAction} {
			for _, state := range []Finding{iam4("FAILED", "ACTIVE", "NEW"), iam4("PASSED", "ACTIVE", "NEW"), iam4("FAILED", "ARCHIVED", "NEW")} {
				f := state
				forged.edit(&f)
				want := forged.action
				if want != Ignore {
					want = Decide(trigger, state).Action // Security Hub's own: decided as any other
				}
				tests = append(tests, struct {
					name    string
					trigger Trigger
					finding Finding
					want    Action
				}{fmt.Sprintf("%s, %s %s %s", forged.name, trigger, f.Compliance, f.RecordState), trigger, f, want})
			}
		}
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

// TestForgedFindingsOpenNothing runs forged copies of the real samples through Parse and Decide:
// another producer's IAM.4 finding is ignored with a reason that names the producer.
func TestForgedFindingsOpenNothing(t *testing.T) {
	tests := []struct {
		file, field, value string
	}{
		{"iam4-consolidated-failed.json", "ProductArn", "arn:aws:securityhub:us-west-2:111122223333:product/111122223333/default"},
		{"iam4-fsbp-failed.json", "ProductArn", "arn:aws:securityhub:us-west-2::product/aws/guardduty"},
		{"iam4-consolidated-passed.json", "ProductArn", "arn:aws:securityhub:us-west-2:111122223333:product/111122223333/default"},
		{"eventbridge-custom-action-ADAPTED.json", "ProductArn", "arn:aws:securityhub:us-west-2::product/prowler/prowler"},
		{"ocsf-iam4-failed.json", "metadata.product.uid", "arn:aws:securityhub:us-east-2:111122223333:productv2/111122223333/default"},
		{"ocsf-iam4-passed.json", "metadata.product.name", "Prowler"},
	}
	for _, tt := range tests {
		t.Run(tt.file+" "+tt.field, func(t *testing.T) {
			var ev map[string]any
			if err := json.Unmarshal(readSample(t, tt.file), &ev); err != nil {
				t.Fatal(err)
			}
			m := ev["detail"].(map[string]any)["findings"].([]any)[0].(map[string]any)
			keys := strings.Split(tt.field, ".")
			for _, k := range keys[:len(keys)-1] {
				m = m[k].(map[string]any)
			}
			m[keys[len(keys)-1]] = tt.value
			raw, _ := json.Marshal(ev)
			parsed, err := Parse(raw)
			if err != nil {
				t.Fatal(err)
			}
			d := Decide(parsed.Trigger, parsed.Findings[0])
			if d.Action != Ignore || !strings.Contains(d.Reason, "not by Security Hub") {
				t.Errorf("Decide = %+v, want it ignored as another producer's", d)
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
	smoke := a
	smoke.Test = true
	if smoke.Case() == a.Case() {
		t.Errorf("a smoke test joins the account's real case %q", a.Case())
	}
}
