package responder

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
	"github.com/google/go-cmp/cmp"

	"github.com/iam4-responder/iam4-responder/internal/testenv"
	"github.com/iam4-responder/iam4-responder/lambda/contract"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testenv.StopAll()
	// Each jsii runtime leaves a folder behind unless it is closed.
	jsii.Close()
	os.Exit(code)
}

// synthesized is the responder's stack, synthesized once for all template tests (a synth takes
// seconds), with cdk-nag's AwsSolutions checks applied as the app applies them.
var synthesized = sync.OnceValues(func() (map[string]any, []string) {
	dir, err := os.MkdirTemp("", "iam4-infra-test")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	code := filepath.Join(dir, "code")
	if err := os.MkdirAll(code, 0o755); err != nil {
		panic(err)
	}
	// The template tests need no real build: any file stands in for bootstrap.
	if err := os.WriteFile(filepath.Join(code, "bootstrap"), []byte("stand-in"), 0o755); err != nil {
		panic(err)
	}
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(filepath.Join(dir, "out"))})
	stack := awscdk.NewStack(app, jsii.String("Test"), nil)
	New(stack, "Responder", Props{
		Code:      awslambda.Code_FromAsset(jsii.String(code), nil),
		Emails:    []string{"ops@example.com"},
		Chat:      true,
		OpsCenter: true,
		Language:  "ja",
		Jira: &JiraProps{URL: "https://example.atlassian.net", Project: "SEC", Labels: []string{"iam4"},
			Priorities:      map[string]string{"CRITICAL": "Highest"},
			SecretARN:       "arn:aws:secretsmanager:us-east-1:111122223333:secret:iam4-jira-AbCdEf",
			SecretKMSKeyARN: "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"},
		AllowedAccounts: []string{"444455556666"},
		OrganizationID:  "o-exampleorgid",
	})
	awscdk.Aspects_Of(stack).Add(cdknag.NewAwsSolutionsChecks(nil), nil)
	template := assertions.Template_FromStack(stack, nil)
	nag := nagErrors(stack)
	var t map[string]any
	b, _ := json.Marshal(template.ToJSON())
	if err := json.Unmarshal(b, &t); err != nil {
		panic(err)
	}
	return t, nag
})

func template(t *testing.T) map[string]any {
	t.Helper()
	tpl, _ := synthesized()
	return tpl
}

// resources returns the properties of every resource of a type.
func resources(t *testing.T, typ string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, r := range template(t)["Resources"].(map[string]any) {
		r := r.(map[string]any)
		if r["Type"] == typ {
			props, _ := r["Properties"].(map[string]any)
			out = append(out, props)
		}
	}
	return out
}

func one(t *testing.T, typ string) map[string]any {
	t.Helper()
	rs := resources(t, typ)
	if len(rs) != 1 {
		t.Fatalf("%d resources of type %s, want 1", len(rs), typ)
	}
	return rs[0]
}

func TestNoUnsuppressedNagError(t *testing.T) {
	_, nag := synthesized()
	if len(nag) > 0 {
		t.Errorf("cdk-nag AwsSolutions errors:\n%s", strings.Join(nag, "\n"))
	}
}

