package report

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iam4-responder/iam4-responder/lambda/internal/advice"
	"github.com/iam4-responder/iam4-responder/lambda/internal/evidence"
	"github.com/iam4-responder/iam4-responder/lambda/internal/investigation"
)

// busyKey is a key whose calls name objects in S3: actions × objects distinct ARNs of about
// 90 characters, the shape issue 13 measured (8 actions × 32 objects gave a 22 KB policy).
func busyKey(actions, objects int) investigation.Result {
	k := evidence.KeyProfile{ID: "AKIA…MPLE", Calls: actions * objects,
		FirstUse: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), LastUse: time.Date(2026, 10, 30, 0, 0, 0, 0, time.UTC),
		SourceIPs: []evidence.IPCount{{IP: "203.0.113.7", Calls: actions * objects}}}
	for a := range actions {
		act := evidence.ActionCount{Action: fmt.Sprintf("s3:Action%02d", a), Calls: objects, AllNamed: true}
		for o := range objects {
			act.Resources = append(act.Resources, evidence.Text(fmt.Sprintf("arn:aws:s3:::example-backups-eu-west-1/nightly/db/2026-10-%02d/part-%05d.dump", o%28+1, a*objects+o)))
		}
		k.Actions = append(k.Actions, act)
	}
	sum := evidence.Summary{AccessKeyCalls: k.Calls, Keys: []evidence.KeyProfile{k}}
	res := investigation.Result{Account: "111122223333", Summary: sum}
	res.Advice = advice.Advise(advice.Input{Usage: sum, Now: k.LastUse})
	// The renderers' sizes are the point here, not the mapping of these made-up actions: the
	// draft is the one advice would write for them, one statement per action.
	type statement struct {
		Sid      string
		Effect   string
		Action   []string
		Resource []evidence.Text
	}
	doc := struct {
		Version   string
		Statement []statement
	}{Version: "2012-10-17"}
	for i, a := range k.Actions {
		doc.Statement = append(doc.Statement, statement{Sid: fmt.Sprintf("S3%02d", i), Effect: "Allow",
			Action: []string{a.Action}, Resource: a.Resources})
	}
	policy, _ := json.MarshalIndent(doc, "", "  ")
	res.Advice.Policies = advice.Drafts{Groups: []advice.DraftPolicy{{Target: "user", Name: "iam4-root-key-user-1",
		Where: "outside_aws", Calls: k.Calls, Callers: []advice.PolicyCaller{{IP: "203.0.113.7", Calls: k.Calls}}, Policy: policy}}}
	return res
}

func busyReport(res investigation.Result, lang Lang) Report {
	r := New(Opened, sampleFinding(), "")
	r.Lang, r.Evidence = lang, &res
	return r
}

// TestOversizePoliciesLandWhole covers issue 13's "Sizes": each policy too large for a field goes
// where the channel holds it, whole, and the text says so.
func TestOversizePoliciesLandWhole(t *testing.T) {
	tests := []struct {
		name             string
		actions, objects int
		opsParts         int // how many data keys hold the policy
		jiraWhole        bool
	}{
		{"the issue's 22 KB policy (8 actions, 32 objects each)", 8, 32, 2, true},
		{"a busy key's policy of about 150 KB", 48, 32, 8, false},
		{"a small policy", 2, 2, 1, true},
	}
	for _, tc := range tests {
		for _, lang := range []Lang{English, Japanese} {
			t.Run(fmt.Sprintf("%s/%s", tc.name, lang), func(t *testing.T) {
				r := busyReport(busyKey(tc.actions, tc.objects), lang)
				group := r.policies()[0].Group
				policy := string(r.policies()[0].JSON())

				data := r.OpsItem().Data
				var joined strings.Builder
				parts := 0
				if v, ok := data["iam4:policy-"+group]; ok {
					joined.WriteString(v)
					parts = 1
				}
				for i := 1; ; i++ {
					v, ok := data[fmt.Sprintf("iam4:policy-%s:%d", group, i)]
					if !ok {
						break
					}
					joined.WriteString(v)
					parts++
				}
				if diff := cmp.Diff(policy, joined.String()); diff != "" {
					t.Errorf("policy from the OpsItem's data (-want +got):\n%s", diff)
				}
				if parts != tc.opsParts {
					t.Errorf("policy in %d data values, want %d (%d bytes)", parts, tc.opsParts, len(policy))
				}

				desc := string(mustJSON(r.JiraDescription()))
				policyText := string(mustJSON(policy))
				policyText = policyText[1 : len(policyText)-1]
				if got := strings.Contains(desc, policyText); got != tc.jiraWhole {
					t.Errorf("whole policy in the Jira description: %v, want %v", got, tc.jiraWhole)
				}
				if !tc.jiraWhole {
					more := fmt.Sprintf(r.t().morePolicy, "\x00", "policy-"+group+".json")
					more = more[strings.Index(more, "\x00")+1:]
					if !strings.Contains(desc, more) {
						t.Errorf("the Jira description does not say the rest of the policy is attached (%q)", more)
					}
				}
				var attached string
				for _, f := range r.JiraAttachments() {
					if f.Name == "policy-"+group+".json" {
						attached = string(f.Body)
					}
				}
				if diff := cmp.Diff(policy+"\n", attached); diff != "" {
					t.Errorf("policy-%s.json (-want +got):\n%s", group, diff)
				}

				_, body := r.Email()
				if !strings.Contains(body, strings.ReplaceAll("  "+policy, "\n", "\n  ")) {
					t.Error("the e-mail does not end with the whole policy")
				}
			})
		}
	}
}

