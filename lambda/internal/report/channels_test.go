package report

import (
	"encoding/json"

	"fmt"
	"strings"
	"testing"

	"github.com/iam4-responder/iam4-responder/lambda/internal/contain"
)

// reports returns the three situations every channel renders: a case opened with evidence, one
// opened without (the evidence failed), and a resolution.
func reports(t *testing.T, lang Lang, agent string) map[string]Report {
	withEvidence := New(Opened, sampleFinding(), "")
	ev := sampleEvidence(t, agent)
	withEvidence.Evidence = &ev
	noEvidence := New(Opened, sampleFinding(), "")
	noEvidence.EvidenceError = "the finding is about account 111122223333 and the function runs in 444455556666"
	resolved := New(Resolved, sampleFinding(), "control passed")
	contained := withEvidence
	contained.Containment = &contain.Outcome{Mode: contain.DeleteUnused, Account: "111122223333",
		Keys: []string{"AKIA…0001", "AKIA…0002"}, Actions: []contain.Action{
			{Key: "AKIA…0002", Do: "deleted", Why: "no call in 90 days across 17 Regions (re-checked by key id just now); credential report: slot 2 last used 2026-05-13"},
			{Key: "AKIA…0001", Do: "kept", Why: "33 calls in the window: replace its callers first"},
		}}
	out := map[string]Report{"opened": withEvidence, "opened-no-evidence": noEvidence, "resolved": resolved,
		"opened-contained": contained}
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
					markdownLinks(t, item.Description, 2)
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
