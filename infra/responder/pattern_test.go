package responder

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/google/go-cmp/cmp"

	"github.com/iam4-responder/iam4-responder/infra/eventpattern"
	"github.com/iam4-responder/iam4-responder/internal/samples"
	"github.com/iam4-responder/iam4-responder/internal/testenv"
	"github.com/iam4-responder/iam4-responder/lambda/contract"
)

// deployedActionTarget stands for the custom action's ARN once deployed: the one the custom
// action sample names in its resources.
const deployedActionTarget = "arn:aws:securityhub:us-west-1:111122223333:action/custom/custom-action-name"

// rulePatterns returns the synthesized rules' event patterns by rule description, with the
// custom action's ARN (a reference in the template) as CloudFormation would resolve it.
func rulePatterns(t *testing.T) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, rule := range resources(t, "AWS::Events::Rule") {
		if rule["EventPattern"] == nil {
			continue // the scheduled sweep, re-check and digest
		}
		if dt, _ := rule["EventPattern"].(map[string]any)["detail-type"].([]any); len(dt) > 0 && dt[0] == contract.DetailTypeAPICall {
			continue // the real-time signals (signals_test.go)
		}
		var pattern map[string]any // a copy: the synthesized template is shared
		raw, _ := json.Marshal(rule["EventPattern"])
		if err := json.Unmarshal(raw, &pattern); err != nil {
			t.Fatal(err)
		}
		if res, ok := pattern["resources"].([]any); ok {
			if ref, ok := res[0].(map[string]any); !ok || ref["Ref"] == nil {
				t.Fatalf("the custom action rule's resources are %v, want a reference to the action target", res)
			}
			pattern["resources"] = []any{deployedActionTarget}
		}
		b, err := json.Marshal(pattern)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) > 2048 {
			t.Errorf("pattern is %d bytes; keep it well inside PutRule's limit", len(b))
		}
		out[rule["Description"].(string)] = b
	}
	if len(out) != len(Patterns(deployedActionTarget)) {
		t.Fatalf("%d rules, want %d", len(out), len(Patterns(deployedActionTarget)))
	}
	return out
}

