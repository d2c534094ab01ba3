package responder

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/google/go-cmp/cmp"

	"github.com/iam4-responder/iam4-responder/lambda/contract"
)

const (
	payChat   = "arn:aws:sns:ap-northeast-1:111122223333:pay-chat"
	sandboxes = "arn:aws:sns:ap-northeast-1:444455556666:sandbox-mail"
)

// routesWithDigest routes payments to its own chat and sandboxes to a digest by e-mail.
var routesWithDigest = `{"rules": [{"name": "payments", "ou": "ou-ab12-paymnts1", "chatTopicArn": "` + payChat + `"},
 {"name": "sandbox", "tags": {"env": "sandbox"}, "emailTopicArn": "` + sandboxes + `", "digest": true}],
 "default": {"chatTopicArn": "` + payChat + `"}}`

var tokyo = &awscdk.Environment{Account: jsii.String("111122223333"), Region: jsii.String("ap-northeast-1")}

// resourcesIn returns the properties of every resource of a type in a synthesized template.
func resourcesIn(tpl map[string]any, typ string) []map[string]any {
	var out []map[string]any
	for _, r := range tpl["Resources"].(map[string]any) {
		r := r.(map[string]any)
		if r["Type"] == typ {
			props, _ := r["Properties"].(map[string]any)
			out = append(out, props)
		}
	}
	return out
}