func TestFunctionRunsTheGoBinaryOnGraviton(t *testing.T) {
	fn := one(t, "AWS::Lambda::Function")
	got := map[string]any{
		"Runtime": fn["Runtime"], "Architectures": fn["Architectures"], "Handler": fn["Handler"],
		"Timeout": fn["Timeout"], "MemorySize": fn["MemorySize"],
		"LogFormat": fn["LoggingConfig"].(map[string]any)["LogFormat"],
	}
	want := map[string]any{
		"Runtime": "provided.al2023", "Architectures": []any{"arm64"}, "Handler": "bootstrap",
		"Timeout": 900.0, "MemorySize": 512.0, "LogFormat": "JSON",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("function (-want +got):\n%s", diff)
	}
	env := fn["Environment"].(map[string]any)["Variables"].(map[string]any)
	var keys []string
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	wantKeys := []string{contract.EnvAllowedAccounts, contract.EnvChatTopicARN, contract.EnvClaimLease, contract.EnvDeadLetterQueue, contract.EnvJiraIssueType, contract.EnvJiraLabels,
		contract.EnvJiraPriorities, contract.EnvJiraProject, contract.EnvJiraSecretARN, contract.EnvJiraTransition, contract.EnvJiraURL, contract.EnvLanguage, contract.EnvLedgerTable,
		contract.EnvLookbackDays, contract.EnvMemberRole, contract.EnvOpsCenter, contract.EnvOrganizationID, contract.EnvRegions, contract.EnvSecurityHub, contract.EnvTopicARN}
	if diff := cmp.Diff(wantKeys, keys); diff != "" {
		t.Errorf("environment (-want +got):\n%s", diff)
	}
	if env[contract.EnvClaimLease] != "960s" {
		t.Errorf("claim lease %v does not outlive the 900 s timeout", env[contract.EnvClaimLease])
	}
}

func TestLogsAreKeptAYear(t *testing.T) {
	lg := one(t, "AWS::Logs::LogGroup")
	if lg["RetentionInDays"] != 365.0 {
		t.Errorf("RetentionInDays = %v, want 365", lg["RetentionInDays"])
	}
}

// TestPermissionsAreExactlyWhatTheCodeCalls pins the role's action list. A new AWS call in the
// function must be added here and to the construct, on purpose.
func TestPermissionsAreExactlyWhatTheCodeCalls(t *testing.T) {
	var actions []string
	for _, p := range resources(t, "AWS::IAM::Policy") {
		for _, s := range p["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			s := s.(map[string]any)
			if s["Effect"] != "Allow" {
				t.Errorf("unexpected statement %v", s)
			}
			readOnly := map[any]bool{"ReadRootActivity": true, "ReadRootCredentials": true, "ListEnabledRegions": true, "OpenOpsItems": true, "WriteBackFindings": true, "ProveFindingBeforeContaining": true}
			if r, ok := s["Resource"].(string); ok && strings.Contains(r, "*") && !readOnly[s["Sid"]] &&
				s["Condition"] == nil && s["Sid"] != "LookUpMemberAccounts" && s["Sid"] != "NameAccountOwners" && s["Sid"] != "WalkOrganizationalUnits" {
				t.Errorf("statement %v has a wildcard resource", s["Sid"])
			}
			switch a := s["Action"].(type) {
			case string:
				actions = append(actions, a)
			case []any:
				for _, x := range a {
					actions = append(actions, x.(string))
				}
			}
		}
	}
	sort.Strings(actions)
	want := []string{
		"account:ListRegions",
		"cloudtrail:LookupEvents",
		"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Scan",
		"iam:GenerateCredentialReport", "iam:GetAccountSummary", "iam:GetCredentialReport",
		"kms:Decrypt", "kms:Decrypt", "kms:GenerateDataKey",
		"logs:CreateLogStream", "logs:PutLogEvents",
		// Who owns an account (owner.Owners): its name, OU path and tags.
		"organizations:DescribeAccount", "organizations:DescribeOrganizationalUnit",
		"organizations:ListParents", "organizations:ListParents", "organizations:ListTagsForResource",
		"secretsmanager:GetSecretValue",
		"securityhub:BatchUpdateFindings",
		"sns:Publish", "sns:Publish",
		"sqs:SendMessage",
		"ssm:CreateOpsItem", "ssm:UpdateOpsItem",
		"sts:AssumeRole", "sts:AssumeRole",
	}
	if diff := cmp.Diff(want, actions); diff != "" {
		t.Errorf("role actions (-want +got):\n%s", diff)
	}
	role := one(t, "AWS::IAM::Role")
	if role["ManagedPolicyArns"] != nil {
		t.Errorf("role has managed policies: %v", role["ManagedPolicyArns"])
	}
}

