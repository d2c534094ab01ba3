package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/iam4-responder/iam4-responder/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite testdata/followup.golden")

func TestMain(m *testing.M) { testenv.Main(m) }

// TestDemoEndToEnd is `make demo` as a test: the real bootstrap under the runtime interface
// emulator, the sample events, and every channel checked.
func TestDemoEndToEnd(t *testing.T) {
	rie := os.Getenv("IAM4_RIE")
	if rie == "" {
		var err error
		if rie, err = exec.LookPath("aws-lambda-rie"); err != nil {
			testenv.Missing(t, "aws-lambda-rie (make tools)", err)
		}
	}
	bootstrap := filepath.Join(t.TempDir(), "bootstrap")
	build := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-o", bootstrap, "../../../lambda/cmd/responder")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build bootstrap: %v\n%s", err, out)
	}
	var printed bytes.Buffer
	out, err := Run(t.Context(), &printed, Options{Bootstrap: bootstrap, RIE: rie, MotoURL: testenv.Moto(t)})
	if err != nil {
		t.Fatal(err)
	}
	checkFollowUp(t, out.FollowUp, printed.String())

	checks := []struct {
		name string
		ok   bool
	}{
		{"e-mail carries the decision", strings.Contains(out.Email, "callers inside and outside AWS")},
		{"e-mail names the EC2 caller inside AWS", strings.Contains(out.Email, "from 54.250.10.11: 90 calls, inside AWS")},
		{"e-mail names the office caller outside AWS", strings.Contains(out.Email, "from 203.0.113.25: 6 calls, outside AWS")},
		{"e-mail calls the second key unused", strings.Contains(out.Email, "credential report slot 2: the key is unused")},
		{"e-mail carries the draft policy", strings.Contains(out.Email, `"ec2:CreateSnapshot"`)},
		// The job's S3 writes are data events: event history never serves them.
		{"no S3 object call comes from event history", !strings.Contains(out.Email, "s3:PutObject: ")},
		{"chat card is a custom notification", json.Valid([]byte(out.Chat)) && strings.Contains(out.Chat, `"source": "custom"`)},
		{"OpsItem is open, Security, severity 1", out.OpsItem["Status"] == "Open" && out.OpsItem["Category"] == "Security" && out.OpsItem["Severity"] == "1"},
		{"Jira issue has the configured priority and labels", out.Jira["priority"] == "Highest" && hasLabels(out.Jira["labels"], "iam4", "security")},
		{"finding marked NOTIFIED", strings.Join(out.Workflows, ",") == "NOTIFIED"},
		{"note names the tickets", len(out.Notes) == 1 && strings.Contains(out.Notes[0], "jira SEC-1") && strings.Contains(out.Notes[0], "opsitem oi-")},
		{"the same event again opens nothing", out.DuplicateDeliveries == 0},
		{"PASSED sends the resolution e-mail", strings.Contains(out.ResolvedEmail, "Resolved: root access key case")},
		{"PASSED resolves the OpsItem", out.ResolvedOpsItem == "Resolved"},
		{"PASSED moves the Jira issue to Done", out.ResolvedJira == "Done"},
		{"PASSED notes the finding", strings.Contains(out.ResolvedNote, "closed the case")},
		{"the runtime emulator reported start-up and invocations", out.InitMs > 0 && len(out.InvokeMs) == 3},
		// The case opened again with the organization trail on Athena as the primary source.
		{"Athena: the S3 backup job's writes reach the ticket", strings.Contains(out.AthenaEmail, "action s3:PutObject: 45 calls")},
		{"Athena: with its caller", strings.Contains(out.AthenaEmail, "from 54.250.10.11: 135 calls, inside AWS")},
		{"Athena: the ticket says the trail covered data events", strings.Contains(out.AthenaEmail,
			"Source: Athena over the organization trail, management and data events (45 root data-event calls)")},
		{"Athena: the ticket says event history read only the tail", strings.Contains(out.AthenaEmail,
			"Source: CloudTrail event history, management events only (no S3 object or other data events)") &&
			strings.Contains(out.AthenaEmail, " UTC to ")},
		{"Athena: no gap", !strings.Contains(out.AthenaEmail, "Gap:")},
		// The second key's yearly job, 200 days ago: beyond event history, inside the trail's year.
		{"Athena: the yearly job of the key event history called unused", strings.Contains(out.AthenaEmail, "from "+yearlyJobIP+": 1 call, outside AWS") &&
			strings.Contains(out.AthenaEmail, "action iam:GenerateCredentialReport: 1 call")},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: no", c.name)
		}
	}
	if t.Failed() {
		t.Logf("e-mail:\n%s", out.Email)
		t.Logf("e-mail with Athena:\n%s", out.AthenaEmail)
	}
}

// hasLabels reports whether the issue carries every configured label (it also carries the
// case's own label, by which a takeover finds it).
func hasLabels(got any, want ...string) bool {
	labels, _ := got.([]string)
	for _, w := range want {
		if !slices.Contains(labels, w) {
			return false
		}
	}
	return true
}

// checkFollowUp checks the second story: every state walked, each transition told once to every
// channel, and the printed section as the golden file has it (the scenario's clock makes it the
// same on every run).
func checkFollowUp(t *testing.T, steps []Transition, printed string) {
	t.Helper()
	type seen struct {
		Emails, Chats, JiraComments int
		Jira, OpsItem               string
	}
	want := []seen{
		{1, 1, 0, "To Do", "Open, iam4:state -"}, // opened by the real-time CreateAccessKey
		{1, 1, 1, "In Progress", "InProgress, iam4:state deactivated"},
		{1, 1, 1, "In Progress", "InProgress, iam4:state verifying"},
		{1, 1, 1, "In Progress", "Open, iam4:state used_again"},
		{1, 1, 1, "In Progress", "InProgress, iam4:state deactivated"},
		{1, 1, 1, "In Progress", "InProgress, iam4:state verifying"},
		{1, 1, 1, "Ready to delete", "InProgress, iam4:state ready_to_delete"},
		{1, 1, 1, "Done", "Resolved, iam4:state closed"},
	}
	var got []seen
	for _, s := range steps {
		got = append(got, seen{len(s.Emails), len(s.Chats), s.JiraComment, s.JiraStatus, s.OpsItem})
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("follow-up, step by step (-want +got):\n%s", diff)
	}
	section := printed[strings.Index(printed, "\n== Follow-up")+1:]
	if end := strings.Index(section, "\n== The same account, with the organization trail on Athena"); end >= 0 {
		section = section[:end] // the Athena section that follows is checked below
	}
	golden := filepath.Join("testdata", "followup.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(section), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(b), section); diff != "" {
		t.Errorf("printed follow-up (-want +got):\n%s", diff)
	}
}
