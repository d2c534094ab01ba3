package report

import (
	"encoding/json"

	"fmt"
	"strings"
	"testing"

	"github.com/iam4-responder/iam4-responder/lambda/internal/advice"
	"github.com/iam4-responder/iam4-responder/lambda/internal/contain"
	"github.com/iam4-responder/iam4-responder/lambda/internal/evidence"
	"github.com/iam4-responder/iam4-responder/lambda/internal/investigation"
	"github.com/iam4-responder/iam4-responder/lambda/internal/route"
)

// partialEvidence is the sample's account read live with holes: a Region throttled for part of
// the window, and a credential report slot used in a way CloudTrail does not explain.
func partialEvidence(ev investigation.Result) investigation.Result {
	now := ev.WindowEnd
	used := now.AddDate(0, 0, -1) // a day after the last call CloudTrail shows
	inv := evidence.Inventory{KeysPresent: true, Report: &evidence.RootReport{Keys: []evidence.ReportKey{
		{Slot: 2, Active: true, LastUsed: &used, LastUsedRegion: "eu-central-1", LastUsedService: "s3"}}}}
	cov := evidence.Coverage{Start: ev.WindowStart, End: now,
		Regions: []evidence.RegionCoverage{{Region: "us-east-1"}, {Region: "ap-northeast-1"}},
		Gaps:    []evidence.Gap{{Region: "ap-northeast-1", From: now.AddDate(0, 0, -90), To: now.AddDate(0, 0, -60), Reason: "ThrottlingException: Rate exceeded"}}}
	ev.Inventory, ev.Coverage, ev.Partial = &inv, &cov, true
	ev.Advice = advice.Advise(advice.Input{Usage: ev.Summary, Inventory: inv, Coverage: cov, Now: now})
	return ev
}

// unusedEvidence is an account whose only key was never used, read completely.
func unusedEvidence(ev investigation.Result) investigation.Result {
	now := ev.WindowEnd
	rotated := now.AddDate(-1, 0, 0)
	inv := evidence.Inventory{KeysPresent: true, Report: &evidence.RootReport{Keys: []evidence.ReportKey{{Slot: 1, Active: true, LastRotated: &rotated}}}}
	cov := evidence.Coverage{Start: now.Add(-evidence.MaxLookback), End: now, Regions: []evidence.RegionCoverage{{Region: "us-east-1"}}}
	ev.Summary = evidence.Summary{}
	ev.Inventory, ev.Coverage = &inv, &cov
	ev.Advice = advice.Advise(advice.Input{Inventory: inv, Coverage: cov, Now: now})
	return ev
}

// reports returns the three situations every channel renders: a case opened with evidence, one
// opened without (the evidence failed), and a resolution.
func reports(t *testing.T, lang Lang, agent string) map[string]Report {
	// Organizations names the account, its OUs and the tags the settings chose.
	withEvidence := New(Opened, sampleFinding(), "").WithOwner(sampleOwner())
	ev := sampleEvidence(t, agent)
	withEvidence.Evidence = &ev
	// Without Organizations, the ticket names the account id alone.
	noEvidence := New(Opened, sampleFinding(), "")
	noEvidence.EvidenceError = "the finding is about account 111122223333 and the function runs in 444455556666"
	// Organizations says nothing: the finding's AwsAccountName names the account.
	named := sampleFinding()
	named.AccountName = "payments-prod"
	resolved := New(Resolved, named, "control passed").WithOwner(route.Account{ID: "111122223333"})
	contained := withEvidence
	contained.Containment = &contain.Outcome{Mode: contain.DeleteUnused, Account: "111122223333",
		Keys: []string{"AKIA…0001", "AKIA…0002"}, Actions: []contain.Action{
			{Key: "AKIA…0002", Do: "deleted", Code: string(advice.UsedBeforeLookback), Why: advice.Msg(contain.WhyUnusedBefore,
				"verdict", string(advice.UsedBeforeLookback), "days", "90", "regions", "17", "slot", "2", "last_used", "2026-05-13")},
			{Key: "AKIA…0001", Do: "kept", Code: string(advice.UsedSeen), Why: advice.Msg(contain.WhyUsedSeen, "calls", "33", "days", "90")},
		}}
	refused := withEvidence
	refused.Containment = &contain.Outcome{Mode: contain.DryRun, Account: "111122223333",
		Refused: contain.RefusedNotProven, RefusedError: `Security Hub holds the finding with Workflow.Status "SUPPRESSED"`}
	partial := withEvidence
	pev := partialEvidence(ev)
	partial.Evidence = &pev
	unused := withEvidence
	uev := unusedEvidence(ev)
	unused.Evidence = &uev
	out := map[string]Report{"opened": withEvidence, "opened-no-evidence": noEvidence, "resolved": resolved,
		"opened-contained": contained, "opened-partial": partial, "opened-unused": unused, "opened-contain-refused": refused}
	for k, r := range out {
		r.Lang = lang
		out[k] = r
	}
	return out
}

