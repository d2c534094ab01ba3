package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iam4-responder/iam4-responder/lambda/internal/investigation"
)

// channelTexts renders r in every channel and returns each as plain text: JSON decoded, ADF
// text nodes joined per block, Markdown escapes removed, so a test can look for a sentence.
func channelTexts(t *testing.T, r Report) map[string]string {
	t.Helper()
	out := map[string]string{}
	subject, body := r.Email()
	out["email"] = subject + "\n" + body
	var chat chatNotification
	if err := json.Unmarshal(r.Chat(), &chat); err != nil {
		t.Fatal(err)
	}
	out["chat"] = chat.Content.Title + "\n" + chat.Metadata.Summary + "\n" + chat.Content.Description
	var jira strings.Builder
	jira.WriteString(r.JiraSummary() + "\n")
	var walk func(ADF)
	walk = func(n ADF) {
		jira.WriteString(n.Text)
		for _, c := range n.Content {
			walk(c)
		}
		if n.Type == "paragraph" || n.Type == "heading" {
			jira.WriteString("\n")
		}
	}
	walk(r.JiraDescription())
	out["jira"] = jira.String()
	ops := r.OpsItem()
	out["opsitem"] = ops.Title + "\n" + strings.NewReplacer(`\`, "", "`", "").Replace(ops.Description)
	out["note"] = r.SecurityHubNote(map[string]string{"jira": "SEC-1"})
	if r.Evidence != nil {
		var term bytes.Buffer
		if err := Terminal(&term, *r.Evidence, r.Lang); err != nil {
			t.Fatal(err)
		}
		out["terminal"] = term.String()
	}
	return out
}

func TestEveryChannelSaysWhichSourceCoveredWhichDates(t *testing.T) {
	end := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	tail := end.Add(-15 * time.Minute)
	athenaRead := investigation.Source{Name: "athena", From: end.AddDate(-1, 0, 0), To: tail, DataEvents: true, Read: true,
		Detail: "table cloudtrail_logs, query 7f3c", DataEventCalls: 42}
	athenaFailed := investigation.Source{Name: "athena", From: end.AddDate(-1, 0, 0), To: tail, DataEvents: true,
		Detail: "table cloudtrail_logs: AccessDeniedException"}
	tests := []struct {
		name    string
		lang    Lang
		sources []investigation.Source
		want    []string // each in every channel
		note    bool     // whether the Security Hub note has room for them too
	}{
		{
			name: "Athena for the year, event history for the tail", lang: English,
			sources: []investigation.Source{athenaRead, {Name: "lookup-events", From: tail, To: end, Read: true}},
			want: []string{
				"Source: Athena over the organization trail, management and data events (42 root data-event calls), 2025-06-01 to 2026-06-01.",
				"Source: CloudTrail event history, management events only (no S3 object or other data events), 2026-06-01 08:45 UTC to 2026-06-01 09:00 UTC.",
			},
		},
		{
			name: "Athena failed: a gap, and event history for 90 days", lang: English,
			sources: []investigation.Source{athenaFailed, {Name: "lookup-events", From: end.AddDate(0, 0, -90), To: end, Read: true}},
			want: []string{
				"Gap: Athena (organization trail) was not read from 2025-06-01 to 2026-06-01 (",
				"AccessDeniedException",
				"Source: CloudTrail event history, management events only (no S3 object or other data events), 2026-03-03 to 2026-06-01.",
			},
		},
		{
			name: "event history alone, in Japanese", lang: Japanese,
			sources: []investigation.Source{{Name: "lookup-events", From: end.AddDate(0, 0, -90), To: end, Read: true}},
			want:    []string{"証跡の出典: CloudTrail イベント履歴 (管理イベントのみ。S3 オブジェクト操作などのデータイベントは含まれません) 2026-03-03 から 2026-06-01。"},
			note:    true,
		},
		{
			name: "Athena for the year, in Japanese", lang: Japanese,
			sources: []investigation.Source{athenaRead},
			want:    []string{"証跡の出典: Athena (組織の証跡、管理イベントとデータイベント、ルートのデータイベント 42 件) 2025-06-01 から 2026-06-01。"},
			note:    true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := reports(t, tt.lang, "")["opened"]
			ev := *r.Evidence
			ev.Sources = tt.sources
			r.Evidence = &ev
			for channel, text := range channelTexts(t, r) {
				if channel == "note" && !tt.note {
					continue
				}
				for _, w := range tt.want {
					if !strings.Contains(text, w) {
						t.Errorf("%s lacks %q:\n%s", channel, w, text)
					}
				}
			}
			if n := len([]rune(r.SecurityHubNote(map[string]string{"jira": "SEC-1"}))); n > noteMax {
				t.Errorf("note is %d characters", n)
			}
		})
	}
}

func TestNoSourcesNoLine(t *testing.T) {
	r := reports(t, English, "")["opened"]
	for channel, text := range channelTexts(t, r) {
		if strings.Contains(text, "Source:") || strings.Contains(text, "Gap:") {
			t.Errorf("%s names a source the evidence does not:\n%s", channel, text)
		}
	}
}

func TestSmokeTestTicketsSayTestInEveryTitle(t *testing.T) {
	for _, lang := range []Lang{English, Japanese} {
		for _, situation := range []string{"opened", "resolved", "opened-no-evidence"} {
			t.Run(string(lang)+" "+situation, func(t *testing.T) {
				r := reports(t, lang, "")[situation]
				r.Finding.Test = true
				mark := map[Lang]string{English: "[TEST] ", Japanese: "[テスト] "}[lang]
				subject, _ := r.Email()
				var chat chatNotification
				if err := json.Unmarshal(r.Chat(), &chat); err != nil {
					t.Fatal(err)
				}
				got := map[string]bool{
					"email subject": strings.HasPrefix(subject, "[TEST] "),
					"chat title":    strings.Contains(chat.Content.Title, ": "+mark),
					"chat summary":  strings.HasPrefix(chat.Metadata.Summary, mark),
				}
				if r.Kind == Opened {
					got["opsitem title"] = strings.HasPrefix(r.OpsItem().Title, mark)
					got["jira summary"] = strings.HasPrefix(r.JiraSummary(), mark)
				}
				want := map[string]bool{}
				for k := range got {
					want[k] = true
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("marked as a test (-want +got):\n%s", diff)
				}
				r.Finding.Test = false
				if s, _ := r.Email(); strings.Contains(s, "TEST") {
					t.Errorf("a real finding's subject says test: %s", s)
				}
			})
		}
	}
}
