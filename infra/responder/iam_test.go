package responder

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
	"github.com/google/go-cmp/cmp"

	"github.com/iam4-responder/iam4-responder/lambda/contract"
)

// synth synthesizes a stack holding one responder in env (nil: environment-agnostic) and returns
// its template, the cdk-nag errors and the template file's path.
func synth(t *testing.T, props Props, env *awscdk.Environment) (map[string]any, []string, string) {
	t.Helper()
	code := t.TempDir()
	if err := os.WriteFile(filepath.Join(code, "bootstrap"), []byte("stand-in"), 0o755); err != nil {
		t.Fatal(err)
	}
	props.Code = awslambda.Code_FromAsset(jsii.String(code), nil)
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir()),
		Context: &map[string]any{"@aws-cdk/core:enablePartitionLiterals": true}})
	stack := awscdk.NewStack(app, jsii.String("Iam4Responder"), &awscdk.StackProps{Env: env})
	New(stack, "Responder", props)
	awscdk.Aspects_Of(stack).Add(cdknag.NewAwsSolutionsChecks(nil), nil)
	nag := nagErrors(stack)
	var tpl map[string]any
	b, _ := json.Marshal(assertions.Template_FromStack(stack, nil).ToJSON())
	if err := json.Unmarshal(b, &tpl); err != nil {
		t.Fatal(err)
	}
	path := *app.Synth(nil).GetStackArtifact(stack.ArtifactId()).TemplateFullPath()
	return tpl, nag, path
}

// nagErrors returns cdk-nag's AwsSolutions errors on a stack, as "path: message". The messages
// are read through their JSON form: the Go fields of cxapi.SynthesisMessage are deprecated.
func nagErrors(stack awscdk.Stack) []string {
	var nag []string
	for _, msg := range *assertions.Annotations_FromStack(stack).FindError(jsii.String("*"),
		assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*"))) {
		var m struct {
			ID    string `json:"id"`
			Entry struct {
				Data any `json:"data"`
			} `json:"entry"`
		}
		b, _ := json.Marshal(msg)
		_ = json.Unmarshal(b, &m)
		nag = append(nag, fmt.Sprintf("%s: %v", m.ID, m.Entry.Data))
	}
	return nag
}

// statements returns the role's policy statements with the given action, as JSON.
func statements(t *testing.T, tpl map[string]any, action string) []string {
	t.Helper()
	var out []string
	for _, r := range tpl["Resources"].(map[string]any) {
		r := r.(map[string]any)
		if r["Type"] != "AWS::IAM::Policy" {
			continue
		}
		for _, st := range r["Properties"].(map[string]any)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			b, _ := json.Marshal(st)
			if strings.Contains(string(b), `"`+action+`"`) {
				out = append(out, string(b))
			}
		}
	}
	return out
}

// TestAssumeRootOnlyOnTheAccountsNamed: sts:AssumeRoot names each allowed account's root user,
// never the management account's, even without an organization, and a Deny backs that up.
func TestAssumeRootOnlyOnTheAccountsNamed(t *testing.T) {
	env := &awscdk.Environment{Account: jsii.String("999988887777"), Region: jsii.String("us-east-1")}
	tests := []struct {
		name  string
		props Props
		want  []string // each statement's JSON holds all of these
		never []string // no Allow holds these
	}{
		{"off", Props{Containment: "off", AllowedAccounts: []string{"444455556666"}}, nil, nil},
		{"dry-run on the allowed accounts, no organization", Props{Containment: "dry-run", ManagementAccount: "999988887777",
			AllowedAccounts: []string{"444455556666", "999988887777"}},
			[]string{`"Resource":"arn:aws:iam::444455556666:root"`, `"sts:TaskPolicyArn":["arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials"]`,
				`"Effect":"Deny","Resource":"arn:aws:iam::999988887777:root"`},
			[]string{"IAMDeleteRootUserCredentials", `"Resource":"arn:aws:iam::*:root"`}},
		{"delete-unused on containmentAllow minus the deny list", Props{Containment: "delete-unused", ManagementAccount: "999988887777",
			AllowedAccounts: []string{"444455556666"}, ContainAllow: []string{"111122223333", "222233334444"}, ContainDeny: []string{"222233334444"}},
			[]string{`"Resource":"arn:aws:iam::111122223333:root"`, "IAMDeleteRootUserCredentials",
				`"Effect":"Deny","Resource":["arn:aws:iam::999988887777:root","arn:aws:iam::222233334444:root"]`},
			[]string{"444455556666:root", `"Allow","Resource":["arn:aws:iam::111122223333:root","arn:aws:iam::222233334444:root"]`}},
		{"the organization's accounts through aws:ResourceOrgID", Props{Containment: "dry-run", ManagementAccount: "999988887777",
			OrganizationID: "o-exampleorgid"},
			[]string{`"Resource":"arn:aws:iam::*:root"`, `"aws:ResourceOrgID":"o-exampleorgid"`, `"Effect":"Deny","Resource":"arn:aws:iam::999988887777:root"`},
			nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tpl, nag, _ := synth(t, tt.props, env)
			if len(nag) > 0 {
				t.Errorf("cdk-nag errors:\n%s", strings.Join(nag, "\n"))
			}
			got := strings.Join(statements(t, tpl, "sts:AssumeRoot"), "\n")
			if tt.want == nil && got != "" {
				t.Fatalf("containment off grants sts:AssumeRoot: %s", got)
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("sts:AssumeRoot statements lack %s:\n%s", w, got)
				}
			}
			for _, n := range tt.never {
				if strings.Contains(got, n) {
					t.Errorf("sts:AssumeRoot statements hold %s:\n%s", n, got)
				}
			}
		})
	}
}