// readEvent reads one of the project's shared finding events (internal/samples).
func readEvent(t *testing.T, name string) map[string]any {
	t.Helper()
	b, err := samples.File(name)
	if err != nil {
		t.Fatal(err)
	}
	var ev map[string]any
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

// event builds a test event from a sample, its first finding changed by edit.
func event(t *testing.T, name string, edit func(f map[string]any)) []byte {
	t.Helper()
	ev := readEvent(t, name)
	if edit != nil {
		edit(ev["detail"].(map[string]any)["findings"].([]any)[0].(map[string]any))
	}
	b, _ := json.Marshal(ev)
	return b
}

// older turns a sample into a per-standard finding from before SecurityControlId existed.
func older(generatorID string) func(f map[string]any) {
	return func(f map[string]any) {
		delete(f["Compliance"].(map[string]any), "SecurityControlId")
		f["GeneratorId"] = generatorID
	}
}

func set(path string, value any) func(f map[string]any) {
	return func(f map[string]any) {
		keys := strings.Split(path, ".")
		m := f
		for _, k := range keys[:len(keys)-1] {
			m = m[k].(map[string]any)
		}
		m[keys[len(keys)-1]] = value
	}
}

// envelope builds a test event from a sample with its envelope changed by edit.
func envelope(t *testing.T, name string, edit func(ev map[string]any)) []byte {
	t.Helper()
	ev := readEvent(t, name)
	edit(ev)
	b, _ := json.Marshal(ev)
	return b
}

func both(a, b func(map[string]any)) func(map[string]any) {
	return func(f map[string]any) { a(f); b(f) }
}

func TestRulePatternCatchesEveryIAM4FormAndState(t *testing.T) {
	patterns := rulePatterns(t)
	tests := []struct {
		name  string
		event []byte
		want  bool
	}{
		{"consolidated FAILED sample", event(t, "iam4-consolidated-failed.json", nil), true},
		{"FSBP FAILED sample", event(t, "iam4-fsbp-failed.json", nil), true},
		{"consolidated PASSED sample (lifecycle)", event(t, "iam4-consolidated-passed.json", nil), true},
		{"FSBP PASSED sample (lifecycle)", event(t, "iam4-fsbp-passed.json", nil), true},
		{"custom action sample", event(t, "eventbridge-custom-action-ADAPTED.json", nil), true},
		{"archived finding", event(t, "iam4-consolidated-failed.json", set("RecordState", "ARCHIVED")), true},
		{"CIS v1.2.0 rule 1.12 before SecurityControlId",
			event(t, "iam4-fsbp-failed.json", older("arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0/rule/1.12")), true},
		{"CIS v1.4.0 control 1.4 before SecurityControlId",
			event(t, "iam4-fsbp-failed.json", older("arn:aws:securityhub:::standards/cis-aws-foundations-benchmark/v/1.4.0/1.4")), true},
		{"CIS v3.0.0 control 1.4 before SecurityControlId",
			event(t, "iam4-fsbp-failed.json", older("cis-aws-foundations-benchmark/v/3.0.0/1.4")), true},
		{"PCI DSS PCI.IAM.1 before SecurityControlId",
			event(t, "iam4-fsbp-failed.json", older("pci-dss/v/3.2.1/PCI.IAM.1")), true},
		{"GovCloud CIS v1.4.0 before SecurityControlId",
			event(t, "iam4-fsbp-failed.json", older("arn:aws-us-gov:securityhub:::standards/cis-aws-foundations-benchmark/v/1.4.0/1.4")), true},
		{"CIS v1.2.0 rule 1.4 is IAM.3",
			event(t, "iam4-fsbp-failed.json", older("arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0/rule/1.4")), false},
		{"another control", event(t, "iam4-consolidated-failed.json", both(
			set("Compliance.SecurityControlId", "IAM.6"), set("GeneratorId", "security-control/IAM.6"))), false},
		{"our own NOTIFIED write-back", event(t, "iam4-consolidated-failed.json", set("Workflow.Status", "NOTIFIED")), false},
		{"suppressed failure", event(t, "iam4-consolidated-failed.json", set("Workflow.Status", "SUPPRESSED")), false},
		{"suppressed pass", event(t, "iam4-consolidated-passed.json", set("Workflow.Status", "SUPPRESSED")), false},
		{"warning", event(t, "iam4-consolidated-failed.json", set("Compliance.Status", "WARNING")), false},
		{"OCSF IAM.4 failure (V2)", event(t, "ocsf-iam4-failed.json", nil), true},
		{"OCSF IAM.4 pass (V2)", event(t, "ocsf-iam4-passed.json", nil), true},
		{"OCSF IAM.4 archived (V2)", event(t, "ocsf-iam4-failed.json", both(set("status_id", 5), set("status", "Archived"))), true},
		{"OCSF failure after our In Progress write-back (V2)", event(t, "ocsf-iam4-failed.json", set("status_id", 2)), false},
		{"OCSF suppressed pass (V2)", event(t, "ocsf-iam4-passed.json", set("status_id", 3)), false},
		{"OCSF SQS.1 failure sample (V2)", event(t, "eventbridge-findings-imported-v2-ADAPTED.json", nil), false},
		{"ASFF finding another account imported under its default product (forged)", event(t, "iam4-consolidated-failed.json",
			set("ProductArn", "arn:aws:securityhub:us-west-2:111122223333:product/111122223333/default")), false},
		{"ASFF pass from another product (forged resolution)", event(t, "iam4-consolidated-passed.json",
			set("ProductArn", "arn:aws:securityhub:us-west-2::product/prowler/prowler")), false},
		{"ASFF before SecurityControlId from another product (forged)", event(t, "iam4-fsbp-failed.json", both(
			older("aws-foundational-security-best-practices/v/1.0.0/IAM.4"),
			set("ProductArn", "arn:aws:securityhub:us-west-2:111122223333:product/111122223333/default"))), false},
		{"China Security Hub's own finding", event(t, "iam4-consolidated-failed.json",
			set("ProductArn", "arn:aws-cn:securityhub:cn-north-1::product/aws/securityhub")), true},
		{"OCSF finding of another product (forged)", event(t, "ocsf-iam4-failed.json",
			set("metadata.product.uid", "arn:aws:securityhub:us-east-2:111122223333:productv2/111122223333/default")), false},
		{"OCSF GovCloud Security Hub's own finding", event(t, "ocsf-iam4-failed.json",
			set("metadata.product.uid", "arn:aws-us-gov:securityhub:us-gov-west-1::productv2/aws/securityhub")), true},
		{"another team's custom action (send to SIEM)", envelope(t, "eventbridge-custom-action-ADAPTED.json", func(ev map[string]any) {
			ev["resources"] = []any{"arn:aws:securityhub:us-west-1:111122223333:action/custom/SendToSIEM"}
		}), false},
		{"our custom action on another product's finding (forged)", func() []byte {
			ev := readEvent(t, "eventbridge-custom-action-ADAPTED.json")
			ev["detail"].(map[string]any)["findings"].([]any)[0].(map[string]any)["ProductArn"] = "arn:aws:securityhub:us-west-2:111122223333:product/111122223333/default"
			b, _ := json.Marshal(ev)
			return b
		}(), false},
		{"another source", func() []byte {
			ev := readEvent(t, "iam4-consolidated-failed.json")
			ev["source"] = "custom.securityhub"
			b, _ := json.Marshal(ev)
			return b
		}(), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			matched := 0
			for _, p := range patterns {
				ok, err := eventpattern.Match(p, tt.event)
				if err != nil {
					t.Fatal(err)
				}
				if ok {
					matched++
				}
			}
			if matched > 1 {
				t.Errorf("%d rules match: the function would run twice for one event", matched)
			}
			if got := matched == 1; got != tt.want {
				t.Errorf("rules match = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestRuleDeliversSamplesThroughMoto puts each synthesized rule into moto's EventBridge with an
// SQS target and sends every sample with PutEvents. moto's matcher does not descend into
// detail.findings (an array of objects), so moto gets the rule's envelope fields (source,
// detail-type) and the findings part is checked with eventpattern, which follows EventBridge's
// documented semantics. Together: a sample is delivered, intact, exactly when both say so.
func TestRuleDeliversSamplesThroughMoto(t *testing.T) {
	cfg := testenv.AWSConfig(testenv.Moto(t))
	eb := eventbridge.NewFromConfig(cfg)
	suffix := testenv.Name("rule")
	patterns := rulePatterns(t)
	queues := map[string]string{}
	for rule, full := range patterns {
		var p map[string]any
		if err := json.Unmarshal(full, &p); err != nil {
			t.Fatal(err)
		}
		envelope, _ := json.Marshal(map[string]any{"source": p["source"], "detail-type": p["detail-type"]})
		name := fmt.Sprintf("%s-%d", suffix, len(queues))
		url, arn := testenv.Queue(t, cfg, name)
		queues[rule] = url
		if _, err := eb.PutRule(t.Context(), &eventbridge.PutRuleInput{
			Name: aws.String(name), EventPattern: aws.String(string(envelope)),
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := eb.PutTargets(t.Context(), &eventbridge.PutTargetsInput{
			Rule: aws.String(name), Targets: []ebtypes.Target{{Id: aws.String("queue"), Arn: aws.String(arn)}},
		}); err != nil {
			t.Fatal(err)
		}
	}

	var events []string // every shared sample that is an EventBridge event (not a bare OCSF finding)
	for _, name := range samples.Findings() {
		if _, ok := readEvent(t, name+".json")["detail-type"]; ok {
			events = append(events, name+".json")
		}
	}
	if len(events) < 8 {
		t.Fatalf("%d sample events (%v), want at least 8", len(events), events)
	}
	want := map[string][]string{} // rule -> sample files it selects
	sent := map[string]int{}      // detail type -> samples sent
	for _, path := range events {
		ev := readEvent(t, path)
		raw, _ := json.Marshal(ev)
		detail, _ := json.Marshal(ev["detail"])
		detailType := ev["detail-type"].(string)
		sent[detailType]++
		out, err := eb.PutEvents(t.Context(), &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{{
			Source: aws.String(ev["source"].(string)), DetailType: aws.String(detailType),
			Detail: aws.String(string(detail)), Resources: toStrings(ev["resources"]),
		}}})
		if err != nil || out.FailedEntryCount != 0 {
			t.Fatalf("PutEvents %s: %v %+v", path, err, out)
		}
		for rule, p := range patterns {
			if ok, err := eventpattern.Match(p, raw); err != nil {
				t.Fatal(err)
			} else if ok {
				want[rule] = append(want[rule], findingID(ev["detail"])+" "+ev["id"].(string))
			}
		}
	}
	selected := 0
	for _, w := range want {
		selected += len(w)
	}
	// Every IAM.4 sample is selected (FAILED to respond, PASSED to resolve); the SQS.1 one is not.
	if wantSelected := len(events) - 1; selected != wantSelected {
		t.Errorf("the rules select %d of the %d samples (%v), want %d", selected, len(events), want, wantSelected)
	}

	for rule, url := range queues {
		var p map[string]any
		_ = json.Unmarshal(patterns[rule], &p)
		detailType := p["detail-type"].([]any)[0].(string)
		var got []string
		for _, m := range testenv.Receive(t, cfg, url, sent[detailType]) {
			var delivered map[string]any
			if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &delivered); err != nil {
				t.Fatal(err)
			}
			raw, _ := json.Marshal(delivered)
			if ok, _ := eventpattern.Match(patterns[rule], raw); ok {
				got = append(got, findingID(delivered["detail"]))
			}
		}
		var wantIDs []string
		for _, w := range want[rule] {
			wantIDs = append(wantIDs, strings.Fields(w)[0])
		}
		sort.Strings(got)
		sort.Strings(wantIDs)
		if diff := cmp.Diff(wantIDs, got); diff != "" {
			t.Errorf("%s: delivered and selected (-want +got):\n%s", rule, diff)
		}
	}
}

func findingID(detail any) string {
	f := detail.(map[string]any)["findings"].([]any)[0].(map[string]any)
	if id, ok := f["Id"].(string); ok {
		return id
	}
	return f["finding_info"].(map[string]any)["uid"].(string) // OCSF
}

func toStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}
