package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/google/go-cmp/cmp"

	"github.com/iam4-responder/iam4-responder/infra/responder"
	"github.com/iam4-responder/iam4-responder/lambda/contract"
)

func TestReadSettingsAthena(t *testing.T) {
	key := "arn:aws:kms:us-east-1:999988887777:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	tests := []struct {
		name string
		ctx  map[string]any
		want *responder.AthenaProps
	}{
		{"off unless set", nil, nil},
		{"the stack creates the table from the trail bucket (-c values)", map[string]any{
			contract.CtxTrailBucket: "aws-controltower-logs-999988887777-us-east-1", contract.CtxTrailPrefix: "o-exampleorgid",
			contract.CtxTrailOrganizationID: "o-exampleorgid", contract.CtxTrailKMSKey: key, contract.CtxTrailStart: "2024/01/01",
			contract.CtxRegions: "us-east-1,eu-west-1",
		}, &responder.AthenaProps{TrailBucket: "aws-controltower-logs-999988887777-us-east-1", TrailPrefix: "o-exampleorgid",
			OrganizationID: "o-exampleorgid", TrailKeyARN: key, TrailStart: "2024/01/01", Regions: []string{"us-east-1", "eu-west-1"},
			LookbackDays: 365}},
		{"an existing table (cdk.json values)", map[string]any{
			contract.CtxAthenaDatabase: "security", contract.CtxAthenaTable: "org_trail", contract.CtxAthenaWorkgroup: "secops",
			contract.CtxAthenaResultsBucket: "secops-athena-results", contract.CtxAthenaLookbackDays: 730.0,
		}, &responder.AthenaProps{Database: "security", Table: "org_trail", Workgroup: "secops", ResultsBucket: "secops-athena-results",
			LookbackDays: 730}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadSettings(tt.ctx)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got.Responder.Athena); diff != "" {
				t.Errorf("Athena (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadSettingsAthenaRefusals(t *testing.T) {
	tests := []struct {
		name string
		ctx  map[string]any
		want string
	}{
		{"misspelt trail bucket", map[string]any{"trailBuckt": "org-trail"}, `unknown context key "trailBuckt"; did you mean "trailBucket"?`},
		{"a table without its workgroup", map[string]any{contract.CtxAthenaDatabase: "security", contract.CtxAthenaTable: "org_trail"},
			"athenaWorkgroup: required with athenaTable"},
		{"an organization id without the bucket", map[string]any{contract.CtxTrailOrganizationID: "o-exampleorgid"},
			"trailOrganizationId: has no effect without trailBucket"},
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

// TestAthenaContextSynthesizesCleanly is `cdk synth -c trailBucket=… -c trailOrganizationId=…`
// without the CLI: the app's own settings and stack, under cdk-nag, then cfn-lint on the template.
func TestAthenaContextSynthesizesCleanly(t *testing.T) {
	if _, err := exec.LookPath("cfn-lint"); err != nil {
		t.Fatal("cfn-lint is required: pip install cfn-lint")
	}
	code := t.TempDir()
	if err := os.WriteFile(filepath.Join(code, "bootstrap"), []byte("stand-in"), 0o755); err != nil {
		t.Fatal(err)
	}
	context := map[string]any{
		"@aws-cdk/core:enablePartitionLiterals": true, contract.CtxCodeDir: code, contract.CtxEmails: "ops@example.com",
		contract.CtxTrailBucket: "org-trail-999988887777", contract.CtxTrailOrganizationID: "o-exampleorgid",
		contract.CtxTrailKMSKey: "arn:aws:kms:us-east-1:999988887777:key/1234abcd-12ab-34cd-56ef-1234567890ab",
	}
	s, err := ReadSettings(context)
	if err != nil {
		t.Fatal(err)
	}
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir()), Context: &context})
	stack := NewStack(app, s)
	var nag []string
	for _, msg := range *assertions.Annotations_FromStack(stack).FindError(jsii.String("*"),
		assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*"))) {
		b, _ := json.Marshal(msg)
		nag = append(nag, string(b))
	}
	if len(nag) > 0 {
		t.Errorf("cdk-nag errors:\n%s", strings.Join(nag, "\n"))
	}
	tpl := assertions.Template_FromStack(stack, nil)
	for typ, n := range map[string]int{"AWS::Glue::Database": 1, "AWS::Glue::Table": 1, "AWS::Athena::WorkGroup": 1} {
		tpl.ResourceCountIs(jsii.String(typ), jsii.Number(n))
	}
	env, _ := json.Marshal(tpl.FindResources(jsii.String("AWS::Lambda::Function"), nil))
	for _, v := range []string{contract.EnvAthenaTable, contract.EnvAthenaWorkgroup, contract.EnvAthenaDatabase,
		fmt.Sprintf(`"%s":"365"`, contract.EnvAthenaLookbackDays)} {
		if !strings.Contains(string(env), v) {
			t.Errorf("the function's environment lacks %s", v)
		}
	}
	path := *app.Synth(nil).GetStackArtifact(stack.ArtifactId()).TemplateFullPath()
	out, err := exec.CommandContext(t.Context(), "cfn-lint", "--ignore-checks", "W3005", "--", path).CombinedOutput()
	if err != nil {
		t.Errorf("cfn-lint: %v\n%s", err, out)
	}
}
