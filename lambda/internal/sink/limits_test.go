package sink

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/iam4-responder/iam4-responder/internal/emulator"
	"github.com/iam4-responder/iam4-responder/internal/testenv"
	"github.com/iam4-responder/iam4-responder/lambda/internal/advice"
	"github.com/iam4-responder/iam4-responder/lambda/internal/evidence"
	"github.com/iam4-responder/iam4-responder/lambda/internal/investigation"
	"github.com/iam4-responder/iam4-responder/lambda/internal/report"
)

// oversizeReport is a case that broke every channel before (issue 13): a busy key whose calls name
// many S3 objects, hostile text in the fields a key holder writes, and a 1 MiB Region and severity.
func oversizeReport(t *testing.T, lang report.Lang) report.Report {
	t.Helper()
	f, _ := sampleFinding(t)
	f.Region = strings.Repeat("us-east-1\u202e", 1<<17)
	f.Severity = strings.Repeat("[Rotate now](https://evil.example) ", 1<<15)
	hostile := "\u200b@here <!channel> [x](https://evil.example)\u2028\u0085`"
	k := evidence.KeyProfile{ID: "AKIA…MPLE", Calls: 5000, FirstUse: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC),
		LastUse: time.Date(2026, 10, 30, 0, 0, 0, 0, time.UTC)}
	for i := range 256 {
		k.SourceIPs = append(k.SourceIPs, evidence.IPCount{IP: evidence.Text(fmt.Sprintf("%s198.51.100.%d", hostile, i)), Calls: 1})
		k.UserAgents = append(k.UserAgents, evidence.AgentCount{Tool: "AWS CLI", Agent: evidence.Text(hostile + strings.Repeat("A", 200)), Calls: 1})
	}
	for a := range 120 {
		act := evidence.ActionCount{Action: fmt.Sprintf("s3:Action%03d%s", a, hostile), Calls: 32, AllNamed: true}
		for o := range 32 {
			act.Resources = append(act.Resources, evidence.Text(fmt.Sprintf("arn:aws:s3:::example-backups/nightly/%s/part-%05d.dump", hostile, a*32+o)))
		}
		k.Actions = append(k.Actions, act)
	}
	sum := evidence.Summary{AccessKeyCalls: k.Calls, Keys: []evidence.KeyProfile{k}}
	res := investigation.Result{Account: "111122223333", Summary: sum}
	res.Advice = advice.Advise(advice.Input{Usage: sum, Now: k.LastUse})
	r := report.New(report.Opened, f, "")
	r.Lang, r.Evidence = lang, &res
	return r
}

// TestOversizeCasesAreAccepted sends the oversize case through the real SDK to services we did
// not write the limits of: moto's SNS (subject under 100 characters, message at most 256 KB) and
// the emulated OpsCenter (title and description lengths).
func TestOversizeCasesAreAccepted(t *testing.T) {
	cfg := testenv.AWSConfig(testenv.Moto(t))
	topic, _ := testenv.TopicWithQueue(t, cfg, testenv.Name("limits"))
	pub := SNS{API: sns.NewFromConfig(cfg), TopicARN: topic}
	// The check proves something only if moto refuses what SNS refuses.
	if _, err := pub.Publish(t.Context(), "s", strings.Repeat("x", 262145), "limits"); err == nil {
		t.Fatal("moto accepts a message over 256 KB: this test would prove nothing")
	}
	ops := OpsItem{API: ssm.NewFromConfig(testenv.AWSConfig(emulate(t, &emulator.Scenario{})))}
	for _, lang := range []report.Lang{report.English, report.Japanese} {
		t.Run(string(lang), func(t *testing.T) {
			r := oversizeReport(t, lang)
			if _, err := (Email{SNS: pub}).Open(t.Context(), r, "limits/email"); err != nil {
				t.Errorf("e-mail refused: %v", err)
			}
			if _, err := (Chat{SNS: pub}).Open(t.Context(), r, "limits/chat"); err != nil {
				t.Errorf("chat notification refused: %v", err)
			}
			r.Case += string(lang) // one open OpsItem per case
			if _, err := ops.Open(t.Context(), r, "limits/opsitem"); err != nil {
				t.Errorf("OpsItem refused: %v", err)
			}
		})
	}
}
