package report

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/iam4-responder/iam4-responder/lambda/internal/textcap"
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

// Attachment is a file to attach to the Jira issue; the Jira sink uploads it after creating
// the issue.
type Attachment struct {
	Name        string
	ContentType string
	Body        []byte
}

// Untrusted values go into text nodes only, made inert, with the code mark at most: never into
// a link mark, and never as markup, so ADF itself keeps them inert. The schema wants a non-empty
// text in every text node: empty ones are dropped, and untrusted values show a dash.
func text(s string) ADF { return ADF{Type: "text", Text: s} }
func code(s string, max int) ADF {
	return ADF{Type: "text", Text: orDash(field(s, max)), Marks: []ADFMark{{Type: "code"}}}
}
func strong(s string) ADF { return ADF{Type: "text", Text: s, Marks: []ADFMark{{Type: "strong"}}} }
func link(label, href string) ADF {
	return ADF{Type: "text", Text: label, Marks: []ADFMark{{Type: "link", Attrs: map[string]any{"href": href}}}}
}
func para(nodes ...ADF) ADF { return ADF{Type: "paragraph", Content: nonEmpty(nodes)} }
func heading(s string) ADF {
	return ADF{Type: "heading", Attrs: map[string]any{"level": 3}, Content: nonEmpty([]ADF{text(s)})}
}
func bullets(items ...ADF) ADF {
	out := ADF{Type: "bulletList"}
	for _, it := range items {
		out.Content = append(out.Content, ADF{Type: "listItem", Content: []ADF{it}})
	}
	return out
}
func codeBlock(s string) ADF {
	return ADF{Type: "codeBlock", Attrs: map[string]any{"language": "json"}, Content: nonEmpty([]ADF{text(s)})}
}

func nonEmpty(nodes []ADF) []ADF {
	out := nodes[:0:0]
	for _, n := range nodes {
		if n.Type != "text" || n.Text != "" {
			out = append(out, n)
		}
	}
	return out
}

// adfDoc collects the blocks of a document up to a size, counted as the runes of the document's
// JSON; once a block does not fit, later ones are left out and counted.
type adfDoc struct {
	blocks  []ADF
	size    int
	max     int
	dropped int
}

func newADFDoc(max int) *adfDoc {
	return &adfDoc{max: max, size: adfSize(ADF{Type: "doc", Version: 1, Content: []ADF{}})}
}

func adfSize(n ADF) int {
	b, _ := json.Marshal(n)
	return utf8.RuneCount(b)
}

// add appends blocks, all or none, if they fit in what is left after reserve.
func (d *adfDoc) add(reserve int, blocks ...ADF) bool {
	if !d.fits(reserve, blocks...) {
		d.dropped += len(blocks)
		return false
	}
	d.must(blocks...)
	return true
}

// fits reports whether blocks fit in what is left after reserve.
func (d *adfDoc) fits(reserve int, blocks ...ADF) bool {
	return d.dropped == 0 && d.size+d.cost(blocks...) <= d.max-reserve
}

func (d *adfDoc) must(blocks ...ADF) {
	d.size += d.cost(blocks...)
	d.blocks = append(d.blocks, blocks...)
}

func (d *adfDoc) cost(blocks ...ADF) int {
	n := 0
	for _, b := range blocks {
		n += adfSize(b) + 1 // the comma
	}
	return n
}

func (d *adfDoc) doc() ADF {
	return ADF{Type: "doc", Version: 1, Content: append([]ADF{}, d.blocks...)}
}

// jiraNoticeReserve is the room kept in the description to say what did not fit.
const jiraNoticeReserve = 1024

// JiraSummary is the one-line summary.
func (r Report) JiraSummary() string {
	return textcap.Runes(r.testMark()+fmt.Sprintf(r.t().titleOpened, orDash(field(r.Account, capAccount))), jiraSummaryMax)
}

