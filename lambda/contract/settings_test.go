package contract

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/iam4-responder/iam4-responder/lambda/internal/followup"
)

func from(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// coldStart holds what the stack always sets.
func coldStart() map[string]string {
	return map[string]string{
		EnvTopicARN:        "arn:aws:sns:us-east-1:111122223333:iam4",
		EnvLedgerTable:     "iam4-ledger",
		EnvDeadLetterQueue: "https://sqs.us-east-1.amazonaws.com/111122223333/iam4-dlq",
	}
}

func TestBothSidesRefuseTheSameValues(t *testing.T) {
	tests := []struct {
		name     string
		ctx, env string
		value    string
		want     string
	}{
		{"role name with a space and a bang", CtxMemberRoleName, EnvMemberRole, "bad name!", `"bad name!" is not an IAM role name`},
		{"role name with a path", CtxMemberRoleName, EnvMemberRole, "path/role", `"path/role" is not an IAM role name`},
		{"role name over 64 characters", CtxMemberRoleName, EnvMemberRole, strings.Repeat("r", 65), "is not an IAM role name"},
		{"Jira label with a space", CtxJiraLabels, EnvJiraLabels, "sec ops", `label "sec ops" has a space`},
		{"Region the SDK does not know", CtxRegions, EnvRegions, "us-east-99", `"us-east-99" is not a Region the AWS SDK knows`},
		{"Region typo", CtxRegions, EnvRegions, "ap-northeast1", `did you mean "ap-northeast-1"?`},
		{"Regions of two partitions", CtxRegions, EnvRegions, "us-east-1,cn-north-1", "us-east-1 is in partition aws and cn-north-1 in aws-cn"},
		{"account id too short", CtxAllowedAccounts, EnvAllowedAccounts, "4444", `"4444" is not a 12-digit account id`},
		{"organization id", CtxOrganizationID, EnvOrganizationID, "r-abcd", `"r-abcd" is not an organization id`},
		{"containment typo", CtxContainment, EnvContainment, "delete-all", `"delete-all" is not off, dry-run or delete-unused`},
		{"language", CtxLanguage, EnvLanguage, "fr", `"fr" is not en or ja`},
		{"lookback beyond CloudTrail", CtxLookbackDays, EnvLookbackDays, "120", `"120" is not a whole number from 1 to 90 days`},
		{"Jira over plain http", CtxJiraURL, EnvJiraURL, "http://jira.example.com", "plain http"},
		{"Jira secret that is a parameter", CtxJiraSecretARN, EnvJiraSecretARN, "arn:aws:ssm:us-east-1:111122223333:parameter/jira", "is not a Secrets Manager secret ARN"},
		{"switch that is neither", CtxOpsCenter, EnvOpsCenter, "maybe", `"maybe" is neither on nor off`},
		{"verification window of zero days", CtxVerifyDays, EnvVerifyDays, "0", `"0" is not a whole number from 1 to 90 days`},
		{"stale before verified", CtxStaleDays, EnvStaleDays, "3", "is not longer than"},
		{"route with an unknown key", CtxRoutes, EnvRoutes, `{"rules":[{"name":"pay","ou":"ou-ab12-paymnts1","jira":"PAY"}]}`, `unknown field "jira"`},
		{"route by OU name", CtxRoutes, EnvRoutes, `{"rules":[{"name":"pay","ou":"Payments"}]}`, "is not an OU id"},
		{"route to Jira without Jira", CtxRoutes, EnvRoutes, `{"rules":[{"name":"pay","ou":"ou-ab12-paymnts1","jiraProject":"PAY"}]}`, `route "pay" sends cases to Jira project PAY, but Jira is off`},
		{"owner tag of AWS", CtxOwnerTags, EnvOwnerTags, "owner,aws:createdBy", `"aws:createdBy" is not an account tag key`},
		{"Jira status of an unknown state", CtxJiraStatuses, EnvJiraStatuses, "deleted=Done", `"deleted" is not a case state`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, synthErr := Read(Synth, from(map[string]string{tt.ctx: tt.value}))
			env := coldStart()
			env[tt.env] = tt.value
			_, coldErr := Read(ColdStart, from(env))
			for side, got := range map[string]struct {
				err  error
				name string
			}{"synth": {synthErr, tt.ctx}, "cold start": {coldErr, tt.env}} {
				if got.err == nil || !strings.Contains(got.err.Error(), got.name+": ") || !strings.Contains(got.err.Error(), tt.want) {
					t.Errorf("%s: error = %v, want %q naming %s", side, got.err, tt.want, got.name)
				}
			}
		})
	}
}

