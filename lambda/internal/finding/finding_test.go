package finding

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iam4-responder/iam4-responder/internal/samples"
)

// readSample reads one of the project's shared samples (internal/samples, see its SOURCES.md):
// Security Hub user-guide findings in their EventBridge envelopes.
func readSample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := samples.File(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// mutate decodes a sample, lets edit change its first finding, and encodes it again. Fixtures for
// forms the samples lack (older per-standard findings) are built this way from the FSBP sample,
// with the fields the Security Hub user guide's sample control findings show for each standard.
func mutate(t testing.TB, name string, edit func(ev, f map[string]any)) []byte {
	t.Helper()
	var ev map[string]any
	if err := json.Unmarshal(readSample(t, name), &ev); err != nil {
		t.Fatal(err)
	}
	f := ev["detail"].(map[string]any)["findings"].([]any)[0].(map[string]any)
	edit(ev, f)
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// perStandard turns the FSBP sample into an older per-standard finding: no SecurityControlId,
// the control named by the standard's own fields.
func perStandard(generatorID string, productFields map[string]string) func(ev, f map[string]any) {
	return func(_, f map[string]any) {
		delete(f["Compliance"].(map[string]any), "SecurityControlId")
		f["GeneratorId"] = generatorID
		pf := f["ProductFields"].(map[string]any)
		for _, k := range []string{"StandardsArn", "StandardsGuideArn", "ControlId", "RuleId"} {
			delete(pf, k)
		}
		for k, v := range productFields {
			pf[k] = v
		}
	}
}

func TestParseSamples(t *testing.T) {
	updated := time.Date(2023, 11, 2, 11, 59, 15, 127e6, time.UTC)
	consolidated := Finding{
		Generation:  ASFF,
		ID:          "arn:aws:securityhub:us-west-2:111122223333:security-control/IAM.4/finding/09876543-p0o9-i8u7-y6t5-098765432109",
		ProductARN:  "arn:aws:securityhub:us-west-2::product/aws/securityhub",
		GeneratorID: "security-control/IAM.4",
		AccountID:   "111122223333",
		Region:      "us-west-2",
		Title:       "IAM root user access key should not exist",
		Control:     "IAM.4",
		IAM4:        true,
		Compliance:  "FAILED",
		RecordState: "ACTIVE",
		Workflow:    "NEW",
		Severity:    "CRITICAL",
		UpdatedAt:   updated,
	}
	passed := consolidated
	passed.Compliance, passed.Workflow, passed.Severity = "PASSED", "RESOLVED", "INFORMATIONAL"

	tests := []struct {
		file string
		want Event
	}{
		{"iam4-consolidated-failed.json", Event{
			ID: "11111111-2222-3333-4444-555555555555", Account: "111122223333", Region: "us-west-2",
			Time: time.Date(2023, 10, 27, 18, 55, 59, 0, time.UTC), Trigger: Imported,
			Findings: []Finding{consolidated},
		}},
		{"iam4-consolidated-passed.json", Event{
			ID: "11111111-2222-3333-4444-555555555556", Account: "111122223333", Region: "us-west-2",
			Time: time.Date(2023, 10, 27, 18, 55, 59, 0, time.UTC), Trigger: Imported,
			Findings: []Finding{passed},
		}},
		{"eventbridge-custom-action-ADAPTED.json", Event{
			ID: "1a1111a1-b22b-3c33-444d-5555e5ee5555", Account: "111122223333", Region: "us-west-1",
			Time: time.Date(2019, 4, 11, 18, 43, 48, 0, time.UTC), Trigger: CustomAction,
			Action: "custom-action-name", Findings: []Finding{passed},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := Parse(readSample(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Parse (-want +got):\n%s", diff)
			}
		})
	}
}

func TestIdentifiesIAM4InEveryForm(t *testing.T) {
	tests := []struct {
		name        string
		event       []byte
		wantControl string
		wantIAM4    bool
	}{
		{"consolidated finding names IAM.4 in SecurityControlId",
			readSample(t, "iam4-consolidated-failed.json"), "IAM.4", true},
		{"FSBP per-standard finding with SecurityControlId",
			readSample(t, "iam4-fsbp-failed.json"), "IAM.4", true},
		{"FSBP per-standard finding before SecurityControlId existed",
			mutate(t, "iam4-fsbp-failed.json", perStandard(
				"aws-foundational-security-best-practices/v/1.0.0/IAM.4",
				map[string]string{
					"StandardsArn": "arn:aws:securityhub:::standards/aws-foundational-security-best-practices/v/1.0.0",
					"ControlId":    "IAM.4",
				})),
			"arn:aws:securityhub:::standards/aws-foundational-security-best-practices/v/1.0.0/IAM.4", true},
		{"CIS v1.2.0 rule 1.12",
			mutate(t, "iam4-fsbp-failed.json", perStandard(
				"arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0/rule/1.12",
				map[string]string{
					"StandardsGuideArn": "arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0",
					"RuleId":            "1.12",
				})),
			"arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0/1.12", true},
		{"CIS v1.2.0 rule 1.4 is IAM.3, not IAM.4",
			mutate(t, "iam4-fsbp-failed.json", perStandard(
				"arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0/rule/1.4",
				map[string]string{
					"StandardsGuideArn": "arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0",
					"RuleId":            "1.4",
				})),
			"arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0/1.4", false},
		{"CIS v1.4.0 control 1.4",
			mutate(t, "iam4-fsbp-failed.json", perStandard(
				"arn:aws:securityhub:::standards/cis-aws-foundations-benchmark/v/1.4.0/1.4",
				map[string]string{
					"StandardsGuideArn": "arn:aws:securityhub:::standards/cis-aws-foundations-benchmark/v/1.4.0",
					"RuleId":            "1.4",
				})),
			"arn:aws:securityhub:::standards/cis-aws-foundations-benchmark/v/1.4.0/1.4", true},
		{"CIS v3.0.0 control 1.4",
			mutate(t, "iam4-fsbp-failed.json", perStandard(
				"cis-aws-foundations-benchmark/v/3.0.0/1.4",
				map[string]string{
					"StandardsArn": "arn:aws:securityhub:::standards/cis-aws-foundations-benchmark/v/3.0.0",
					"ControlId":    "1.4",
				})),
			"arn:aws:securityhub:::standards/cis-aws-foundations-benchmark/v/3.0.0/1.4", true},
		{"CIS v5.0.0 control 1.4 is not IAM.4 (there it is 1.3)",
			mutate(t, "iam4-fsbp-failed.json", perStandard(
				"cis-aws-foundations-benchmark/v/5.0.0/1.4",
				map[string]string{
					"StandardsArn": "arn:aws:securityhub:::standards/cis-aws-foundations-benchmark/v/5.0.0",
					"ControlId":    "1.4",
				})),
			"arn:aws:securityhub:::standards/cis-aws-foundations-benchmark/v/5.0.0/1.4", false},
		{"PCI DSS PCI.IAM.1",
			mutate(t, "iam4-fsbp-failed.json", perStandard(
				"pci-dss/v/3.2.1/PCI.IAM.1",
				map[string]string{
					"StandardsArn": "arn:aws:securityhub:::standards/pci-dss/v/3.2.1",
					"ControlId":    "PCI.IAM.1",
				})),
			"arn:aws:securityhub:::standards/pci-dss/v/3.2.1/PCI.IAM.1", true},
		{"GeneratorId alone, no ProductFields",
			mutate(t, "iam4-fsbp-failed.json", perStandard("pci-dss/v/3.2.1/PCI.IAM.1", nil)),
			"pci-dss/v/3.2.1/PCI.IAM.1", true},
		{"another control in SecurityControlId",
			mutate(t, "iam4-consolidated-failed.json", func(_, f map[string]any) {
				f["Compliance"].(map[string]any)["SecurityControlId"] = "IAM.6"
			}),
			"IAM.6", false},
		{"a finding that is not a control finding",
			mutate(t, "iam4-consolidated-failed.json", func(_, f map[string]any) {
				delete(f, "Compliance")
				f["GeneratorId"] = "arn:aws:guardduty:us-west-2:111122223333:detector/abc"
				f["ProductFields"] = map[string]any{}
			}),
			"arn:aws:guardduty:us-west-2:111122223333:detector/abc", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := Parse(tt.event)
			if err != nil {
				t.Fatal(err)
			}
			f := ev.Findings[0]
			got := struct {
				Control string
				IAM4    bool
			}{f.Control, f.IAM4}
			want := struct {
				Control string
				IAM4    bool
			}{tt.wantControl, tt.wantIAM4}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("identify (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseKeepsEveryFindingOfAnEvent(t *testing.T) {
	raw := mutate(t, "iam4-consolidated-failed.json", func(ev, f map[string]any) {
		other := map[string]any{}
		for k, v := range f {
			other[k] = v
		}
		other["Id"] = "second"
		other["Region"] = "eu-west-1"
		ev["detail"].(map[string]any)["findings"] = []any{f, other}
	})
	ev, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, f := range ev.Findings {
		ids = append(ids, f.ID+"@"+f.Region)
	}
	want := []string{
		"arn:aws:securityhub:us-west-2:111122223333:security-control/IAM.4/finding/09876543-p0o9-i8u7-y6t5-098765432109@us-west-2",
		"second@eu-west-1",
	}
	if diff := cmp.Diff(want, ids); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}

func TestParseRejectsMalformedInputNamingTheField(t *testing.T) {
	edit := func(fn func(ev, f map[string]any)) []byte {
		return mutate(t, "iam4-consolidated-failed.json", fn)
	}
	tests := []struct {
		name    string
		raw     []byte
		wantErr string
	}{
		{"empty input", []byte(""), "event: empty input"},
		{"not JSON", []byte("{"), "event: not valid JSON"},
		{"two events back to back", append(readSample(t, "iam4-consolidated-failed.json"), []byte("{}")...),
			"event: trailing data after the JSON value"},
		{"an array instead of an event", []byte("[]"), "event: expected an object, found array"},
		{"another source", edit(func(ev, _ map[string]any) { ev["source"] = "aws.guardduty" }),
			`event: source "aws.guardduty" is not "aws.securityhub"`},
		{"unknown detail type", edit(func(ev, _ map[string]any) { ev["detail-type"] = "Findings Imported V3" }),
			`event: detail-type "Findings Imported V3" is not one the responder handles`},
		{"detail-type of the wrong JSON type", edit(func(ev, _ map[string]any) { ev["detail-type"] = 7 }),
			"event.detail-type: expected a string, found number"},
		{"bad event time", edit(func(ev, _ map[string]any) { ev["time"] = "yesterday" }),
			`event.time: "yesterday" is not an RFC 3339 time`},
		{"no detail", edit(func(ev, _ map[string]any) { delete(ev, "detail") }), "event: detail is missing"},
		{"detail is null", edit(func(ev, _ map[string]any) { ev["detail"] = nil }), "event: detail is missing"},
		{"findings is not an array", edit(func(ev, _ map[string]any) { ev["detail"] = map[string]any{"findings": "x"} }),
			"detail.findings: expected an array, found string"},
		{"findings is empty", edit(func(ev, _ map[string]any) { ev["detail"] = map[string]any{"findings": []any{}} }),
			"detail.findings: missing or empty"},
		{"finding is a string", edit(func(ev, _ map[string]any) { ev["detail"] = map[string]any{"findings": []any{"x"}} }),
			"detail.findings[0]: expected an object, found string"},
		{"finding without Id", edit(func(_, f map[string]any) { delete(f, "Id") }), "detail.findings[0].Id: missing"},
		{"finding without ProductArn", edit(func(_, f map[string]any) { f["ProductArn"] = "" }),
			"detail.findings[0].ProductArn: missing"},
		{"finding without account", edit(func(_, f map[string]any) { delete(f, "AwsAccountId") }),
			"detail.findings[0].AwsAccountId: missing"},
		{"account id that is not 12 digits", edit(func(_, f map[string]any) { f["AwsAccountId"] = "11112222333x" }),
			`detail.findings[0].AwsAccountId: "11112222333x" is not a 12-digit account id`},
		{"compliance status of the wrong type", edit(func(_, f map[string]any) {
			f["Compliance"].(map[string]any)["Status"] = []any{"FAILED"}
		}), "detail.findings[0].Compliance.Status: expected a string, found array"},
		{"ProductFields with a number", edit(func(_, f map[string]any) {
			f["ProductFields"].(map[string]any)["ControlId"] = 4
		}), "detail.findings[0].ProductFields: expected a string, found number"},
		{"Id longer than ASFF allows", edit(func(_, f map[string]any) { f["Id"] = strings.Repeat("x", 513) }),
			"detail.findings[0].Id: longer than 512 characters"},
		{"Region that is not a Region", edit(func(_, f map[string]any) { f["Region"] = "us-west-2\nSubject: x" }),
			`detail.findings[0].Region: "us-west-2\nSubject: x" is not an AWS Region name`},
		{"bad UpdatedAt", edit(func(_, f map[string]any) { f["UpdatedAt"] = "2023-13-40" }),
			`detail.findings[0].UpdatedAt: "2023-13-40" is not an RFC 3339 time`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.raw)
			if err == nil {
				t.Fatalf("Parse: no error, want %q", tt.wantErr)
			}
			if !strings.HasPrefix(err.Error(), tt.wantErr) {
				t.Errorf("Parse error\n got: %s\nwant: %s…", err, tt.wantErr)
			}
		})
	}
}

func TestAccountlessRegionFallsBackToTheEvent(t *testing.T) {
	raw := mutate(t, "iam4-consolidated-failed.json", func(_, f map[string]any) { delete(f, "Region") })
	ev, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if got := ev.Findings[0].Region; got != "us-west-2" {
		t.Errorf("Region = %q, want the event's us-west-2", got)
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{
		"iam4-consolidated-failed.json", "iam4-consolidated-passed.json",
		"iam4-fsbp-failed.json", "iam4-fsbp-passed.json", "eventbridge-custom-action-ADAPTED.json",
		"ocsf-iam4-failed.json", "eventbridge-findings-imported-v2-ADAPTED.json",
	} {
		f.Add(readSample(f, name))
	}
	f.Add([]byte(`{"source":"aws.securityhub","detail-type":"Security Hub Findings - Imported","detail":{"findings":[{}]}}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		ev, err := Parse(raw)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		if len(ev.Findings) == 0 {
			t.Fatal("accepted an event without findings")
		}
		for _, f := range ev.Findings {
			if f.ID == "" || f.ProductARN == "" || !isAccountID(f.AccountID) {
				t.Fatalf("accepted an incomplete finding: %+v", f)
			}
			d := Decide(ev.Trigger, f)
			if d.Reason == "" {
				t.Fatalf("decision without a reason: %+v", d)
			}
		}
	})
}
