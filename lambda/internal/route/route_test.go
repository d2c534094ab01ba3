package route

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const settings = `{
  "rules": [
    {"name": "payments", "ou": "ou-ab12-paymnts1", "jiraProject": "PAY",
     "chatTopicArn": "arn:aws:sns:ap-northeast-1:111122223333:pay-chat"},
    {"name": "sandbox-owners", "tags": {"env": "sandbox", "team": "platform"}, "digest": true,
     "emailTopicArn": "arn:aws:sns:ap-northeast-1:111122223333:platform-mail"}
  ],
  "default": {"jiraProject": "SEC", "emailTopicArn": "arn:aws:sns:ap-northeast-1:111122223333:secops"}
}`

func TestRouteFirstMatchWins(t *testing.T) {
	table, err := Parse(settings)
	if err != nil {
		t.Fatal(err)
	}
	payments := []OU{{ID: "ou-ab12-workload"}, {ID: "ou-ab12-paymnts1", Name: "Payments"}}
	tests := []struct {
		name string
		acct Account
		want Decision
	}{
		{"an account deep under the OU takes the OU's route, the default's e-mail",
			Account{ID: "222233334444", OUs: payments},
			Decision{Rule: "payments", Channels: Channels{JiraProject: "PAY",
				ChatTopicARN:  "arn:aws:sns:ap-northeast-1:111122223333:pay-chat",
				EmailTopicARN: "arn:aws:sns:ap-northeast-1:111122223333:secops"}}},
		{"every tag must match",
			Account{ID: "333344445555", Tags: map[string]string{"env": "sandbox", "team": "platform", "x": "y"}},
			Decision{Rule: "sandbox-owners", Digest: true, Channels: Channels{JiraProject: "SEC",
				EmailTopicARN: "arn:aws:sns:ap-northeast-1:111122223333:platform-mail"}}},
		{"one tag of two is no match",
			Account{ID: "333344445555", Tags: map[string]string{"env": "sandbox"}},
			Decision{Channels: table.Default}},
		{"an account under the OU and with the tags takes the first rule",
			Account{ID: "444455556666", OUs: payments, Tags: map[string]string{"env": "sandbox", "team": "platform"}},
			Decision{Rule: "payments", Channels: Channels{JiraProject: "PAY",
				ChatTopicARN:  "arn:aws:sns:ap-northeast-1:111122223333:pay-chat",
				EmailTopicARN: "arn:aws:sns:ap-northeast-1:111122223333:secops"}}},
		{"an account outside every rule takes the default",
			Account{ID: "555566667777"}, Decision{Channels: table.Default}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, table.Route(tt.acct)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseRefusesWhatWouldMisroute(t *testing.T) {
	tests := []struct{ name, raw, want string }{
		{"a misspelt key", `{"rules":[{"name":"a","ou":"ou-ab12-paymnts1","jiraProjcet":"PAY"}]}`, "unknown field"},
		{"a rule matching nothing", `{"rules":[{"name":"a","jiraProject":"PAY"}]}`, "needs an ou or tags"},
		{"an OU name instead of its id", `{"rules":[{"name":"a","ou":"Payments"}]}`, "not an OU id"},
		{"a topic name instead of its ARN", `{"rules":[{"name":"a","ou":"ou-ab12-paymnts1","chatTopicArn":"pay-chat"}]}`, "not an SNS topic ARN"},
		{"a lower-case Jira key", `{"rules":[],"default":{"jiraProject":"sec"}}`, "not a Jira project key"},
		{"two rules of one name", `{"rules":[{"name":"a","ou":"ou-ab12-paymnts1"},{"name":"a","tags":{"t":"v"}}]}`, "used twice"},
		{"not JSON", `rules: []`, "routes:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.raw)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse = %v, want an error containing %q", err, tt.want)
			}
		})
	}
	if table, err := Parse(""); err != nil || len(table.Rules) != 0 {
		t.Errorf("no setting: %+v, %v; want no rules", table, err)
	}
}