// TestDailyTasksRunAtTheHourWithTheirInput: the re-check runs daily at recheckHourUtc and sends
// {"iam4-responder-task":"recheck"}; the digest runs half an hour later, only when a route asks.
func TestDailyTasksRunAtTheHourWithTheirInput(t *testing.T) {
	three := 3.0
	tests := []struct {
		name  string
		props Props
		want  map[string]string // schedule → input
	}{
		{"defaults: the re-check at 06:00 UTC, no digest", Props{Emails: []string{"ops@example.com"}},
			map[string]string{"cron(0 6 * * ? *)": `{"iam4-responder-task":"recheck"}`}},
		{"a digest route adds the digest after the re-check", Props{Emails: []string{"ops@example.com"}, Chat: true,
			Routes: routesWithDigest, RecheckHourUTC: &three},
			map[string]string{"cron(0 3 * * ? *)": `{"iam4-responder-task":"recheck"}`,
				"cron(30 3 * * ? *)": `{"iam4-responder-task":"digest"}`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tpl, nag, _ := synth(t, tt.props, tokyo)
			if len(nag) > 0 {
				t.Errorf("cdk-nag errors:\n%s", strings.Join(nag, "\n"))
			}
			got := map[string]string{}
			for _, rule := range resourcesIn(tpl, "AWS::Events::Rule") {
				expr, _ := rule["ScheduleExpression"].(string)
				if !strings.HasPrefix(expr, "cron(") {
					continue
				}
				target := rule["Targets"].([]any)[0].(map[string]any)
				got[expr], _ = target["Input"].(string)
				if target["DeadLetterConfig"] == nil {
					t.Errorf("%s: no dead-letter queue on the target", expr)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("daily rules (-want +got):\n%s", diff)
			}
		})
	}
}

// TestFollowUpSettingsReachTheFunction: every follow-up setting the function reads is in its
// environment, by the contract's names.
func TestFollowUpSettingsReachTheFunction(t *testing.T) {
	tpl, _, _ := synth(t, Props{Emails: []string{"ops@example.com"}, Chat: true, Routes: routesWithDigest,
		OwnerTags: []string{"owner", "team"}, VerifyDays: 10, StaleDays: 30,
		JiraStatuses: map[string]string{"ready_to_delete": "Ready to delete", "deactivated": "In Progress"},
		Jira: &JiraProps{URL: "https://example.atlassian.net", Project: "SEC",
			SecretARN: "arn:aws:secretsmanager:ap-northeast-1:111122223333:secret:jira-AbCdEf"}}, tokyo)
	env := resourcesIn(tpl, "AWS::Lambda::Function")[0]["Environment"].(map[string]any)["Variables"].(map[string]any)
	got := map[string]any{}
	for _, k := range []string{contract.EnvRoutes, contract.EnvOwnerTags, contract.EnvVerifyDays, contract.EnvStaleDays, contract.EnvJiraStatuses} {
		got[k] = env[k]
	}
	want := map[string]any{contract.EnvRoutes: routesWithDigest, contract.EnvOwnerTags: "owner,team",
		contract.EnvVerifyDays: "10", contract.EnvStaleDays: "30",
		contract.EnvJiraStatuses: "deactivated=In Progress,ready_to_delete=Ready to delete"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("environment (-want +got):\n%s", diff)
	}
}

// TestRoutingGrantsOnlyWhatItUses: sns:Publish on each topic a route names, Organizations look-ups
// only when routing or owner tags need them, scoped to the organization's accounts and OUs.
func TestRoutingGrantsOnlyWhatItUses(t *testing.T) {
	tests := []struct {
		name    string
		props   Props
		publish []string // resources of sns:Publish statements besides the stack's topics
		org     []string // statements naming organizations:ListParents
	}{
		{"no routing, no organization", Props{Emails: []string{"ops@example.com"}}, nil, nil},
		{"routes in an organization", Props{Emails: []string{"ops@example.com"}, Routes: routesWithDigest, OrganizationID: "o-exampleorgid"},
			[]string{payChat, sandboxes},
			[]string{`{"Action":["organizations:ListParents","organizations:ListTagsForResource"],"Effect":"Allow","Resource":"arn:aws:organizations::*:account/o-exampleorgid/*","Sid":"NameAccountOwners"}`,
				`{"Action":["organizations:DescribeOrganizationalUnit","organizations:ListParents"],"Effect":"Allow","Resource":"arn:aws:organizations::*:ou/o-exampleorgid/ou-*","Sid":"WalkOrganizationalUnits"}`}},
		{"owner tags without an organization id", Props{Emails: []string{"ops@example.com"}, OwnerTags: []string{"owner"}}, nil,
			[]string{`{"Action":["organizations:DescribeAccount","organizations:ListParents","organizations:ListTagsForResource"],"Effect":"Allow","Resource":"arn:aws:organizations::*:account/o-*/*","Sid":"NameAccountOwners"}`,
				`{"Action":["organizations:DescribeOrganizationalUnit","organizations:ListParents"],"Effect":"Allow","Resource":"arn:aws:organizations::*:ou/o-*/ou-*","Sid":"WalkOrganizationalUnits"}`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tpl, nag, _ := synth(t, tt.props, tokyo)
			if len(nag) > 0 {
				t.Errorf("cdk-nag errors:\n%s", strings.Join(nag, "\n"))
			}
			var publish []string
			for _, st := range statements(t, tpl, "sns:Publish") {
				var s struct{ Resource any }
				_ = json.Unmarshal([]byte(st), &s)
				if arn, ok := s.Resource.(string); ok {
					publish = append(publish, arn) // the stack's own topics are references
				}
			}
			slices.Sort(publish)
			if diff := cmp.Diff(tt.publish, publish); diff != "" {
				t.Errorf("sns:Publish on route topics (-want +got):\n%s", diff)
			}
			org := statements(t, tpl, "organizations:ListParents")
			slices.Sort(org)
			slices.Sort(tt.org)
			if diff := cmp.Diff(tt.org, org); diff != "" {
				t.Errorf("Organizations statements (-want +got):\n%s", diff)
			}
		})
	}
}

// TestBusAdmitsOnlyForwardedSignals: with an organization, its accounts may put CloudTrail's
// API-call events (and nothing else) on the responder's bus; without signals, no rule and no
// policy.
func TestBusAdmitsOnlyForwardedSignals(t *testing.T) {
	tests := []struct {
		name     string
		props    Props
		rules    int
		policies []string
	}{
		{"an organization forwards its events", Props{Emails: []string{"ops@example.com"}, OrganizationID: "o-exampleorgid"}, 2,
			[]string{`{"Action":"events:PutEvents","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-exampleorgid","events:detail-type":"AWS API Call via CloudTrail"}},"Effect":"Allow","Principal":"*","Resource":"arn:aws:events:ap-northeast-1:111122223333:event-bus/default","Sid":"iam4-signals-org-Iam4Responder"}`}},
		{"listed accounts forward their events", Props{Emails: []string{"ops@example.com"}, AllowedAccounts: []string{"444455556666"}}, 2,
			[]string{`{"Action":"events:PutEvents","Condition":{"StringEquals":{"events:detail-type":"AWS API Call via CloudTrail"}},"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Resource":"arn:aws:events:ap-northeast-1:111122223333:event-bus/default","Sid":"iam4-signals-444455556666-Iam4Responder"}`}},
		{"signals off", Props{Emails: []string{"ops@example.com"}, OrganizationID: "o-exampleorgid", DisableRealTimeSignals: true}, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tpl, _, _ := synth(t, tt.props, tokyo)
			rules := 0
			for _, rule := range resourcesIn(tpl, "AWS::Events::Rule") {
				if strings.Contains(mustJSON(t, rule["EventPattern"]), contract.DetailTypeAPICall) {
					rules++
				}
			}
			if rules != tt.rules {
				t.Errorf("%d signal rules, want %d", rules, tt.rules)
			}
			var policies []string
			for _, p := range resourcesIn(tpl, "AWS::Events::EventBusPolicy") {
				policies = append(policies, mustJSON(t, p["Statement"]))
			}
			if diff := cmp.Diff(tt.policies, policies); diff != "" {
				t.Errorf("bus policies (-want +got):\n%s", diff)
			}
		})
	}
}
