package report

import (
	"encoding/json"
	"fmt"
	"strings"
)

// emailNoticeReserve is the room kept at the end of the e-mail to say what did not fit.
const emailNoticeReserve = 1024

// Email renders the plain-text e-mail sent through SNS: the case, the checklist, the links, and
// at the end every draft policy and the full evidence, as far as SNS's 256 KB allow (what does
// not fit is named). Subjects stay ASCII and English in every language (SNS's subject rules).
func (r Report) Email() (subject, body string) {
	t := r.t()
	f := r.Finding
	b := byteBudget(snsMessageMaxBytes)
	var lines []string
	line := func(format string, args ...any) { lines = append(lines, fmt.Sprintf(format, args...)) }
	account := orDash(field(r.Account, capAccount))
	switch r.Kind {
	case Resolved:
		subject = r.asciiTestMark() + fmt.Sprintf(catalog[English].subjectResolved, account)
		line(t.resolvedIntro, account, field(r.resolvedReason(r.Reason), capReason))
		lines = append(lines, r.ownerLines(field)...)
		line("")
	default:
		subject = r.asciiTestMark() + fmt.Sprintf(catalog[English].subjectOpened, account)
		line(t.intro, account, orDash(field(r.severity(f.Severity), capSeverity)))
		lines = append(lines, r.ownerLines(field)...)
		line("%s", t.unlimited)
		line("")
		lines = append(lines, r.emailEvidence()...)
	}
	footer := []string{
		fmt.Sprintf("%s:  %s", t.account, account),
		fmt.Sprintf("%s:  %s", t.region, orDash(field(f.Region, capRegion))),
		fmt.Sprintf("%s:  %s", t.finding, orDash(field(f.ID, capFindID))),
		fmt.Sprintf("%s:  %s", t.control, orDash(field(f.Control, capControl))),
		"",
		fmt.Sprintf("%s:  %s", t.findingLink, r.FindingURL()),
		fmt.Sprintf("%s: %s", t.credentialsLink, r.CredentialsURL()),
		fmt.Sprintf("%s: %s", r.say("link.event_history", nil), r.EventHistoryURL()),
	}
	reserve := b.cost(footer...) + emailNoticeReserve
	for _, l := range lines {
		b.add(l, reserve)
	}
	if b.dropped > 0 {
		b.must(fmt.Sprintf(t.moreLines, r.count(int64(b.dropped), "more line")))
		b.must("")
	}
	for _, l := range footer {
		b.must(l)
	}
	if r.Kind == Opened {
		r.emailAppendix(b)
	}
	return asciiSubject(subject), b.String() + "\n"
}

// emailEvidence writes what the investigation found and the checklist, or the plain runbook
// when there is no evidence.
func (r Report) emailEvidence() []string {
	t := r.t()
	var lines []string
	line := func(format string, args ...any) { lines = append(lines, fmt.Sprintf(format, args...)) }
	ev := r.Evidence
	if ev == nil {
		line(t.noEvidence, orDash(field(r.EvidenceError, capError)))
		line("%s", t.byHand)
		for _, s := range t.byHandSteps {
			line("  %s", s)
		}
		line("")
		return lines
	}
	a := ev.Advice
	c := emailLists
	line(t.decision, r.decisionText(string(a.Decision)))
	line("")
	line(t.shows, r.window(), r.count(int64(ev.AccessKeyCalls), "call"), r.count(int64(ev.ConsoleCalls), "console call"), r.count(int64(ev.SignIns), "sign-in"))
	lines = append(lines, r.sourceLines(ev.Sources, func(s string) string { return field(s, capError) })...)
	for _, k := range ev.Keys {
		line("")
		line(t.key, field(k.ID, capKey), r.count(int64(k.Calls), "call"), k.Errors, day(k.FirstUse), day(k.LastUse))
		ips, more := head(k.SourceIPs, c.addresses)
		for _, ip := range ips {
			where := t.outside
			if ip.InsideAWS {
				where = strings.TrimSpace(t.inside + " " + field(ip.AWSService+" "+ip.AWSRegion, capWhere))
			}
			line("  "+t.from, orDash(field(string(ip.IP), capAddress)), r.count(int64(ip.Calls), "call"), where)
		}
		if more > 0 {
			line("  "+t.moreAddresses, r.count(int64(more), "more address"))
		}
		tools, more := head(k.Tools, c.tools)
		for _, tool := range tools {
			line("  "+t.tool, orDash(field(tool.Value, capTool)), r.count(int64(tool.Calls), "call"))
		}
		if more > 0 {
			line("  "+t.moreTools, r.count(int64(more), "more tool"))
		}
		acts, more := head(k.Actions, c.actions)
		for _, act := range acts {
			line("  "+t.action, orDash(field(act.Action, capAction)), r.count(int64(act.Calls), "call"))
		}
		if more > 0 {
			line("  "+t.moreActions, r.count(int64(more), "more action"))
		}
		for _, l := range r.activityLines(k, sparkWide, c.addresses, func(s string) string { return field(s, capAddress) },
			func(s string) string { return s }) {
			line("  %s", l)
		}
	}
	for _, k := range a.Keys {
		line("")
		line("%s: %s (%s)", orDash(field(r.keyLabel(k), capKey)), r.decisionText(string(k.Decision)), field(r.msg(k.Reason), capReason))
	}
	for _, cn := range a.Cautions {
		line(t.caution, field(r.msg(cn), capCaution))
	}
	if cl := r.containmentLines(func(s string) string { return field(s, capCaution) }); len(cl) > 0 {
		line("")
		lines = append(lines, cl...)
	}
	line("")
	line("%s", t.todo)
	for _, st := range a.Steps {
		title, detail := r.stepText(st, st.Callers, c.callers, func(s string) string { return field(s, capAddress) })
		line("  [ ] %s %s: %s", field(st.ID, capKey), title, detail)
	}
	line("")
	return lines
}

