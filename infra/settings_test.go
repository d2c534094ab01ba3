package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/google/go-cmp/cmp"

	"github.com/iam4-responder/iam4-responder/infra/responder"
	"github.com/iam4-responder/iam4-responder/lambda/contract"
)

func defaultSettings() Settings {
	six := 6.0
	return Settings{StackName: "Iam4Responder", CodeDir: "../build/lambda", TimeoutMinutes: 15, EvidenceCallAs: "SELF",
		RealTimeSignals: true,
		Responder: responder.Props{LogRetention: awslogs.RetentionDays_ONE_YEAR, MemoryMB: 512, LookbackDays: 90,
			Language: "en", Containment: "off", ActionTargetID: contract.DefaultActionTargetID,
			VerifyDays: 7, StaleDays: 14, RecheckHourUTC: &six}}
}

func TestReadSettings(t *testing.T) {
	secret := "arn:aws:secretsmanager:us-east-1:111122223333:secret:jira-AbCdEf"
	key := "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	tests := []struct {
		name string
		ctx  map[string]any
		want func(*Settings)
	}{
		{"defaults", nil, func(*Settings) {}},
		{"values from -c are strings", map[string]any{
			contract.CtxEmails: "ops@example.com, sec@example.com", contract.CtxLogRetentionDays: "90",
			contract.CtxTimeoutMinutes: "10", contract.CtxMemoryMB: "1024", contract.CtxReservedConcurrency: "5",
			contract.CtxStackName: "Iam4Prod", contract.CtxRegions: "us-east-1,ap-northeast-1", contract.CtxLookbackDays: "30",
			contract.CtxLanguage: "ja", contract.CtxChat: "true", contract.CtxOpsCenter: "true", contract.CtxSecurityHub: "false",
			contract.CtxJiraURL: "https://example.atlassian.net", contract.CtxJiraProject: "SEC",
			contract.CtxJiraLabels: "iam4,security", contract.CtxJiraPriorities: "CRITICAL=Highest",
			contract.CtxJiraSecretARN: secret, contract.CtxJiraSecretKMSKey: key, contract.CtxActionTargetID: "Iam4Prod",
			"@aws-cdk/core:enablePartitionLiterals": true,
		}, func(s *Settings) {
			s.StackName, s.TimeoutMinutes = "Iam4Prod", 10
			r := &s.Responder
			r.Emails, r.LogRetention, r.MemoryMB, r.ReservedConcurrency = []string{"ops@example.com", "sec@example.com"}, awslogs.RetentionDays_THREE_MONTHS, 1024, 5
			r.Regions, r.LookbackDays, r.Language, r.Chat, r.OpsCenter = []string{"us-east-1", "ap-northeast-1"}, 30, "ja", true, true
			r.DisableSecurityHubWriteBack, r.ActionTargetID = true, "Iam4Prod"
			r.Jira = &responder.JiraProps{URL: "https://example.atlassian.net", Project: "SEC", IssueType: "Task", Transition: "Done",
				Labels: []string{"iam4", "security"}, Priorities: map[string]string{"CRITICAL": "Highest"}, SecretARN: secret, SecretKMSKeyARN: key}
		}},
		{"values from cdk.json are JSON", map[string]any{
			contract.CtxEmails: []any{"ops@example.com"}, contract.CtxLogRetentionDays: 30.0, contract.CtxOpsCenter: true,
		}, func(s *Settings) {
			s.Responder.Emails, s.Responder.LogRetention, s.Responder.OpsCenter = []string{"ops@example.com"}, awslogs.RetentionDays_ONE_MONTH, true
		}},
		{"following a case to the end, routes as a cdk.json object", map[string]any{
			contract.CtxRoutes: map[string]any{"rules": []any{map[string]any{"name": "sandbox", "tags": map[string]any{"env": "sandbox"},
				"digest": true, "emailTopicArn": "arn:aws:sns:ap-northeast-1:444455556666:sandbox-mail"}}},
			contract.CtxOwnerTags: "owner,team", contract.CtxVerifyDays: 10.0, contract.CtxStaleDays: "30",
			contract.CtxRecheckHourUTC: 3.0, contract.CtxRealTimeSignals: false, contract.CtxResponderRegion: "ap-northeast-1",
		}, func(s *Settings) {
			three := 3.0
			s.ResponderRegion, s.RealTimeSignals = "ap-northeast-1", false
			r := &s.Responder
			r.Routes = `{"rules":[{"name":"sandbox","tags":{"env":"sandbox"},"emailTopicArn":"arn:aws:sns:ap-northeast-1:444455556666:sandbox-mail","digest":true}],"default":{}}`
			r.OwnerTags, r.VerifyDays, r.StaleDays, r.RecheckHourUTC, r.DisableRealTimeSignals = []string{"owner", "team"}, 10, 30, &three, true
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadSettings(tt.ctx)
			if err != nil {
				t.Fatal(err)
			}
			want := defaultSettings()
			tt.want(&want)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("ReadSettings (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadSettingsNamesTheBadKey(t *testing.T) {
	tests := []struct {
		name string
		ctx  map[string]any
		want string
	}{
		{"misspelt key", map[string]any{"langauge": "ja"}, `unknown context key "langauge"; did you mean "language"?`},
		{"singular e-mail", map[string]any{"email": "ops@example.com"}, `did you mean "emails"?`},
		{"bad address", map[string]any{contract.CtxEmails: "ops@example.com,not-an-address"}, `emails: "not-an-address" is not an e-mail address`},
		{"retention CloudWatch lacks", map[string]any{contract.CtxLogRetentionDays: "100"}, `logRetentionDays: "100" is not a retention CloudWatch Logs offers`},
		{"timeout beyond Lambda's", map[string]any{contract.CtxTimeoutMinutes: "16"}, `timeoutMinutes: "16" is not a whole number from 1 to 15`},
		{"Region the SDK does not know", map[string]any{contract.CtxRegions: "us-east-99"}, `regions: "us-east-99" is not a Region the AWS SDK knows`},
		{"role name", map[string]any{contract.CtxMemberRoleName: "bad name!"}, `memberRoleName: "bad name!" is not an IAM role name`},
		{"Jira label", map[string]any{contract.CtxJiraLabels: "sec ops", contract.CtxJiraURL: "https://example.atlassian.net",
			contract.CtxJiraProject: "SEC", contract.CtxJiraSecretARN: "arn:aws:secretsmanager:us-east-1:111122223333:secret:jira-AbCdEf"},
			`jiraLabels: label "sec ops" has a space`},
		{"Jira without its URL", map[string]any{contract.CtxJiraProject: "SEC",
			contract.CtxJiraSecretARN: "arn:aws:secretsmanager:us-east-1:111122223333:secret:jira-AbCdEf"}, "jiraUrl: required with jiraProject"},
		{"every channel off", map[string]any{contract.CtxSecurityHub: false}, "every channel is off"},
		{"a responder outside IAM's Region without its account", map[string]any{contract.CtxResponderRegion: "ap-northeast-1"},
			"responderAccount: required with responderRegion=ap-northeast-1: IAM's events arrive in us-east-1"},
		{"a route naming a topic by name", map[string]any{contract.CtxRoutes: `{"rules":[{"name":"a","ou":"ou-ab12-paymnts1","chatTopicArn":"pay-chat"}]}`},
			`chatTopicArn "pay-chat" is not an SNS topic ARN`},
		{"routes beyond the function's environment", map[string]any{contract.CtxRoutes: manyRoutes(40)},
			"bytes of JSON; the function's environment holds 4096 in all"},
		{"containment without the management account", map[string]any{contract.CtxContainment: "delete-unused", contract.CtxAllowedAccounts: "444455556666"},
			"managementAccount: the management account's 12-digit id is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadSettings(tt.ctx)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ReadSettings error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestEveryRetentionTheContractAcceptsHasACDKValue(t *testing.T) {
	for _, d := range contract.LogRetentions {
		if _, ok := retentions[d]; !ok {
			t.Errorf("contract accepts %d days, the app has no awslogs.RetentionDays for it", d)
		}
	}
	if len(retentions) != len(contract.LogRetentions) {
		t.Errorf("the app maps %d retentions, the contract lists %d", len(retentions), len(contract.LogRetentions))
	}
}

// manyRoutes is a routes setting of n tag rules, each naming its own chat topic.
func manyRoutes(n int) string {
	var rules []string
	for i := range n {
		rules = append(rules, fmt.Sprintf(`{"name":"team-%02d","tags":{"team":"t%02d"},"chatTopicArn":"arn:aws:sns:us-east-1:111122223333:team-%02d"}`, i, i, i))
	}
	return `{"rules":[` + strings.Join(rules, ",") + `]}`
}

// TestFollowUpSettingsPassedToTheFunctionReadBackTheSame: what the app writes into the function's
// environment is read at cold start, by the same validator, as the same routes, tags, days and
// Jira statuses.
func TestFollowUpSettingsPassedToTheFunctionReadBackTheSame(t *testing.T) {
	ctx := map[string]any{
		contract.CtxRoutes: map[string]any{"rules": []any{
			map[string]any{"name": "payments", "ou": "ou-ab12-paymnts1", "jiraProject": "PAY"},
			map[string]any{"name": "sandbox", "tags": map[string]any{"env": "sandbox"}, "digest": true,
				"emailTopicArn": "arn:aws:sns:ap-northeast-1:444455556666:sandbox-mail"}},
			"default": map[string]any{"chatTopicArn": "arn:aws:sns:ap-northeast-1:111122223333:sec-chat"}},
		contract.CtxOwnerTags: "owner,env", contract.CtxVerifyDays: "10", contract.CtxStaleDays: "30",
		contract.CtxJiraStatuses: "deactivated=In Progress,ready_to_delete=Ready to delete",
		contract.CtxJiraURL:      "https://example.atlassian.net", contract.CtxJiraProject: "SEC",
		contract.CtxJiraSecretARN: "arn:aws:secretsmanager:ap-northeast-1:111122223333:secret:jira-AbCdEf",
	}
	s, err := ReadSettings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	synth, err := contract.Read(contract.Synth, func(k string) string { return text(ctx[k]) })
	if err != nil {
		t.Fatal(err)
	}
	r := s.Responder
	var statuses []string
	for state, transition := range r.JiraStatuses {
		statuses = append(statuses, state+"="+transition)
	}
	env := map[string]string{
		contract.EnvTopicARN: "arn:aws:sns:ap-northeast-1:111122223333:iam4", contract.EnvLedgerTable: "iam4-ledger",
		contract.EnvDeadLetterQueue: "https://sqs.ap-northeast-1.amazonaws.com/111122223333/iam4-dlq",
		contract.EnvJiraURL:         r.Jira.URL, contract.EnvJiraProject: r.Jira.Project, contract.EnvJiraSecretARN: r.Jira.SecretARN,
		contract.EnvRoutes: r.Routes, contract.EnvOwnerTags: strings.Join(r.OwnerTags, ","),
		contract.EnvVerifyDays: fmt.Sprint(r.VerifyDays), contract.EnvStaleDays: fmt.Sprint(r.StaleDays),
		contract.EnvJiraStatuses: strings.Join(statuses, ","),
	}
	cold, err := contract.Read(contract.ColdStart, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	type followUp struct {
		Routes        any
		Tags          []string
		Verify, Stale int
		Statuses      any
	}
	want := followUp{synth.Routes, synth.OwnerTags, synth.VerifyDays, synth.StaleDays, synth.JiraStatuses}
	got := followUp{cold.Routes, cold.OwnerTags, cold.VerifyDays, cold.StaleDays, cold.JiraStatuses}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("cold start reads (-synth +cold start):\n%s", diff)
	}
}