func TestJiraComesWholeOrNotAtAll(t *testing.T) {
	url := "https://example.atlassian.net"
	secret := "arn:aws:secretsmanager:us-east-1:111122223333:secret:jira-AbCdEf"
	tests := []struct {
		name string
		ctx  map[string]string
		want []string
	}{
		{"project and secret without the URL", map[string]string{CtxJiraProject: "SEC", CtxJiraSecretARN: secret},
			[]string{"jiraUrl: required with jiraProject"}},
		{"URL alone", map[string]string{CtxJiraURL: url},
			[]string{"jiraProject: required with jiraUrl", "jiraSecretArn: required with jiraUrl"}},
		{"labels without Jira", map[string]string{CtxJiraLabels: "iam4"},
			[]string{"jiraLabels: has no effect without jiraUrl, jiraProject and jiraSecretArn"}},
		{"a KMS key without Jira", map[string]string{CtxJiraSecretKMSKey: "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"},
			[]string{"jiraSecretKmsKey: has no effect without jiraUrl"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read(Synth, from(tt.ctx))
			for _, w := range tt.want {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("error = %v, want it to contain %q", err, w)
				}
			}
		})
	}
	got, err := Read(Synth, from(map[string]string{CtxJiraURL: url + "/", CtxJiraProject: "SEC", CtxJiraSecretARN: secret,
		CtxJiraLabels: "iam4, security", CtxJiraPriorities: "critical=Highest"}))
	if err != nil {
		t.Fatal(err)
	}
	want := &Jira{URL: url, Project: "SEC", IssueType: "Task", Labels: []string{"iam4", "security"},
		Priorities: map[string]string{"CRITICAL": "Highest"}, Transition: "Done", SecretARN: secret}
	if diff := cmp.Diff(want, got.Jira); diff != "" {
		t.Errorf("Jira (-want +got):\n%s", diff)
	}
}

func TestStackRefusals(t *testing.T) {
	tests := []struct {
		name string
		ctx  map[string]string
		want string
	}{
		{"every channel off", map[string]string{CtxSecurityHub: "false"}, "every channel is off"},
		{"containment with no account named", map[string]string{CtxContainment: "dry-run", CtxManagementAccount: "999988887777"},
			"containment: dry-run needs containmentAllow, allowedAccounts or organizationId"},
		{"containment allowed on the management account", map[string]string{CtxContainment: "delete-unused",
			CtxManagementAccount: "999988887777", CtxContainAllow: "999988887777"}, "containmentAllow: 999988887777 is the management account"},
		{"evidence StackSet without the responder's account", map[string]string{CtxEvidenceTargetOUs: "r-ab12"},
			"responderAccount: the responder's 12-digit account id is required with evidenceTargetOus"},
		{"custom action id too long", map[string]string{CtxActionTargetID: "RespondToIam4RootKeyNow"}, "is not a custom action id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read(Synth, from(tt.ctx))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestDefaultsPass(t *testing.T) {
	if _, err := Read(Synth, from(nil)); err != nil {
		t.Errorf("synth with no settings: %v", err)
	}
	if _, err := Read(ColdStart, from(coldStart())); err != nil {
		t.Errorf("cold start with the stack's variables: %v", err)
	}
}

func TestUnknownContextKeys(t *testing.T) {
	tests := []struct {
		name string
		keys []string
		want string
	}{
		{"known keys and the CDK's own", []string{CtxEmails, "@aws-cdk/core:enablePartitionLiterals", "aws:cdk:version-reporting",
			"availability-zones:account=111122223333:region=us-east-1", "acknowledged-issue-numbers"}, ""},
		{"singular e-mail", []string{"email"}, `unknown context key "email"; did you mean "emails"?`},
		{"transposed language", []string{"langauge"}, `unknown context key "langauge"; did you mean "language"?`},
		{"nothing close", []string{"flavour"}, `unknown context key "flavour"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ""
			if err := UnknownContextKeys(tt.keys); err != nil {
				got = err.Error()
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("UnknownContextKeys (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFollowUpSettingsReachBothSides(t *testing.T) {
	jira := map[string]string{EnvJiraURL: "https://example.atlassian.net", EnvJiraProject: "SEC",
		EnvJiraSecretARN: "arn:aws:secretsmanager:us-east-1:111122223333:secret:jira-AbCdEf"}
	env := coldStart()
	for k, v := range jira {
		env[k] = v
	}
	env[EnvVerifyDays] = "10"
	env[EnvStaleDays] = "30"
	env[EnvOwnerTags] = "owner, team"
	env[EnvJiraStatuses] = "deactivated=In Progress, ready_to_delete=Ready to delete"
	env[EnvRoutes] = `{"rules":[{"name":"pay","ou":"ou-ab12-paymnts1","jiraProject":"PAY","digest":true}],"default":{"jiraProject":"SEC"}}`
	s, err := Read(ColdStart, from(env))
	if err != nil {
		t.Fatal(err)
	}
	got := struct {
		Verify, Stale int
		Tags          []string
		Statuses      map[followup.State]string
		Rule          string
		Digest        bool
	}{s.VerifyDays, s.StaleDays, s.OwnerTags, s.JiraStatuses, s.Routes.Rules[0].JiraProject, s.Routes.Rules[0].Digest}
	want := struct {
		Verify, Stale int
		Tags          []string
		Statuses      map[followup.State]string
		Rule          string
		Digest        bool
	}{10, 30, []string{"owner", "team"}, map[followup.State]string{followup.Deactivated: "In Progress", followup.ReadyToDelete: "Ready to delete"}, "PAY", true}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("settings (-want +got):\n%s", diff)
	}

	d, err := Read(Synth, from(map[string]string{CtxEmails: "sec@example.com"}))
	if err != nil {
		t.Fatal(err)
	}
	if d.VerifyDays != 7 || d.StaleDays != 14 || !d.RealTimeSignals || d.RecheckHourUTC != 6 {
		t.Errorf("defaults: verify %d, stale %d, real time %v, re-check %02d:00; want 7, 14, true, 06:00", d.VerifyDays, d.StaleDays, d.RealTimeSignals, d.RecheckHourUTC)
	}
}
