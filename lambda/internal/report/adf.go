package report

import (
	"fmt"
	"strings"
)

// ADF is an Atlassian Document Format node (Jira Cloud REST API v3).
type ADF struct {
	Type    string         `json:"type"`
	Version int            `json:"version,omitempty"`
	Text    string         `json:"text,omitempty"`
	Attrs   map[string]any `json:"attrs,omitempty"`
	Marks   []ADFMark      `json:"marks,omitempty"`
	Content []ADF          `json:"content,omitempty"`
}

// ADFMark formats a text node.
type ADFMark struct {
	Type  string         `json:"type"`
	Attrs map[string]any `json:"attrs,omitempty"`
}

// Untrusted values go into text nodes only, with the code mark at most: never into a link mark,
// and never as markup, so ADF itself keeps them inert.
func text(s string) ADF { return ADF{Type: "text", Text: s} }
func code(s string, max int) ADF {
	return ADF{Type: "text", Text: plain(s, max), Marks: []ADFMark{{Type: "code"}}}
}
func strong(s string) ADF { return ADF{Type: "text", Text: s, Marks: []ADFMark{{Type: "strong"}}} }
func link(label, href string) ADF {
	return ADF{Type: "text", Text: label, Marks: []ADFMark{{Type: "link", Attrs: map[string]any{"href": href}}}}
}
func para(nodes ...ADF) ADF { return ADF{Type: "paragraph", Content: nodes} }
func heading(s string) ADF {
	return ADF{Type: "heading", Attrs: map[string]any{"level": 3}, Content: []ADF{text(s)}}
}
func bullets(items ...ADF) ADF {
	out := ADF{Type: "bulletList"}
	for _, it := range items {
		out.Content = append(out.Content, ADF{Type: "listItem", Content: []ADF{it}})
	}
	return out
}

// JiraSummary is the one-line summary (Jira allows 255 characters).
func (r Report) JiraSummary() string { return fmt.Sprintf(r.t().titleOpened, r.Account) }

// JiraDescription renders the issue body.
func (r Report) JiraDescription() ADF {
	t := r.t()
	f := r.Finding
	doc := ADF{Type: "doc", Version: 1}
	add := func(n ...ADF) { doc.Content = append(doc.Content, n...) }
	add(para(text(fmt.Sprintf(t.intro, r.Account, plain(r.severity(f.Severity), 20)))), para(text(t.unlimited)))
	if ev := r.Evidence; ev != nil {
		a := ev.Advice
		add(para(strong(fmt.Sprintf(t.decision, r.decisionText(string(a.Decision))))))
		window := t.windowLogs
		if !ev.WindowStart.IsZero() {
			window = fmt.Sprintf(t.window, ev.WindowStart.Format("2006-01-02"), ev.WindowEnd.Format("2006-01-02"))
		}
		add(para(text(fmt.Sprintf(t.shows, window, ev.AccessKeyCalls, ev.ConsoleCalls, ev.SignIns))))
		for _, k := range ev.Keys {
			var items []ADF
			for i, ip := range k.SourceIPs {
				if i == 10 {
					items = append(items, para(text(fmt.Sprintf(t.moreAddresses, len(k.SourceIPs)-10))))
					break
				}
				where := t.outside
				if ip.InsideAWS {
					where = strings.TrimSpace(t.inside + " " + plain(ip.AWSService+" "+ip.AWSRegion, 60))
				}
				items = append(items, para(code(string(ip.IP), 64), text(fmt.Sprintf(": %d, %s", ip.Calls, where))))
			}
			for i, ua := range k.UserAgents {
				if i == 5 {
					break
				}
				items = append(items, para(text(string(ua.Tool)+": "), code(string(ua.Agent), 200), text(fmt.Sprintf(" (%d)", ua.Calls))))
			}
			for i, act := range k.Actions {
				if i == 15 {
					items = append(items, para(text(fmt.Sprintf(t.moreActions, len(k.Actions)-15))))
					break
				}
				items = append(items, para(code(act.Action, 80), text(fmt.Sprintf(": %d", act.Calls))))
			}
			add(heading(fmt.Sprintf(t.key, k.ID, k.Calls, k.Errors, k.FirstUse.Format("2006-01-02"), k.LastUse.Format("2006-01-02"))))
			if len(items) > 0 {
				add(bullets(items...))
			}
		}
		for _, c := range a.Cautions {
			add(para(text(fmt.Sprintf(t.caution, plain(r.msg(c), 400)))))
		}
		if cl := r.containmentLines(func(s string) string { return plain(s, 400) }); len(cl) > 0 {
			var items []ADF
			for _, l := range cl[1:] {
				items = append(items, para(text(strings.TrimSpace(l))))
			}
			add(heading(cl[0]))
			if len(items) > 0 {
				add(bullets(items...))
			}
		}
		add(heading(t.todo))
		var steps []ADF
		for _, st := range a.Steps {
			title, detail := r.stepText(st, st.Callers, func(s string) string { return plain(s, 64) })
			steps = append(steps, para(strong(st.ID+" "+title+": "), text(detail)))
		}
		add(bullets(steps...))
		add(heading(t.policy))
		for _, pb := range r.policyBlocks(a.Policies, func(s string) string { return plain(s, 300) }) {
			if pb.title != "" {
				add(para(strong(pb.title)))
			}
			if pb.policy != "" {
				add(ADF{Type: "codeBlock", Attrs: map[string]any{"language": "json"}, Content: []ADF{text(pb.policy)}})
			}
			for _, n := range pb.notes {
				add(para(text(fmt.Sprintf(t.note, n))))
			}
		}
	} else {
		add(para(text(fmt.Sprintf(t.noEvidence, plain(orDash(r.EvidenceError), 300)))))
		var steps []ADF
		for _, s := range t.byHandSteps {
			steps = append(steps, para(text(s)))
		}
		add(bullets(steps...))
	}
	add(para(text(t.account+": "), code(r.Account, 20), text(" "+t.region+": "), code(orDash(f.Region), 40)),
		para(text(t.finding+": "), code(f.ID, 512)),
		para(link(t.findingLink, r.FindingURL()), text(" · "), link(t.credentialsLink, r.CredentialsURL())))
	return doc
}

// JiraResolution renders the comment that closes the issue.
func (r Report) JiraResolution() ADF {
	return ADF{Type: "doc", Version: 1, Content: []ADF{
		para(text(fmt.Sprintf(r.t().resolvedIntro, r.Account, plain(r.resolvedReason(r.Reason), 200)))),
		para(link(r.t().findingLink, r.FindingURL())),
	}}
}