func pretty(t *testing.T, v any) string {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b) + "\n"
}

// TestChannelsGolden renders every channel in every language; the golden files under testdata/
// are what each audience reads (go test -update rewrites them).
func TestChannelsGolden(t *testing.T) {
	for _, lang := range []Lang{English, Japanese} {
		for name, r := range reports(t, lang, "") {
			base := fmt.Sprintf("%s-%s", name, lang)
			t.Run(base, func(t *testing.T) {
				subject, body := r.Email()
				golden(t, "email-"+base+".txt", "Subject: "+subject+"\n\n"+body)
				var chat any
				if err := json.Unmarshal(r.Chat(), &chat); err != nil {
					t.Fatalf("chat JSON: %v", err)
				}
				golden(t, "chat-"+base+".json", pretty(t, chat))
				golden(t, "securityhub-note-"+base+".txt", r.SecurityHubNote(map[string]string{"jira": "SEC-42", "opsitem": "oi-1a2b3c4d5e6f"})+"\n")
				if r.Kind == Opened {
					validADF(t, "description", r.JiraDescription())
					golden(t, "jira-"+base+".json", pretty(t, map[string]any{"summary": r.JiraSummary(), "description": r.JiraDescription()}))
					item := r.OpsItem()
					markdownLinks(t, item.Description, 3)
					golden(t, "opsitem-"+base+".json", pretty(t, r.OpsItem()))
				} else {
					validADF(t, "resolution", r.JiraResolution())
					golden(t, "jira-"+base+".json", pretty(t, r.JiraResolution()))
					golden(t, "opsitem-"+base+".txt", r.OpsResolution()+"\n")
				}
			})
		}
	}
}

// sampleOwner is what Organizations says of the sample's account: a name, two levels of OUs and
// the tags the settings chose.
func sampleOwner() route.Account {
	return route.Account{ID: "111122223333", Name: "payments-prod",
		OUs:  []route.OU{{ID: "ou-ab12-workload1", Name: "Workloads"}, {ID: "ou-ab12-paymnts1", Name: "Payments"}},
		Tags: map[string]string{"owner": "payments-oncall@example.com", "team": "payments"}}
}

// hostile is a user agent a key holder could send: mentions, markdown, a link, HTML, control
// characters and a terminal escape, far longer than any cap.
const hostile = "@here <!channel> *bold* _it_ [click](https://evil.example) <https://evil.example|x> `code` " +
	"<script>alert(1)</script>\r\nBcc: victim@example.com\x1b[2J\u202eevil" + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

func TestChannelsKeepHostileUserAgentsInert(t *testing.T) {
	r := reports(t, English, hostile)["opened"]

	_, body := r.Email()
	for _, bad := range []string{"\r", "\x1b", "\u202e", "\nBcc:"} {
		if strings.Contains(body, bad) {
			t.Errorf("e-mail carries %q", bad)
		}
	}

	var chat chatNotification
	if err := json.Unmarshal(r.Chat(), &chat); err != nil {
		t.Fatal(err)
	}
	all := chat.Content.Title + chat.Content.Description + strings.Join(chat.Content.NextSteps, "\n")
	for _, bad := range []string{"@here", "<!channel>", "<https://evil", "[click](", "\x1b"} {
		if strings.Contains(all, bad) {
			t.Errorf("chat notification carries %q", bad)
		}
	}

	// ADF: the agent may only appear in text nodes, never in a link mark's href.
	var walk func(n ADF)
	walk = func(n ADF) {
		for _, m := range n.Marks {
			if m.Type == "link" && strings.Contains(fmt.Sprint(m.Attrs["href"]), "evil") {
				t.Errorf("ADF link to %v", m.Attrs["href"])
			}
		}
		if n.Type != "text" && n.Text != "" {
			t.Errorf("text outside a text node: %q", n.Text)
		}
		if strings.ContainsAny(n.Text, "\r\x1b") {
			t.Errorf("ADF text carries control characters: %q", n.Text)
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(r.JiraDescription())

	item := r.OpsItem()
	if len([]rune(item.Description)) > opsDescriptionMax || strings.Contains(item.Description, "\x1b") {
		t.Errorf("OpsItem description: %d runes", len([]rune(item.Description)))
	}
	note := r.SecurityHubNote(map[string]string{"jira": hostile})
	if len([]rune(note)) > noteMax || strings.ContainsAny(note, "\r\n\x1b") {
		t.Errorf("Security Hub note: %d runes: %q", len([]rune(note)), note)
	}
}

func TestParseLang(t *testing.T) {
	for in, want := range map[string]Lang{"": English, "en": English, "JA": Japanese} {
		if got, err := ParseLang(in); err != nil || got != want {
			t.Errorf("ParseLang(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseLang("fr"); err == nil {
		t.Error("fr accepted")
	}
}