// emailAppendix ends the e-mail with every draft policy and the full evidence, each whole or,
// when it does not fit, named with its size.
func (r Report) emailAppendix(b *budget) {
	t := r.t()
	// part adds a document whole, or says its size when it is nil or does not fit.
	part := func(title, what string, doc []byte, size int) {
		room := b.max - b.size - emailNoticeReserve
		if doc != nil && len(doc) <= room {
			lines := []string{"", title}
			for _, l := range strings.Split(string(doc), "\n") {
				lines = append(lines, "  "+l)
			}
			if b.cost(lines...) <= room {
				for _, l := range lines {
					b.must(l)
				}
				return
			}
		}
		b.add("", 0)
		b.add(fmt.Sprintf(t.tooLarge, what, size), 0)
	}
	for _, p := range r.policies() {
		title := t.policy
		if p.Title != "" {
			title += " " + p.Title
		}
		if len(p.raw) > 0 {
			var doc []byte
			size := len(p.raw) // escaping only grows it: skip what cannot fit
			if size <= b.max-b.size-emailNoticeReserve {
				doc = p.JSON()
				size = len(doc)
			}
			part(title, fmt.Sprintf(t.policyName, p.Group), doc, size)
		} else if p.Title != "" {
			b.add("", 0)
			b.add(title, emailNoticeReserve)
		}
		for _, n := range p.Notes {
			b.add("  "+fmt.Sprintf(t.note, n), emailNoticeReserve)
		}
	}
	if r.Evidence != nil {
		doc, size := r.evidenceWithin(b.max - b.size - emailNoticeReserve)
		part(t.evidenceJSON, t.evidenceName, doc, size)
	}
}

// evidenceJSON is the investigation's result as the CLI prints it, made inert.
func (r Report) evidenceJSON() []byte {
	b, _ := r.evidenceWithin(-1)
	return b
}

// evidenceWithin is evidenceJSON when its compact form fits in max bytes (max < 0: any size);
// else nil and the compact size. Indenting and escaping tens of megabytes only to leave them
// out would cost the function seconds and memory.
func (r Report) evidenceWithin(max int) ([]byte, int) {
	b, err := json.Marshal(r.Evidence)
	if err != nil {
		return []byte("null"), 4
	}
	if max >= 0 && len(b) > max {
		return nil, len(b)
	}
	doc := inertJSON(b)
	return doc, len(doc)
}

// window says which days the evidence covers.
func (r Report) window() string {
	t := r.t()
	if ev := r.Evidence; ev != nil && !ev.WindowStart.IsZero() {
		return fmt.Sprintf(t.window, day(ev.WindowStart), day(ev.WindowEnd))
	}
	return t.windowLogs
}
