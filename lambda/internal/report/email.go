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
		line("A root access key cannot be limited by any IAM policy. Follow the runbook:")
		line("")
		line("  1. Find every caller of the key (CloudTrail event history, the IAM credential report).")
		line("  2. Move each caller off it: workloads on AWS to an IAM role, others to a least-privilege IAM user key.")
		line("  3. Deactivate the root key, verify that nothing breaks, then delete it.")
		line("")
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
