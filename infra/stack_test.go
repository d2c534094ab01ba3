package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/google/go-cmp/cmp"

	"github.com/iam4-responder/iam4-responder/lambda/contract"
)

// appStacks builds the app's stacks from context as run does, and returns each stack's Region
// and its resources by type.
func appStacks(t *testing.T, ctx map[string]any) map[string]appStack {
	t.Helper()
	code := t.TempDir()
	if err := os.WriteFile(filepath.Join(code, "bootstrap"), []byte("stand-in"), 0o755); err != nil {
		t.Fatal(err)
	}
	ctx[contract.CtxCodeDir] = code
	s, err := ReadSettings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
	stacks := []awscdk.Stack{NewStack(app, s)}
	if needsSignalsStack(s) {
		stacks = append(stacks, NewSignalsStack(app, s))
	}
	if len(s.EvidenceTargetOUs) > 0 {
		stacks = append(stacks, NewEvidenceStackSetStack(app, s))
	}
	out := map[string]appStack{}
	for _, st := range stacks {
		var tpl struct {
			Resources map[string]struct {
				Type       string
				Properties map[string]any
			}
		}
		b, _ := json.Marshal(assertions.Template_FromStack(st, nil).ToJSON())
		if err := json.Unmarshal(b, &tpl); err != nil {
			t.Fatal(err)
		}
		as := appStack{Region: *st.Region(), Types: map[string][]map[string]any{}}
		for _, r := range tpl.Resources {
			as.Types[r.Type] = append(as.Types[r.Type], r.Properties)
		}
		out[*st.StackName()] = as
	}
	return out
}

type appStack struct {
	Region string
	Types  map[string][]map[string]any
}

// TestSignalsReachAResponderOutsideIAMsRegion: a responder in Tokyo gets a forwarding stack in
// us-east-1 for its own account, and the member accounts' StackSet forwards from us-east-1 and
// the Regions the responder reads.
func TestSignalsReachAResponderOutsideIAMsRegion(t *testing.T) {
	stacks := appStacks(t, map[string]any{
		contract.CtxEmails: "ops@example.com", contract.CtxResponderRegion: "ap-northeast-1", contract.CtxResponderAccount: "111122223333",
		contract.CtxEvidenceTargetOUs: "ou-ab12-paymnts1", contract.CtxOrganizationID: "o-exampleorgid",
		contract.CtxRegions: "ap-northeast-1,us-east-1,eu-west-1",
	})
	regions := map[string]string{}
	for name, s := range stacks {
		regions[name] = s.Region
	}
	want := map[string]string{"Iam4Responder": "ap-northeast-1", "Iam4ResponderSignals": "us-east-1",
		"Iam4ResponderEvidenceStackSet": regions["Iam4ResponderEvidenceStackSet"]}
	if diff := cmp.Diff(want, regions); diff != "" {
		t.Errorf("stacks and Regions (-want +got):\n%s", diff)
	}
	forward := stacks["Iam4ResponderSignals"].Types["AWS::Events::Rule"]
	if len(forward) != 2 {
		t.Fatalf("%d forwarding rules, want 2", len(forward))
	}
	for _, rule := range forward {
		if arn := rule["Targets"].([]any)[0].(map[string]any)["Arn"]; arn != "arn:aws:events:ap-northeast-1:111122223333:event-bus/default" {
			t.Errorf("forwarding to %v, want the responder's bus in Tokyo", arn)
		}
	}
	var sets []string
	for _, ss := range stacks["Iam4ResponderEvidenceStackSet"].Types["AWS::CloudFormation::StackSet"] {
		group := ss["StackInstancesGroup"].([]any)[0].(map[string]any)
		var regions []string
		for _, r := range group["Regions"].([]any) {
			regions = append(regions, r.(string))
		}
		sets = append(sets, ss["StackSetName"].(string)+" "+jsonOf(t, regions))
	}
	slices.Sort(sets)
	wantSets := []string{`iam4-responder-evidence-role ["us-east-1"]`,
		`iam4-responder-signal-forwarding ["us-east-1","ap-northeast-1","eu-west-1"]`}
	if diff := cmp.Diff(wantSets, sets); diff != "" {
		t.Errorf("StackSets (-want +got):\n%s", diff)
	}
}

// TestNoForwardingStackInIAMsRegion: in us-east-1 the responder's own rules see IAM's events.
func TestNoForwardingStackInIAMsRegion(t *testing.T) {
	stacks := appStacks(t, map[string]any{contract.CtxEmails: "ops@example.com", contract.CtxResponderRegion: "us-east-1"})
	var names []string
	for name := range stacks {
		names = append(names, name)
	}
	if diff := cmp.Diff([]string{"Iam4Responder"}, names); diff != "" {
		t.Errorf("stacks (-want +got):\n%s", diff)
	}
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
