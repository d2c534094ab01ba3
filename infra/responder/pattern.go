package responder

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/jsii-runtime-go"

	"github.com/iam4-responder/iam4-responder/lambda/contract"
)

// Security Hub's EventBridge envelope, as the function parses it.
const (
	source                 = contract.SourceSecurityHub
	detailTypeImported     = contract.DetailTypeImported
	detailTypeCustomAction = contract.DetailTypeCustomAction
	detailTypeImportedV2   = contract.DetailTypeImportedV2
)

// RulePattern is one EventBridge rule the responder needs.
type RulePattern struct {
	ID          string
	Description string
	Pattern     *awsevents.EventPattern
}

// Security Hub's own product, the only producer whose findings count: anyone allowed to call
// BatchImportFindings can import a finding under their account's default product with any
// GeneratorId or control (DESIGN.md, "Who produced a finding"). The Region and partition vary, so
// the rule matches the ARN's end and the function checks the whole ARN (contract.SecurityHubProduct).
var (
	asffProduct = []any{map[string]any{"suffix": "::product/aws/securityhub"}}
	ocsfProduct = []any{map[string]any{"suffix": "::productv2/aws/securityhub"}, map[string]any{"suffix": "::product/aws/securityhub"}}
)

// Patterns returns the responder's rules; actionTarget is the ARN of the Security Hub custom
// action whose events the custom-action rule takes (any other team's custom action is not ours).
// Each pattern stays under PutRule's 2,048-character default quota, which is why the control
// forms are split across rules; the legacy rule only matches events without SecurityControlId,
// so no event matches two rules.
func Patterns(actionTarget string) []RulePattern {
	modern := map[string]any{"Compliance": map[string]any{"SecurityControlId": []any{contract.SecurityControlID}}}
	var suffixes []any
	for _, s := range contract.GeneratorIDSuffixes() {
		suffixes = append(suffixes, map[string]any{"suffix": s})
	}
	legacy := map[string]any{
		"GeneratorId": suffixes,
		"Compliance":  map[string]any{"SecurityControlId": []any{map[string]any{"exists": false}}},
	}
	return []RulePattern{
		{"FindingsRule", "IAM.4 findings imported into Security Hub: new failures, passes and archives",
			imported(modern)},
		{"LegacyFindingsRule", "IAM.4 findings from before SecurityControlId, named by their GeneratorId",
			imported(legacy)},
		{"CustomActionRule", "IAM.4 findings a person sends with the responder's Security Hub custom action",
			customAction(actionTarget, map[string]any{"ProductArn": asffProduct, "$or": []any{modern, legacy}})},
		{"FindingsV2Rule", "IAM.4 OCSF findings of the new Security Hub: new failures, passes and archives",
			importedV2()},
	}
}

// importedV2 matches OCSF compliance findings of IAM.4 by their status ids (OCSF: compliance
// 1 Pass, 3 Fail; finding 1 New, 2 In Progress, 3 Suppressed, 5 Archived). In Progress is what the
// V2 write-back sets, so failures only pass while New.
func importedV2() *awsevents.EventPattern {
	form := map[string]any{"compliance": map[string]any{"control": []any{contract.SecurityControlID}},
		"metadata": map[string]any{"product": map[string]any{"uid": ocsfProduct}}}
	states := []map[string]any{
		{"compliance": map[string]any{"status_id": []any{3}}, "status_id": []any{1}},
		{"compliance": map[string]any{"status_id": []any{1}}, "status_id": []any{map[string]any{"anything-but": 3}}},
		{"status_id": []any{5}},
	}
	var branches []any
	for _, st := range states {
		branches = append(branches, merge(form, st))
	}
	return pattern(detailTypeImportedV2, map[string]any{"$or": branches})
}

// imported matches imported findings of a control form in the states the function acts on: a
// new failure (respond), a pass or an archive (resolve). Leaving NOTIFIED failures out keeps the
// function's own write-back from invoking it again. EventBridge matches these fields across the
// findings array, not finding by finding, so the function checks every finding again.
func imported(form map[string]any) *awsevents.EventPattern {
	notSuppressed := map[string]any{"Status": []any{map[string]any{"anything-but": "SUPPRESSED"}}}
	states := []any{
		map[string]any{
			"Compliance":  map[string]any{"Status": []any{"FAILED"}},
			"RecordState": []any{"ACTIVE"},
			"Workflow":    map[string]any{"Status": []any{"NEW"}},
		},
		map[string]any{"Compliance": map[string]any{"Status": []any{"PASSED"}}, "Workflow": notSuppressed},
		map[string]any{"RecordState": []any{"ARCHIVED"}, "Workflow": notSuppressed},
	}
	var branches []any
	for _, s := range states {
		branches = append(branches, merge(form, s.(map[string]any)))
	}
	return pattern(detailTypeImported, map[string]any{"ProductArn": asffProduct, "$or": branches})
}

// customAction matches the events of one custom action: Security Hub names the action target's
// ARN in the event's resources (Security Hub user guide, "EventBridge event formats").
func customAction(actionTarget string, findings map[string]any) *awsevents.EventPattern {
	p := pattern(detailTypeCustomAction, findings)
	p.Resources = jsii.Strings(actionTarget)
	return p
}

func pattern(detailType string, findings map[string]any) *awsevents.EventPattern {
	return &awsevents.EventPattern{
		Source:     jsii.Strings(source),
		DetailType: jsii.Strings(detailType),
		Detail:     &map[string]any{"findings": findings},
	}
}

// merge combines two pattern objects, descending into objects both of them hold.
func merge(a, b map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		if av, ok := out[k].(map[string]any); ok {
			if bv, ok := v.(map[string]any); ok {
				out[k] = merge(av, bv)
				continue
			}
		}
		out[k] = v
	}
	return out
}
