package config

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/iam4-responder/iam4-responder/lambda/contract"
	"github.com/iam4-responder/iam4-responder/lambda/internal/followup"
	"github.com/iam4-responder/iam4-responder/lambda/internal/route"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func valid() map[string]string {
	return map[string]string{
		contract.EnvTopicARN:        "arn:aws:sns:us-east-1:111122223333:iam4",
		contract.EnvLedgerTable:     "iam4-ledger",
		contract.EnvDeadLetterQueue: "https://sqs.us-east-1.amazonaws.com/111122223333/iam4-dlq",
	}
}

func TestFromEnvReadsEverySetting(t *testing.T) {
	m := valid()
	m[contract.EnvClaimLease] = "90s"
	m[contract.EnvRegions] = "us-east-1, ap-northeast-1"
	m[contract.EnvLookbackDays] = "30"
	m[contract.EnvIPRangesURL] = "off"
	m[contract.EnvVerifyDays] = "5"
	m[contract.EnvOwnerTags] = "owner"
	m[contract.EnvRoutes] = `{"rules":[{"name":"sandbox","tags":{"env":"sandbox"},"digest":true}]}`
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
		Partition:       "aws",
		FollowUp:        followup.Settings{VerifyDays: 5, StaleDays: 14},
		OwnerTags:       []string{"owner"},
		Routes:          route.Table{Rules: []route.Rule{{Name: "sandbox", Tags: map[string]string{"env": "sandbox"}, Digest: true}}},
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
		{"missing topic", contract.EnvTopicARN, "", contract.EnvTopicARN + ": missing"},
		{"topic name instead of ARN", contract.EnvTopicARN, "iam4", contract.EnvTopicARN + `: "iam4" is not an SNS topic ARN`},
		{"missing table", contract.EnvLedgerTable, " ", contract.EnvLedgerTable + ": missing"},
		{"queue name instead of URL", contract.EnvDeadLetterQueue, "iam4-dlq", contract.EnvDeadLetterQueue + `: "iam4-dlq" is not an SQS queue URL`},
		{"lease without unit", contract.EnvClaimLease, "300", contract.EnvClaimLease + `: "300" is not a duration`},
		{"lease too long", contract.EnvClaimLease, "2h", contract.EnvClaimLease + ": 2h0m0s is outside"},
		{"Region typo", contract.EnvRegions, "us-east-1,useast2", contract.EnvRegions + `: "useast2" is not a Region the AWS SDK knows (did you mean "us-east-2"?)`},
		{"Region the SDK does not know", contract.EnvRegions, "us-east-99", contract.EnvRegions + `: "us-east-99" is not a Region the AWS SDK knows`},
		{"lookback beyond CloudTrail", contract.EnvLookbackDays, "120", contract.EnvLookbackDays + `: "120" is not a whole number from 1 to 90 days`},
		{"member role with a slash", contract.EnvMemberRole, "path/role", contract.EnvMemberRole + `: "path/role" is not an IAM role name`},
		{"allowlist typo", contract.EnvAllowedAccounts, "111122223333,4444", contract.EnvAllowedAccounts + `: "4444" is not a 12-digit account id`},
		{"organization id", contract.EnvOrganizationID, "r-abcd", contract.EnvOrganizationID + `: "r-abcd" is not an organization id`},
		{"containment mode typo", contract.EnvContainment, "delete-all", contract.EnvContainment + `: "delete-all" is not off`},
		{"containment without the management account", contract.EnvContainment, "dry-run", contract.EnvManagement + ": the management account's 12-digit id is required"},
		{"ip ranges neither URL nor off", contract.EnvIPRangesURL, "snapshot", contract.EnvIPRangesURL + `: "snapshot" is neither`},
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

func TestPartitionIsTheFunctionRegions(t *testing.T) {
	tests := []struct{ region, want string }{
		{"us-east-1", "aws"},
		{"cn-northwest-1", "aws-cn"},
		{"us-gov-west-1", "aws-us-gov"},
		{"", "aws"},
	}
	for _, tt := range tests {
		t.Run(tt.want+" "+tt.region, func(t *testing.T) {
			m := valid()
			m["AWS_REGION"] = tt.region
			got, err := FromEnv(env(m))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got.Partition); diff != "" {
				t.Errorf("Partition (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSinksFromEnv(t *testing.T) {
	m := valid()
	m[contract.EnvLanguage] = "ja"
	m[contract.EnvChatTopicARN] = "arn:aws:sns:us-east-1:111122223333:iam4-chat"
	m[contract.EnvOpsCenter] = "on"
	m[contract.EnvSecurityHub] = "off"
	m[contract.EnvJiraURL] = "https://example.atlassian.net/"
	m[contract.EnvJiraProject] = "SEC"
	m[contract.EnvJiraLabels] = "iam4, security"
	m[contract.EnvJiraPriorities] = "critical=Highest,HIGH=High"
	m[contract.EnvJiraSecretARN] = "arn:aws:secretsmanager:us-east-1:111122223333:secret:iam4-jira-AbCdEf"
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
	m[contract.EnvJiraProject] = ""
	m[contract.EnvJiraLabels] = "two words"
	if _, err := FromEnv(env(m)); err == nil || !strings.Contains(err.Error(), contract.EnvJiraProject) || !strings.Contains(err.Error(), "space") {
		t.Errorf("error = %v", err)
	}
}