func TestDataIsEncryptedAtRestAndInTransit(t *testing.T) {
	if one(t, "AWS::SQS::Queue")["KmsMasterKeyId"] == nil {
		t.Error("dead-letter queue is not encrypted with the KMS key")
	}
	for _, topic := range resources(t, "AWS::SNS::Topic") {
		if topic["KmsMasterKeyId"] == nil {
			t.Errorf("topic %v is not encrypted with the KMS key", topic["DisplayName"])
		}
	}
	if one(t, "AWS::KMS::Key")["EnableKeyRotation"] != true {
		t.Error("key rotation is off")
	}
	table := one(t, "AWS::DynamoDB::Table")
	if sse := table["SSESpecification"].(map[string]any); sse["SSEEnabled"] != true {
		t.Errorf("ledger SSE = %v", sse)
	}
	if pitr := table["PointInTimeRecoverySpecification"].(map[string]any); pitr["PointInTimeRecoveryEnabled"] != true {
		t.Errorf("ledger point-in-time recovery = %v", pitr)
	}
	for _, typ := range []string{"AWS::SNS::TopicPolicy", "AWS::SQS::QueuePolicy"} {
		found := false
		for _, p := range resources(t, typ) {
			b, _ := json.Marshal(p)
			if strings.Contains(string(b), `"aws:SecureTransport":"false"`) {
				found = true
			}
		}
		if !found {
			t.Errorf("no %s denies requests without TLS", typ)
		}
	}
}

func TestFailuresEndInTheDeadLetterQueue(t *testing.T) {
	for _, rule := range resources(t, "AWS::Events::Rule") {
		targets := rule["Targets"].([]any)
		if len(targets) != 1 {
			t.Fatalf("rule has %d targets", len(targets))
		}
		target := targets[0].(map[string]any)
		if target["DeadLetterConfig"] == nil {
			t.Error("rule target has no dead-letter queue")
		}
		if diff := cmp.Diff(map[string]any{"MaximumRetryAttempts": 10.0, "MaximumEventAgeInSeconds": 21600.0}, target["RetryPolicy"]); diff != "" {
			t.Errorf("retry policy (-want +got):\n%s", diff)
		}
	}
	cfg := one(t, "AWS::Lambda::EventInvokeConfig")
	if cfg["MaximumRetryAttempts"] != 2.0 || cfg["DestinationConfig"].(map[string]any)["OnFailure"] == nil {
		t.Errorf("asynchronous invocation config = %v", cfg)
	}
}

func TestTheSweepRunsOnASchedule(t *testing.T) {
	var sweeps []map[string]any
	for _, rule := range resources(t, "AWS::Events::Rule") {
		if rule["ScheduleExpression"] == "rate(5 minutes)" {
			sweeps = append(sweeps, rule)
		}
	}
	if len(sweeps) != 1 {
		t.Fatalf("%d rules every 5 minutes, want the one sweep", len(sweeps))
	}
	if sweeps[0]["EventPattern"] != nil {
		t.Errorf("the sweep also matches events: %v", sweeps[0]["EventPattern"])
	}
	if input := sweeps[0]["Targets"].([]any)[0].(map[string]any)["Input"]; input != nil {
		t.Errorf("the sweep sends %v; the handler recognises the plain scheduled event", input)
	}
}

func TestAlarmsNotifyTheTopic(t *testing.T) {
	alarms := resources(t, "AWS::CloudWatch::Alarm")
	var metrics []string
	for _, a := range alarms {
		metrics = append(metrics, a["MetricName"].(string))
		if len(a["AlarmActions"].([]any)) != 1 {
			t.Errorf("alarm %s has no action", a["MetricName"])
		}
	}
	sort.Strings(metrics)
	if diff := cmp.Diff([]string{"ApproximateNumberOfMessagesVisible", "Errors", contract.MetricSinkFailures}, metrics); diff != "" {
		t.Errorf("alarms (-want +got):\n%s", diff)
	}
}

func TestEmailSubscription(t *testing.T) {
	sub := one(t, "AWS::SNS::Subscription")
	if sub["Protocol"] != "email" || sub["Endpoint"] != "ops@example.com" {
		t.Errorf("subscription = %v", sub)
	}
}