// TestEmailNamesWhatDoesNotFit: evidence larger than SNS takes is named with its size, and the
// body stays within 256 KB.
func TestEmailNamesWhatDoesNotFit(t *testing.T) {
	r := busyReport(busyKey(120, 32), English)
	_, body := r.Email()
	if len(body) > snsMessageMaxBytes {
		t.Fatalf("e-mail body: %d bytes", len(body))
	}
	if !strings.Contains(body, "The full evidence (") || !strings.Contains(body, "bytes) does not fit in this message") {
		t.Errorf("the e-mail does not say the evidence was left out:\n%s", body[len(body)-600:])
	}
}

// TestPolicyJSONIsEscapedNotChanged: hidden characters in ARNs are written as \u escapes, so the
// policy still means the same and names the same resources.
func TestPolicyJSONIsEscapedNotChanged(t *testing.T) {
	raw := []byte("{\"Resource\":[\"arn:aws:s3:::b/\u202eevil\u0085\u200b\u2028x\U000E0041\"],\"Action\":\"s3:GetObject\"}\t\r\n")
	got := inertJSON(raw)
	if r, bad := firstForbidden(string(got)); bad {
		t.Errorf("inert JSON carries %U: %s", r, got)
	}
	var want, back any
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(got, &back); err != nil {
		t.Fatalf("inert JSON does not parse: %v\n%s", err, got)
	}
	if diff := cmp.Diff(want, back); diff != "" {
		t.Errorf("inert JSON means something else (-want +got):\n%s", diff)
	}
}

// TestLinksNeverCarryAnUnboundedRegion: a Region without a Region's shape, or a finding id longer
// than ASFF allows, gives the console's findings page, never a 1 MiB host name.
func TestLinksNeverCarryAnUnboundedRegion(t *testing.T) {
	tests := []struct {
		name, region, id, want string
	}{
		{"a real Region", "eu-west-1", "id-1", "https://eu-west-1.console.aws.amazon.com/securityhub/home?region=eu-west-1#/findings?search=Id%3D%255Coperator%255C%253AEQUALS%255C%253Aid-1"},
		{"a GovCloud Region", "us-gov-west-1", "id-1", "https://us-gov-west-1.console.aws.amazon.com/securityhub/home?region=us-gov-west-1#/findings?search=Id%3D%255Coperator%255C%253AEQUALS%255C%253Aid-1"},
		{"a 1 MiB Region", strings.Repeat("us-east-1", 1<<17), "id-1", "https://console.aws.amazon.com/securityhub/home#/findings"},
		{"a Region that is a host", "evil.example/x?", "id-1", "https://console.aws.amazon.com/securityhub/home#/findings"},
		{"an id longer than ASFF allows", "eu-west-1", strings.Repeat("x", 513), "https://console.aws.amazon.com/securityhub/home#/findings"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := sampleFinding()
			f.Region, f.ID = tc.region, tc.id
			if diff := cmp.Diff(tc.want, New(Opened, f, "").FindingURL()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