// TestEveryPartitionSynthesizesCleanly synthesizes the fullest stack in a Region of each
// partition: no "arn:aws:" may be left where the partition is another, cdk-nag reports no error
// and cfn-lint (W3005 is the DependsOn CDK itself writes) passes.
func TestEveryPartitionSynthesizesCleanly(t *testing.T) {
	if _, err := exec.LookPath("cfn-lint"); err != nil {
		t.Fatal("cfn-lint is required: pip install cfn-lint")
	}
	props := Props{Emails: []string{"ops@example.com"}, Chat: true, OpsCenter: true,
		AllowedAccounts: []string{"444455556666"}, OrganizationID: "o-exampleorgid",
		Containment: "delete-unused", ManagementAccount: "999988887777"}
	for _, tt := range []struct{ region, partition string }{
		{"us-east-1", "aws"}, {"cn-north-1", "aws-cn"}, {"us-gov-west-1", "aws-us-gov"},
	} {
		t.Run(tt.partition, func(t *testing.T) {
			p := props
			p.Jira = &JiraProps{URL: "https://example.atlassian.net", Project: "SEC",
				SecretARN:       "arn:" + tt.partition + ":secretsmanager:" + tt.region + ":111122223333:secret:jira-AbCdEf",
				SecretKMSKeyARN: "arn:" + tt.partition + ":kms:" + tt.region + ":111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"}
			// Routing, a digest and owner tags: the follow-up's schedules, topics and look-ups.
			p.Routes = `{"rules": [{"name": "sandbox", "tags": {"env": "sandbox"}, "digest": true,
				"chatTopicArn": "arn:` + tt.partition + `:sns:` + tt.region + `:444455556666:sandbox-chat"}]}`
			p.OwnerTags = []string{"owner"}
			tpl, nag, path := synth(t, p, &awscdk.Environment{Account: jsii.String("111122223333"), Region: jsii.String(tt.region)})
			if len(nag) > 0 {
				t.Errorf("cdk-nag errors:\n%s", strings.Join(nag, "\n"))
			}
			body, _ := json.Marshal(tpl["Resources"])
			if tt.partition != "aws" && strings.Contains(string(body), `arn:aws:`) {
				i := strings.Index(string(body), "arn:aws:")
				t.Errorf("an aws-partition ARN in a %s template: …%s…", tt.partition, string(body)[max(0, i-80):min(len(body), i+80)])
			}
			for _, want := range []string{
				contract.RootARN(tt.partition, "444455556666"),
				contract.TaskPolicyARN(tt.partition, contract.RootTaskDelete),
				"arn:" + tt.partition + ":iam::*:role/" + contract.DefaultMemberRole,
			} {
				if !strings.Contains(string(body), want) {
					t.Errorf("template lacks %s", want)
				}
			}
			out, err := exec.CommandContext(t.Context(), "cfn-lint", "--ignore-checks", "W3005", "--", path).CombinedOutput()
			if err != nil {
				t.Errorf("cfn-lint %s: %v\n%s", tt.partition, err, out)
			}
		})
	}
}