// JiraDescription renders the issue body within Jira's 32,767 characters. The draft policies and
// the full evidence are attachments (JiraAttachments); the body shows each policy whole when it
// fits, else its actions as far as they fit and the attachment's name.
func (r Report) JiraDescription() ADF {
	t := r.t()
	f := r.Finding
	account := orDash(field(r.Account, capAccount))
	d := newADFDoc(jiraDescriptionMax)
	var body []ADF
	add := func(n ...ADF) { body = append(body, n...) }
	add(para(text(fmt.Sprintf(t.intro, account, orDash(field(r.severity(f.Severity), capSeverity))))))
	for _, l := range r.ownerLines(field) {
		add(para(text(l)))
	}
	add(para(text(t.unlimited)))
	if ev := r.Evidence; ev != nil {
		a := ev.Advice
		c := jiraLists
		add(para(strong(fmt.Sprintf(t.decision, r.decisionText(string(a.Decision))))))
		add(para(text(fmt.Sprintf(t.shows, r.window(), r.count(int64(ev.AccessKeyCalls), "call"), r.count(int64(ev.ConsoleCalls), "console call"), r.count(int64(ev.SignIns), "sign-in")))))
		for _, l := range r.sourceLines(ev.Sources, func(s string) string { return field(s, capError) }) {
			add(para(text(l)))
		}
		for _, k := range ev.Keys {
			var items []ADF
			ips, more := head(k.SourceIPs, c.addresses)
			for _, ip := range ips {
				where := t.outside
				if ip.InsideAWS {
					where = strings.TrimSpace(t.inside + " " + field(ip.AWSService+" "+ip.AWSRegion, capWhere))
				}
				items = append(items, para(code(string(ip.IP), capAddress), text(fmt.Sprintf(": %d, %s", ip.Calls, where))))
			}
			if more > 0 {
				items = append(items, para(text(fmt.Sprintf(t.moreAddresses, r.count(int64(more), "more address")))))
			}
			uas, more := head(k.UserAgents, c.agents)
			for _, ua := range uas {
				items = append(items, para(text(field(string(ua.Tool), capTool)+": "), code(string(ua.Agent), capAgent), text(fmt.Sprintf(" (%d)", ua.Calls))))
			}
			if more > 0 {
				items = append(items, para(text(fmt.Sprintf(t.moreAgents, r.count(int64(more), "more user agent")))))
			}
			acts, more := head(k.Actions, c.actions)
			for _, act := range acts {
				items = append(items, para(code(act.Action, capAction), text(fmt.Sprintf(": %d", act.Calls))))
			}
			if more > 0 {
				items = append(items, para(text(fmt.Sprintf(t.moreActions, r.count(int64(more), "more action")))))
			}
			add(heading(fmt.Sprintf(t.key, field(k.ID, capKey), r.count(int64(k.Calls), "call"), k.Errors, day(k.FirstUse), day(k.LastUse))))
			if len(items) > 0 {
				add(bullets(items...))
			}
			// The chart is a code span, so that Jira shows it in a monospaced font: the line is
			// rendered around a mark that no escaped value can hold, and split there.
			if al := r.activityLines(k, sparkWide, c.addresses, func(s string) string { return field(s, capAddress) },
				func(s string) string { return chartMark + s + chartMark }); len(al) > 0 {
				var rows []ADF
				for _, l := range al[1:] {
					rows = append(rows, chartPara(l))
				}
				add(para(text(al[0])), bullets(rows...))
			}
		}
		for _, cn := range a.Cautions {
			add(para(text(fmt.Sprintf(t.caution, field(r.msg(cn), capCaution)))))
		}
		if cl := r.containmentLines(func(s string) string { return field(s, capCaution) }); len(cl) > 0 {
			var items []ADF
			for _, l := range cl[1:] {
				items = append(items, para(text(strings.TrimSpace(l))))
			}
			add(heading(cl[0]))
			if len(items) > 0 {
				add(bullets(items...))
			}
		}
		if len(a.Steps) > 0 {
			add(heading(t.todo))
			var steps []ADF
			for _, st := range a.Steps {
				title, detail := r.stepText(st, st.Callers, c.callers, func(s string) string { return field(s, capAddress) })
				steps = append(steps, para(strong(field(st.ID, capKey)+" "+title+": "), text(detail)))
			}
			add(bullets(steps...))
		}
	} else {
		add(para(text(fmt.Sprintf(t.noEvidence, orDash(field(r.EvidenceError, capError))))))
		var steps []ADF
		for _, s := range t.byHandSteps {
			steps = append(steps, para(text(s)))
		}
		add(bullets(steps...))
	}
	footer := []ADF{
		para(text(t.account+": "), code(r.Account, capAccount), text(" "+t.region+": "), code(f.Region, capRegion)),
		para(text(t.finding+": "), code(f.ID, capFindID)),
		para(link(t.findingLink, r.FindingURL()), text(" · "), link(t.credentialsLink, r.CredentialsURL()),
			text(" · "), link(r.say("link.event_history", nil), r.EventHistoryURL())),
	}
	reserve := d.cost(footer...) + jiraNoticeReserve
	for _, n := range body {
		d.add(reserve, n)
	}
	if r.Evidence != nil {
		r.jiraPolicies(d, reserve)
	}
	if d.dropped > 0 {
		d.must(para(text(fmt.Sprintf(t.moreLines, r.count(int64(d.dropped), "more line")))))
	}
	if names := r.jiraAttachmentNames(); len(names) > 0 {
		d.must(para(text(fmt.Sprintf(t.attached, strings.Join(names, ", ")))))
	}
	d.must(footer...)
	return d.doc()
}

