package report

import (
	"fmt"
	"strings"
)

// subjectMax is SNS's limit on a message subject: fewer than 100 characters (SNS Publish API).
const subjectMax = 99

// Email renders the plain-text e-mail sent through SNS.
func (r Report) Email() (subject, body string) {
	f := r.Finding
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	switch r.Kind {
	case Resolved:
		subject = fmt.Sprintf("[IAM.4] Resolved: root access key case in account %s", r.Account)
		line("The IAM.4 case for account %s is resolved: %s.", r.Account, plain(r.Reason, 200))
		line("")
	default:
		subject = fmt.Sprintf("[IAM.4] Root user access key in account %s", r.Account)
		line("Security Hub reports that the root user of account %s has an access key (control IAM.4, severity %s).",
			r.Account, plain(orDash(f.Severity), 20))
		line("A root access key cannot be limited by any IAM policy.")
		line("")
		r.emailEvidence(line)
	}
	line("Account:  %s", r.Account)
	line("Region:   %s", plain(orDash(f.Region), 40))
	line("Finding:  %s", plain(f.ID, 400))
	line("Control:  %s", plain(f.Control, 200))
	line("")
	line("Finding in Security Hub:  %s", r.FindingURL())
	line("Root security credentials: %s", r.CredentialsURL())
	return asciiSubject(subject), b.String()
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

// emailEvidence writes what the investigation found and the checklist, or the plain runbook
// when there is no evidence.
func (r Report) emailEvidence(line func(string, ...any)) {
	ev := r.Evidence
	if ev == nil {
		line("Evidence could not be gathered: %s", plain(orDash(r.EvidenceError), 300))
		line("Follow the runbook by hand:")
		line("  1. Find every caller of the key (CloudTrail event history, the IAM credential report).")
		line("  2. Move each caller off it: workloads on AWS to an IAM role, others to a least-privilege IAM user key.")
		line("  3. Deactivate the root key, verify that nothing breaks, then delete it.")
		line("")
		return
	}
	a := ev.Advice
	line("Decision: %s", decisionText(string(a.Decision)))
	line("")
	window := "in the logs read"
	if !ev.WindowStart.IsZero() {
		window = fmt.Sprintf("from %s to %s", ev.WindowStart.Format("2006-01-02"), ev.WindowEnd.Format("2006-01-02"))
	}
	line("What CloudTrail shows %s: %d calls with a root access key, %d console calls, %d sign-ins.",
		window, ev.AccessKeyCalls, ev.ConsoleCalls, ev.SignIns)
	for _, k := range ev.Keys {
		line("")
		line("Key %s: %d calls (%d failed), first %s, last %s", k.ID, k.Calls, k.Errors,
			k.FirstUse.Format("2006-01-02"), k.LastUse.Format("2006-01-02"))
		for i, ip := range k.SourceIPs {
			if i == 5 {
				line("  … %d more addresses", len(k.SourceIPs)-5)
				break
			}
			where := "outside AWS"
			if ip.InsideAWS {
				where = plain(strings.TrimSpace("inside AWS "+ip.AWSService+" "+ip.AWSRegion), 80)
			}
			line("  from %s: %d calls, %s", plain(string(ip.IP), 64), ip.Calls, where)
		}
		for i, t := range k.Tools {
			if i == 3 {
				break
			}
			line("  tool %s: %d calls", plain(t.Value, 40), t.Calls)
		}
		for i, act := range k.Actions {
			if i == 8 {
				line("  … %d more actions", len(k.Actions)-8)
				break
			}
			line("  action %s: %d calls", plain(act.Action, 80), act.Calls)
		}
	}
	for _, k := range a.Keys {
		line("")
		line("%s: %s (%s)", plain(k.Key, 40), decisionText(string(k.Decision)), plain(k.Reason, 300))
	}
	for _, c := range a.Cautions {
		line("Caution: %s", plain(c, 400))
	}
	line("")
	line("What to do:")
	for _, st := range a.Steps {
		line("  [ ] %s %s: %s", st.ID, st.Title, plain(st.Detail, 600))
	}
	line("")
	line("Draft least-privilege policy for the replacement:")
	// JSON encoding already escapes control characters inside the ARNs it holds.
	for _, l := range strings.Split(string(a.Policy), "\n") {
		line("  %s", l)
	}
	for _, n := range a.PolicyNotes {
		line("  note: %s", plain(n, 300))
	}
	line("")
}

func decisionText(d string) string {
	switch d {
	case "unused":
		return "the key is unused: deactivate it now, delete it after verification"
	case "replace_with_role":
		return "callers run on AWS: replace the key with an IAM role"
	case "replace_with_user":
		return "callers run outside AWS: replace the key with a least-privilege IAM user key"
	case "mixed":
		return "callers inside and outside AWS: an IAM role for the first, an IAM user key for the others"
	case "none":
		return "no root access key exists"
	}
	return d
}