func TestCustomActionIsTheStacksOwn(t *testing.T) {
	target := one(t, "AWS::SecurityHub::ActionTarget")
	want := map[string]any{"Id": contract.DefaultActionTargetID, "Name": "Respond to IAM.4",
		"Description": "Send IAM.4 (root user access key) findings to iam4-responder"}
	if diff := cmp.Diff(want, target); diff != "" {
		t.Errorf("action target (-want +got):\n%s", diff)
	}
	var logicalID string
	for id, r := range template(t)["Resources"].(map[string]any) {
		if r.(map[string]any)["Type"] == "AWS::SecurityHub::ActionTarget" {
			logicalID = id
		}
	}
	found := 0
	for _, rule := range resources(t, "AWS::Events::Rule") {
		p, ok := rule["EventPattern"].(map[string]any)
		if !ok {
			continue // the scheduled sweep
		}
		if p["detail-type"].([]any)[0] != "Security Hub Findings - Custom Action" {
			continue
		}
		found++
		if diff := cmp.Diff([]any{map[string]any{"Ref": logicalID}}, p["resources"]); diff != "" {
			t.Errorf("custom action rule's resources (-want +got):\n%s", diff)
		}
	}
	if found != 1 {
		t.Errorf("%d custom action rules, want 1", found)
	}
}

func TestJiraSecretKeyIsDecryptedThroughSecretsManagerOnly(t *testing.T) {
	got := statements(t, template(t), "kms:Decrypt")
	want := `{"Action":"kms:Decrypt","Condition":{"StringEquals":{"kms:ViaService":{"Fn::Join":["",["secretsmanager.",{"Ref":"AWS::Region"},".",{"Ref":"AWS::URLSuffix"}]]}}},"Effect":"Allow","Resource":"arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab","Sid":"DecryptJiraSecret"}`
	for _, s := range got {
		if strings.Contains(s, "DecryptJiraSecret") {
			if diff := cmp.Diff(want, s); diff != "" {
				t.Errorf("DecryptJiraSecret (-want +got):\n%s", diff)
			}
			return
		}
	}
	t.Errorf("no DecryptJiraSecret statement among %v", got)
}

func TestOutputsTellTheFirstHour(t *testing.T) {
	var got []string
	for id := range template(t)["Outputs"].(map[string]any) {
		got = append(got, id)
	}
	want := []string{"ActionTargetArn", "ChatTopicArn", "DashboardName", "DeadLetterQueueUrl", "FunctionName", "LedgerTable", "RoleArn", "TopicArn"}
	slices.Sort(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("outputs (-want +got):\n%s", diff)
	}
}

func TestRoleNameIsTheStacksFixedOne(t *testing.T) {
	if got := one(t, "AWS::IAM::Role")["RoleName"]; got != contract.ResponderRoleName("Test") {
		t.Errorf("RoleName = %v, want %s: member accounts trust this exact name", got, contract.ResponderRoleName("Test"))
	}
}

func TestDashboardShowsTheFunctionsMetrics(t *testing.T) {
	body, _ := json.Marshal(one(t, "AWS::CloudWatch::Dashboard")["DashboardBody"])
	for _, m := range []string{contract.MetricCasesOpened, contract.MetricCasesResolved, contract.MetricEvidenceSeconds,
		contract.MetricEvidencePages, contract.MetricThrottles, contract.MetricSinkFailures, contract.MetricDeadLetters,
		contract.MetricContainActions, contract.MetricContainRefusals, contract.MetricForeignFindings} {
		if !strings.Contains(string(body), `\"`+m+`\"`) {
			t.Errorf("dashboard lacks %s", m)
		}
	}
}

// TestNagErrorsAreSeen keeps the nag checks honest: a bare queue breaks AwsSolutions rules, and
// nagErrors must report it by rule and path.
func TestNagErrorsAreSeen(t *testing.T) {
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
	stack := awscdk.NewStack(app, jsii.String("Bare"), nil)
	awssqs.NewQueue(stack, jsii.String("Queue"), nil)
	awscdk.Aspects_Of(stack).Add(cdknag.NewAwsSolutionsChecks(nil), nil)
	got := strings.Join(nagErrors(stack), "\n")
	if !strings.Contains(got, "/Bare/Queue/Resource: AwsSolutions-SQS") {
		t.Errorf("nagErrors on a bare queue = %q, want AwsSolutions-SQS errors with their path", got)
	}
}