// jiraPolicies shows each draft policy whole when it fits, else as many of its actions as fit
// and the name of the attachment that holds it whole.
func (r Report) jiraPolicies(d *adfDoc, reserve int) {
	t := r.t()
	policies := r.policies()
	for _, p := range policies {
		if d.dropped > 0 {
			return // the body did not fit either: the policies are in the attachments
		}
		title := t.policy
		if p.Title != "" {
			title += " " + p.Title
		}
		var notes []ADF
		for _, n := range p.Notes {
			notes = append(notes, para(text(fmt.Sprintf(t.note, n))))
		}
		if len(p.raw) == 0 {
			if p.Title != "" {
				d.add(reserve, heading(title))
			}
			d.add(reserve, notes...)
			continue
		}
		doc := p.JSON()
		// A document's JSON is never shorter than its text: skip measuring what cannot fit.
		if utf8.RuneCount(doc) < d.max-d.size-reserve {
			if whole := append([]ADF{heading(title), codeBlock(string(doc))}, notes...); d.fits(reserve, whole...) {
				d.must(whole...)
				continue
			}
		}
		actions := policyActions(doc)
		room := d.max - reserve - d.size - d.cost(heading(title), codeBlock(""), para(text(fmt.Sprintf(t.morePolicy, r.count(int64(len(actions)), "more action"), policyFile(p)))))
		var shown []string
		used := 0
		for _, a := range actions {
			n := utf8.RuneCountInString(a) + 8 // the line break and JSON escaping of a few characters
			if used+n > room {
				break
			}
			shown = append(shown, field(a, capAction)) // decoding undid the JSON escapes
			used += n
		}
		blocks := []ADF{heading(title)}
		if len(shown) > 0 {
			blocks = append(blocks, codeBlock(strings.Join(shown, "\n")))
		}
		blocks = append(blocks, para(text(fmt.Sprintf(t.morePolicy, r.count(int64(len(actions)-len(shown)), "more action"), policyFile(p)))))
		d.add(reserve, blocks...)
		d.add(reserve, notes...)
	}
}

func policyFile(p draftPolicy) string { return "policy-" + p.Group + ".json" }

// JiraAttachments are the files the Jira issue carries: every draft policy whole
// (policy-<group>.json) and the full evidence (evidence.json), all made inert.
func (r Report) JiraAttachments() []Attachment {
	if r.Kind != Opened || r.Evidence == nil {
		return nil
	}
	var out []Attachment
	for _, p := range r.policies() {
		if len(p.raw) > 0 {
			out = append(out, Attachment{Name: policyFile(p), ContentType: "application/json", Body: append(p.JSON(), '\n')})
		}
	}
	return append(out, Attachment{Name: evidenceFile, ContentType: "application/json", Body: append(r.evidenceJSON(), '\n')})
}

const evidenceFile = "evidence.json"

// jiraAttachmentNames are the names of JiraAttachments, without rendering them.
func (r Report) jiraAttachmentNames() []string {
	if r.Kind != Opened || r.Evidence == nil {
		return nil
	}
	var out []string
	for _, p := range r.policies() {
		if len(p.raw) > 0 {
			out = append(out, policyFile(p))
		}
	}
	return append(out, evidenceFile)
}

// JiraResolution renders the comment that closes the issue.
func (r Report) JiraResolution() ADF {
	t := r.t()
	return ADF{Type: "doc", Version: 1, Content: []ADF{
		para(text(fmt.Sprintf(t.resolvedIntro, orDash(field(r.Account, capAccount)), orDash(field(r.resolvedReason(r.Reason), capReason))))),
		para(link(t.findingLink, r.FindingURL())),
	}}
}

// chartMark brackets a chart inside a rendered line; field turns every control character of a
// value into a space, so only the renderer can put it there.
const chartMark = "\x00"

// chartPara renders a line whose chart is bracketed by chartMark, the chart as code.
func chartPara(line string) ADF {
	parts := strings.Split(line, chartMark)
	var nodes []ADF
	for i, p := range parts {
		if i%2 == 1 {
			nodes = append(nodes, code(p, sparkWide))
			continue
		}
		nodes = append(nodes, text(p))
	}
	return para(nodes...)
}
