package report

import (
	"fmt"
	"strings"
)

// subjectMax is SNS's limit on a message subject: fewer than 100 characters (SNS Publish API).
// SNS also wants ASCII there, so subjects stay English in every language.
const subjectMax = 99

// plainText caps and strips one untrusted value for plain text.
func plainText(s string) string { return plain(s, 200) }

// Email renders the plain-text e-mail sent through SNS.
func (r Report) Email() (subject, body string) {
	t := r.t()
	f := r.Finding
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	switch r.Kind {
	case Resolved:
		subject = fmt.Sprintf(t.subjectResolved, r.Account)
		line(t.resolvedIntro, r.Account, plain(r.resolvedReason(r.Reason), 200))
		line("")
	default:
		subject = fmt.Sprintf(t.subjectOpened, r.Account)
		line(t.intro, r.Account, plain(r.severity(f.Severity), 20))
		line(t.unlimited)
		line("")
		r.emailEvidence(line)
	}
	line("%s:  %s", t.account, r.Account)
	line("%s:  %s", t.region, plain(orDash(f.Region), 40))
	line("%s:  %s", t.finding, plain(f.ID, 400))
	line("%s:  %s", t.control, plain(f.Control, 200))
	line("")
	line("%s:  %s", t.findingLink, r.FindingURL())
	line("%s: %s", t.credentialsLink, r.CredentialsURL())
	return asciiSubject(subject), b.String()
}

// emailEvidence writes what the investigation found and the checklist, or the plain runbook
// when there is no evidence.
func (r Report) emailEvidence(line func(string, ...any)) {
	t := r.t()
	ev := r.Evidence
	if ev == nil {
		line(t.noEvidence, plain(orDash(r.EvidenceError), 300))
		line(t.byHand)
		for _, s := range t.byHandSteps {
			line("  %s", s)
		}
		line("")
		return
	}
	a := ev.Advice
	line(t.decision, r.decisionText(string(a.Decision)))
	line("")
	window := t.windowLogs
	if !ev.WindowStart.IsZero() {
		window = fmt.Sprintf(t.window, ev.WindowStart.Format("2006-01-02"), ev.WindowEnd.Format("2006-01-02"))
	}
	line(t.shows, window, ev.AccessKeyCalls, ev.ConsoleCalls, ev.SignIns)
	for _, k := range ev.Keys {
		line("")
		line(t.key, k.ID, k.Calls, k.Errors, k.FirstUse.Format("2006-01-02"), k.LastUse.Format("2006-01-02"))
		for i, ip := range k.SourceIPs {
			if i == 5 {
				line("  "+t.moreAddresses, len(k.SourceIPs)-5)
				break
			}
			where := t.outside
			if ip.InsideAWS {
				where = plain(strings.TrimSpace(t.inside+" "+ip.AWSService+" "+ip.AWSRegion), 80)
			}
			line("  "+t.from, plain(string(ip.IP), 64), ip.Calls, where)
		}
		for i, tool := range k.Tools {
			if i == 3 {
				break
			}
			line("  "+t.tool, plain(tool.Value, 40), tool.Calls)
		}
		for i, act := range k.Actions {
			if i == 8 {
				line("  "+t.moreActions, len(k.Actions)-8)
				break
			}
			line("  "+t.action, plain(act.Action, 80), act.Calls)
		}
	}
	for _, k := range a.Keys {
		line("")
		line("%s: %s (%s)", plain(r.keyLabel(k), 40), r.decisionText(string(k.Decision)), plain(r.msg(k.Reason), 300))
	}
	for _, c := range a.Cautions {
		line(t.caution, plain(r.msg(c), 400))
	}
	if cl := r.containmentLines(func(s string) string { return plain(s, 400) }); len(cl) > 0 {
		line("")
		for _, l := range cl {
			line("%s", l)
		}
	}
	line("")
	line(t.todo)
	for _, st := range a.Steps {
		title, detail := r.stepText(st, st.Callers, plainText)
		line("  [ ] %s %s: %s", st.ID, title, detail)
	}
	line("")
	line(t.policy)
	for _, pb := range r.policyBlocks(a.Policies, func(s string) string { return plain(s, 300) }) {
		if pb.title != "" {
			line("  %s", pb.title)
		}
		for _, l := range strings.Split(pb.policy, "\n") {
			if l != "" {
				line("    %s", l)
			}
		}
		for _, n := range pb.notes {
			line("  "+t.note, n)
		}
	}
	line("")
}

// asciiSubject keeps a subject within SNS's rules: printable ASCII, no line breaks, under 100
// characters.
func asciiSubject(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return '?'
		}
		return r
	}, s)
	if len(s) > subjectMax {
		s = s[:subjectMax]
	}
	return s
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
