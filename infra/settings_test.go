package main

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/google/go-cmp/cmp"

	"github.com/iam4-responder/iam4-responder/infra/responder"
)

func ctx(m map[string]any) func(string) any { return func(k string) any { return m[k] } }

func TestReadSettings(t *testing.T) {
	tests := []struct {
		name string
		ctx  map[string]any
		want Settings
	}{
		{"defaults", nil, Settings{StackName: "Iam4Responder", CodeDir: "../build/lambda", TimeoutMinutes: 15,
			Responder: responder.Props{LogRetention: awslogs.RetentionDays_ONE_YEAR, MemoryMB: 512, LookbackDays: 90,
				Language: "en", Containment: "off"}}},
		{"values from -c are strings", map[string]any{
			ctxEmails: "ops@example.com, sec@example.com", ctxLogRetentionDays: "90",
			ctxTimeoutMinutes: "10", ctxMemoryMB: "1024", ctxReservedConcurrency: "5", ctxStackName: "Iam4Prod",
			ctxRegions: "us-east-1,ap-northeast-1", ctxLookbackDays: "30", ctxLanguage: "ja", ctxChat: "true",
			ctxOpsCenter: "true", ctxSecurityHub: "false", ctxJiraURL: "https://example.atlassian.net", ctxJiraProject: "SEC",
			ctxJiraLabels: "iam4,security", ctxJiraPriorities: "CRITICAL=Highest",
			ctxJiraSecretARN: "arn:aws:secretsmanager:us-east-1:111122223333:secret:jira-AbCdEf",
		}, Settings{StackName: "Iam4Prod", CodeDir: "../build/lambda", TimeoutMinutes: 10,
			Responder: responder.Props{Emails: []string{"ops@example.com", "sec@example.com"},
				LogRetention: awslogs.RetentionDays_THREE_MONTHS, MemoryMB: 1024, ReservedConcurrency: 5,
				Regions: []string{"us-east-1", "ap-northeast-1"}, LookbackDays: 30, Language: "ja", Chat: true, OpsCenter: true,
				DisableSecurityHubWriteBack: true,
				Jira: &responder.JiraProps{URL: "https://example.atlassian.net", Project: "SEC", Labels: []string{"iam4", "security"},
					Priorities: map[string]string{"CRITICAL": "Highest"}, SecretARN: "arn:aws:secretsmanager:us-east-1:111122223333:secret:jira-AbCdEf"},
				Containment: "off"}}},
		{"values from cdk.json are JSON", map[string]any{
			ctxEmails: []any{"ops@example.com"}, ctxLogRetentionDays: 30.0,
		}, Settings{StackName: "Iam4Responder", CodeDir: "../build/lambda", TimeoutMinutes: 15,
			Responder: responder.Props{Emails: []string{"ops@example.com"}, LogRetention: awslogs.RetentionDays_ONE_MONTH,
				MemoryMB: 512, LookbackDays: 90, Language: "en", Containment: "off"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadSettings(ctx(tt.ctx))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ReadSettings (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadSettingsNamesTheBadKey(t *testing.T) {
	tests := []struct {
		key   string
		value any
		want  string
	}{
		{ctxEmails, "ops@example.com,not-an-address", `emails: "not-an-address" is not an e-mail address`},
		{ctxLogRetentionDays, "100", "logRetentionDays: 100 is not a retention CloudWatch Logs offers"},
		{ctxTimeoutMinutes, "16", "timeoutMinutes: 16 is not a whole number from 1 to 15"},
		{ctxMemoryMB, "lots", "memoryMB: lots is not a whole number"},
		{ctxReservedConcurrency, "-1", "reservedConcurrency: -1 is not a whole number"},
		{ctxRegions, "us-east-1,Tokyo", `regions: "Tokyo" is not a Region name`},
		{ctxLookbackDays, "91", "lookbackDays: 91 is not a whole number from 1 to 90"},
		{ctxLanguage, "fr", `language: "fr" is not en or ja`},
		{ctxChat, "maybe", `chat: "maybe" is neither true nor false`},
		{ctxJiraURL, "http://jira.example", "jiraUrl: \"http://jira.example\" is not an https URL"},
		{ctxAllowedAccounts, "4444", `allowedAccounts: "4444" is not a 12-digit account id`},
		{ctxOrganizationID, "org-1", `organizationId: "org-1" is not an organization id`},
		{ctxEvidenceTargetOUs, "ou-abcd-12345678", "responderAccount: the responder's 12-digit account id is required"},
		{ctxEvidenceCallAs, "ADMIN", `evidenceCallAs: "ADMIN" is not SELF or DELEGATED_ADMIN`},
		{ctxContainment, "delete-unused", "managementAccount: the management account's 12-digit id is required"},
		{ctxContainment, "delete-all", `containment: "delete-all" is not off, dry-run or delete-unused`},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			_, err := ReadSettings(ctx(map[string]any{tt.key: tt.value}))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ReadSettings error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}
