package responder

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
	"github.com/google/go-cmp/cmp"
)

// TestIAMRegionIsWhereIAMsEndpointSigns compares IAMRegion with the credential scope of IAM's
// global endpoint in botocore's endpoints.json (installed with boto3): the Region IAM's calls are
// recorded in, and so where CloudTrail hands them to EventBridge.
func TestIAMRegionIsWhereIAMsEndpointSigns(t *testing.T) {
	out, err := exec.CommandContext(t.Context(), "python3", "-c",
		"import botocore,os;print(os.path.join(os.path.dirname(botocore.__file__),'data','endpoints.json'))").Output()
	if err != nil {
		t.Fatalf("botocore is required (pip install boto3): %v", err)
	}
	b, err := os.ReadFile(strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Partitions []struct {
			Partition string `json:"partition"`
			Services  map[string]struct {
				PartitionEndpoint string `json:"partitionEndpoint"`
				Endpoints         map[string]struct {
					CredentialScope struct {
						Region string `json:"region"`
					} `json:"credentialScope"`
				} `json:"endpoints"`
			} `json:"services"`
		} `json:"partitions"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, p := range doc.Partitions {
		if _, ours := iamRegions[p.Partition]; !ours {
			continue
		}
		iam := p.Services["iam"]
		got[p.Partition] = iam.Endpoints[iam.PartitionEndpoint].CredentialScope.Region
	}
	want := map[string]string{}
	for p := range iamRegions {
		want[p] = IAMRegion(p)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("IAM Regions (-ours +botocore):\n%s", diff)
	}
}

// TestForwardingStackSendsSignalsToTheResponder: the responder account's forwarding stack in the
// IAM Region has both signal rules, each targeting the responder's bus through a role that may
// only put events there.
func TestForwardingStackSendsSignalsToTheResponder(t *testing.T) {
	bus := BusARN("aws", "ap-northeast-1", "111122223333")
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
	stack := awscdk.NewStack(app, jsii.String("Iam4ResponderSignals"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("111122223333"), Region: jsii.String("us-east-1")}})
	ForwardSignals(stack, "Forward", bus)
	awscdk.Aspects_Of(stack).Add(cdknag.NewAwsSolutionsChecks(nil), nil)
	if nag := nagErrors(stack); len(nag) > 0 {
		t.Errorf("cdk-nag errors:\n%s", strings.Join(nag, "\n"))
	}
	var tpl map[string]any
	raw, _ := json.Marshal(assertions.Template_FromStack(stack, nil).ToJSON())
	if err := json.Unmarshal(raw, &tpl); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, rule := range resourcesIn(tpl, "AWS::Events::Rule") {
		target := rule["Targets"].([]any)[0].(map[string]any)
		if target["Arn"] != bus || target["RoleArn"] == nil {
			t.Errorf("%s: target %s, want %s with a role", rule["Description"], mustJSON(t, target), bus)
		}
		got = append(got, rule["Description"].(string))
	}
	if len(got) != len(SignalRules()) {
		t.Errorf("forwarding rules %v, want one per signal rule", got)
	}
	put := statements(t, tpl, "events:PutEvents")
	want := []string{`{"Action":"events:PutEvents","Effect":"Allow","Resource":"` + bus + `"}`}
	if diff := cmp.Diff(want, put); diff != "" {
		t.Errorf("events:PutEvents (-want +got):\n%s", diff)
	}
}

// TestMemberForwardingTemplateLintsInEveryPartition: the StackSet's template is valid for
// cfn-lint in each partition, creates nothing in the responder's own account, and carries the
// rules' patterns and states as SignalRules says.
func TestMemberForwardingTemplateLintsInEveryPartition(t *testing.T) {
	if _, err := exec.LookPath("cfn-lint"); err != nil {
		t.Fatal("cfn-lint is required: pip install cfn-lint")
	}
	for _, tt := range []struct{ region, partition string }{
		{"us-east-1", "aws"}, {"cn-north-1", "aws-cn"}, {"us-gov-west-1", "aws-us-gov"},
	} {
		t.Run(tt.partition, func(t *testing.T) {
			body := SignalForwardingTemplate(BusARN(tt.partition, tt.region, "111122223333"), "111122223333")
			path := filepath.Join(t.TempDir(), "forward.json")
			if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.CommandContext(t.Context(), "cfn-lint", "--regions", tt.region, "--", path).CombinedOutput()
			if err != nil {
				t.Errorf("cfn-lint: %v\n%s", err, out)
			}
			var tpl map[string]any
			if err := json.Unmarshal([]byte(body), &tpl); err != nil {
				t.Fatal(err)
			}
			for name, r := range tpl["Resources"].(map[string]any) {
				if r.(map[string]any)["Condition"] != "NotTheResponderAccount" {
					t.Errorf("%s is created in the responder's own account too: its rules would forward the bus to itself", name)
				}
			}
			for _, s := range SignalRules() {
				props := tpl["Resources"].(map[string]any)[s.ID].(map[string]any)["Properties"].(map[string]any)
				if diff := cmp.Diff(string(s.JSON()), mustJSON(t, props["EventPattern"])); diff != "" {
					t.Errorf("%s pattern (-want +got):\n%s", s.ID, diff)
				}
				if want := map[bool]string{true: allManagementEvents, false: "ENABLED"}[s.ReadOnly]; props["State"] != want {
					t.Errorf("%s state %v, want %s", s.ID, props["State"], want)
				}
			}
		})
	}
}
