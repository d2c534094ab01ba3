package config

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func valid() map[string]string {
	return map[string]string{
		EnvTopicARN:        "arn:aws:sns:us-east-1:111122223333:iam4",
		EnvLedgerTable:     "iam4-ledger",
		EnvDeadLetterQueue: "https://sqs.us-east-1.amazonaws.com/111122223333/iam4-dlq",
	}
}

func TestFromEnvReadsEverySetting(t *testing.T) {
	m := valid()
	m[EnvClaimLease] = "90s"
	m[EnvRegions] = "us-east-1, ap-northeast-1"
	m[EnvLookbackDays] = "30"
	m[EnvIPRangesURL] = "off"
	got, err := FromEnv(env(m))
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		TopicARN:        "arn:aws:sns:us-east-1:111122223333:iam4",
		LedgerTable:     "iam4-ledger",
		DeadLetterQueue: "https://sqs.us-east-1.amazonaws.com/111122223333/iam4-dlq",
		ClaimLease:      90 * time.Second,
		Regions:         []string{"us-east-1", "ap-northeast-1"},
		LookbackDays:    30,
		Language:        "en",
		SecurityHub:     true,
		MemberRole:      DefaultMemberRole,
		Containment:     "off",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("FromEnv (-want +got):\n%s", diff)
	}
}

func TestFromEnvNamesTheBadVariable(t *testing.T) {
	tests := []struct {
		name string
		set  string
		to   string
		want string
	}{
		{"missing topic", EnvTopicARN, "", EnvTopicARN + `: "" is not an SNS topic ARN`},
		{"topic name instead of ARN", EnvTopicARN, "iam4", EnvTopicARN + `: "iam4" is not an SNS topic ARN`},
		{"missing table", EnvLedgerTable, " ", EnvLedgerTable + ": missing"},
		{"queue name instead of URL", EnvDeadLetterQueue, "iam4-dlq", EnvDeadLetterQueue + `: "iam4-dlq" is not an SQS queue URL`},
		{"lease without unit", EnvClaimLease, "300", EnvClaimLease + `: "300" is not a duration`},
		{"lease too long", EnvClaimLease, "2h", EnvClaimLease + ": 2h0m0s is outside"},
		{"Region typo", EnvRegions, "us-east-1,useast2", EnvRegions + `: "useast2" is not a Region name`},
		{"lookback beyond CloudTrail", EnvLookbackDays, "120", EnvLookbackDays + `: "120" is not a whole number of days`},
		{"member role with a slash", EnvMemberRole, "path/role", EnvMemberRole + `: "path/role" is not an IAM role name`},
		{"allowlist typo", EnvAllowedAccounts, "111122223333,4444", EnvAllowedAccounts + `: "4444" is not a 12-digit account id`},
		{"organization id", EnvOrganizationID, "r-abcd", EnvOrganizationID + `: "r-abcd" is not an organization id`},
		{"containment mode typo", EnvContainment, "delete-all", EnvContainment + `: "delete-all" is not off`},
		{"containment without the management account", EnvContainment, "dry-run", EnvManagement + `: "" is not a 12-digit account id`},
		{"ip ranges neither URL nor off", EnvIPRangesURL, "snapshot", EnvIPRangesURL + `: "snapshot" is neither`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := valid()
			m[tt.set] = tt.to
			_, err := FromEnv(env(m))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("FromEnv error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestSinksFromEnv(t *testing.T) {
	m := valid()
	m[EnvLanguage] = "ja"
	m[EnvChatTopicARN] = "arn:aws:sns:us-east-1:111122223333:iam4-chat"
	m[EnvOpsCenter] = "on"
	m[EnvSecurityHub] = "off"
	m[EnvJiraURL] = "https://example.atlassian.net/"
	m[EnvJiraProject] = "SEC"
	m[EnvJiraLabels] = "iam4, security"
	m[EnvJiraPriorities] = "critical=Highest,HIGH=High"
	m[EnvJiraSecretARN] = "arn:aws:secretsmanager:us-east-1:111122223333:secret:iam4-jira-AbCdEf"
	got, err := FromEnv(env(m))
	if err != nil {
		t.Fatal(err)
	}
	want := &Jira{URL: "https://example.atlassian.net", Project: "SEC", IssueType: "Task", Labels: []string{"iam4", "security"},
		Priorities: map[string]string{"CRITICAL": "Highest", "HIGH": "High"}, Transition: "Done",
		SecretARN: "arn:aws:secretsmanager:us-east-1:111122223333:secret:iam4-jira-AbCdEf"}
	if diff := cmp.Diff(want, got.Jira); diff != "" {
		t.Errorf("Jira (-want +got):\n%s", diff)
	}
	if got.Language != "ja" || got.ChatTopicARN == "" || !got.OpsCenter || got.SecurityHub {
		t.Errorf("sinks = %+v", got)
	}
	m[EnvJiraProject] = ""
	m[EnvJiraLabels] = "two words"
	if _, err := FromEnv(env(m)); err == nil || !strings.Contains(err.Error(), EnvJiraProject) || !strings.Contains(err.Error(), "space") {
		t.Errorf("error = %v", err)
	}
}
