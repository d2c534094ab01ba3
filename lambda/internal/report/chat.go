package report

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Chat renders the custom notification of Amazon Q Developer in chat applications (Slack,
// Microsoft Teams): the "custom" source schema of its administrator guide, with client-markdown
// text. Untrusted values are shown as inline code, so neither markdown, links nor mentions in
// them take effect.
func (r Report) Chat() []byte {
	t := r.t()
	f := r.Finding
	n := chatNotification{Version: "1.0", Source: "custom"}
	n.Content.TextType = "client-markdown"
	n.Metadata.ThreadID = chatText("iam4-" + r.Account)
	n.Metadata.EventType = "IAM4RootAccessKey"
	n.Metadata.RelatedResources = []string{"arn:" + r.Partition + ":iam::" + r.Account + ":root"}
	n.Metadata.AdditionalContext = map[string]string{"account": r.Account, "region": chatText(f.Region)}
	if r.Kind == Resolved {
		n.Content.Title = ":white_check_mark: " + fmt.Sprintf(t.titleResolved, r.Account)
		n.Content.Description = fmt.Sprintf(t.resolvedIntro, r.Account, chatCode(r.resolvedReason(r.Reason), 120))
		n.Metadata.Summary = fmt.Sprintf(t.titleResolved, r.Account)
		n.Content.Keywords = []string{"IAM.4", "resolved"}
		return mustJSON(n)
	}
	n.Content.Title = ":rotating_light: " + fmt.Sprintf(t.titleOpened, r.Account)
	n.Metadata.Summary = fmt.Sprintf(t.titleOpened, r.Account)
	n.Content.Keywords = []string{"IAM.4", chatText(r.severity(f.Severity))}
	desc := []string{fmt.Sprintf(t.intro, r.Account, chatCode(r.severity(f.Severity), 20)), t.unlimited}
	if ev := r.Evidence; ev != nil {
		desc = append(desc, fmt.Sprintf(t.decision, "*"+r.decisionText(string(ev.Advice.Decision))+"*"))
		for _, k := range ev.Keys {
			var from []string
			for i, ip := range k.SourceIPs {
				if i == 3 {
					break
				}
				where := t.outside
				if ip.InsideAWS {
					where = t.inside
				}
				from = append(from, chatCode(string(ip.IP), 64)+" ("+where+")")
			}
			desc = append(desc, fmt.Sprintf(t.key, chatCode(k.ID, 20), k.Calls, k.Errors,
				k.FirstUse.Format("2006-01-02"), k.LastUse.Format("2006-01-02"))+": "+strings.Join(from, ", "))
		}
		if cl := r.containmentLines(func(s string) string { return chatCode(s, 200) }); len(cl) > 0 {
			desc = append(desc, cl...)
		}
		for _, st := range ev.Advice.Steps {
			title, _ := r.stepText(st, st.Callers, func(s string) string { return chatCode(s, 64) })
			n.Content.NextSteps = append(n.Content.NextSteps, st.ID+" "+title)
		}
	} else {
		desc = append(desc, fmt.Sprintf(t.noEvidence, chatCode(orDash(r.EvidenceError), 200)))
		n.Content.NextSteps = t.byHandSteps[:]
	}
	n.Content.NextSteps = append(n.Content.NextSteps, "<"+r.FindingURL()+"|"+t.findingLink+">")
	n.Content.Description = strings.Join(desc, "\n")
	return mustJSON(n)
}

type chatNotification struct {
	Version string `json:"version"`
	Source  string `json:"source"`
	Content struct {
		TextType    string   `json:"textType"`
		Title       string   `json:"title"`
		Description string   `json:"description"`
		NextSteps   []string `json:"nextSteps,omitempty"`
		Keywords    []string `json:"keywords,omitempty"`
	} `json:"content"`
	Metadata struct {
		ThreadID          string            `json:"threadId"`
		Summary           string            `json:"summary"`
		EventType         string            `json:"eventType"`
		RelatedResources  []string          `json:"relatedResources"`
		AdditionalContext map[string]string `json:"additionalContext"`
	} `json:"metadata"`
}

// chatText strips an untrusted value to inert plain characters for chat markdown: no control
// characters, none of the characters that open markdown, links or mentions.
func chatText(s string) string {
	s = plain(s, 200)
	return strings.Map(func(r rune) rune {
		switch r {
		case '<', '>', '&', '*', '_', '~', '`', '[', ']', '(', ')', '|', '@', '#', '!', ':':
			return '·'
		}
		return r
	}, s)
}

// chatCode shows an untrusted value as inline code: inside a code span markdown and mentions are
// not interpreted, and a backtick, which could close the span, is replaced; angle brackets and
// ampersands, which Slack reads even there, are escaped; an at sign gets a zero-width joiner so
// that no client links a mention.
func chatCode(s string, max int) string {
	s = plain(s, max)
	s = strings.NewReplacer("`", "ˋ", "&", "&amp;", "<", "&lt;", ">", "&gt;", "@", "@\u200d").Replace(s)
	return "`" + s + "`"
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only plain structs of strings are rendered
	}
	return b
}
