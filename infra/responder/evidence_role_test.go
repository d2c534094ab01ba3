package responder

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
	"github.com/google/go-cmp/cmp"
)

func memberStack(t *testing.T) (map[string]any, []string) {
	t.Helper()
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
	stack := awscdk.NewStack(app, jsii.String("Member"), nil)
	NewEvidenceRole(stack, "Evidence", EvidenceRoleProps{ResponderAccount: "111122223333", OrganizationID: "o-exampleorgid"})
	NewEvidenceStackSet(stack, "StackSet", EvidenceStackSetProps{
		Role:      EvidenceRoleProps{ResponderAccount: "111122223333", OrganizationID: "o-exampleorgid"},
		TargetOUs: []string{"ou-abcd-12345678"}, Region: "us-east-1", CallAs: "DELEGATED_ADMIN",
	})
	awscdk.Aspects_Of(stack).Add(cdknag.NewAwsSolutionsChecks(nil), nil)
	tpl := assertions.Template_FromStack(stack, nil)
	nag := nagErrors(stack)
	var out map[string]any
	b, _ := json.Marshal(tpl.ToJSON())
	_ = json.Unmarshal(b, &out)
	return out, nag
}

func TestEvidenceRoleReadsOnlyAndTrustsOnlyTheResponder(t *testing.T) {
	tpl, nag := memberStack(t)
	if len(nag) > 0 {
		t.Errorf("cdk-nag errors: %v", nag)
	}
	var role, policy, stackSet map[string]any
	for _, r := range tpl["Resources"].(map[string]any) {
		r := r.(map[string]any)
		switch r["Type"] {
		case "AWS::IAM::Role":
			role = r["Properties"].(map[string]any)
		case "AWS::IAM::Policy":
			policy = r["Properties"].(map[string]any)
		case "AWS::CloudFormation::StackSet":
			stackSet = r["Properties"].(map[string]any)
		}
	}
	trust, _ := json.Marshal(role["AssumeRolePolicyDocument"])
	for _, want := range []string{`"aws:PrincipalOrgID":"o-exampleorgid"`,
		`"ArnEquals":{"aws:PrincipalArn":{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":iam::111122223333:role/Iam4Responder-responder"]]}}`,
		`111122223333:root`} {
		if !strings.Contains(string(trust), want) {
			t.Errorf("trust policy lacks %s: %s", want, trust)
		}
	}
	var actions []string
	for _, a := range policy["PolicyDocument"].(map[string]any)["Statement"].([]any)[0].(map[string]any)["Action"].([]any) {
		actions = append(actions, a.(string))
	}
	slices.Sort(actions)
	if diff := cmp.Diff(EvidenceActions, actions); diff != "" {
		t.Errorf("evidence role actions (-want +got):\n%s", diff)
	}

	// The StackSet's template is the same role, as a plain template.
	if stackSet["PermissionModel"] != "SERVICE_MANAGED" || stackSet["CallAs"] != "DELEGATED_ADMIN" ||
		stackSet["AutoDeployment"].(map[string]any)["Enabled"] != true {
		t.Errorf("StackSet = %v", stackSet)
	}
	var body struct {
		Resources map[string]struct {
			Properties struct {
				RoleName                 string
				AssumeRolePolicyDocument map[string]any
				Policies                 []struct {
					PolicyDocument struct{ Statement []struct{ Action []string } }
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(stackSet["TemplateBody"].(string)), &body); err != nil {
		t.Fatal(err)
	}
	r := body.Resources["EvidenceRole"].Properties
	if r.RoleName != DefaultEvidenceRoleName || !slices.Equal(r.Policies[0].PolicyDocument.Statement[0].Action, EvidenceActions) {
		t.Errorf("StackSet role = %+v", r)
	}
	trustBody, _ := json.Marshal(r.AssumeRolePolicyDocument)
	if !strings.Contains(string(trustBody), `"aws:PrincipalOrgID":"o-exampleorgid"`) ||
		!strings.Contains(string(trustBody), `"ArnEquals":{"aws:PrincipalArn":{"Fn::Sub":"arn:${AWS::Partition}:iam::111122223333:role/Iam4Responder-responder"}}`) ||
		!strings.Contains(string(trustBody), `"Principal":{"AWS":{"Fn::Sub":"arn:${AWS::Partition}:iam::111122223333:root"}}`) ||
		strings.Contains(string(trustBody), "ArnLike") {
		t.Errorf("StackSet trust = %s", trustBody)
	}
}
