// Package report holds the one neutral Report value that every channel renders, and its
// renderings. Renderers are the one place that knows a channel's syntax, so they are also the one
// place where text is escaped and capped for that channel.
//
// It never calls AWS and never decides what to do: it only says what was decided.
package report

import (
	"fmt"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/iam4-responder/iam4-responder/lambda/internal/contain"
	"github.com/iam4-responder/iam4-responder/lambda/internal/finding"
	"github.com/iam4-responder/iam4-responder/lambda/internal/investigation"
)

// Kind says whether a report opens a case or closes it.
type Kind string

const (
	Opened   Kind = "opened"
	Resolved Kind = "resolved"
)

// Report is what the ops team is told about one case.
type Report struct {
	Kind      Kind
	Lang      Lang
	Case      string
	Account   string
	Partition string
	Finding   finding.Finding // the finding that triggered this report
	Reason    string          // why it was resolved, for Resolved
	// Evidence is what the investigation found, for Opened; nil when it could not run, and
	// then EvidenceError says why.
	Evidence      *investigation.Result
	EvidenceError string
	// Containment is what the opt-in containment did (nil when off).
	Containment *contain.Outcome
}

// New builds the report of a case from the finding that triggered it.
func New(kind Kind, f finding.Finding, reason string) Report {
	partition := "aws"
	if p := strings.SplitN(f.ProductARN, ":", 3); len(p) == 3 && p[0] == "arn" && p[1] != "" {
		partition = p[1]
	}
	return Report{Kind: kind, Case: f.Case(), Account: f.AccountID, Partition: partition, Finding: f, Reason: reason}
}

// FindingURL links to the finding in the Security Hub console of its Region.
func (r Report) FindingURL() string {
	region := r.Finding.Region
	filter := "Id%3D%255Coperator%255C%253AEQUALS%255C%253A" + url.QueryEscape(url.QueryEscape(r.Finding.ID))
	return fmt.Sprintf("https://%s.%s/securityhub/home?region=%s#/findings?search=%s",
		region, consoleHost(r.Partition), url.QueryEscape(region), filter)
}

// CredentialsURL links to the root user's security credentials page, where the key is deactivated
// and deleted (only the root user can open it).
func (r Report) CredentialsURL() string {
	return "https://" + consoleHost(r.Partition) + "/iam/home#/security_credentials"
}

func consoleHost(partition string) string {
	switch partition {
	case "aws-cn":
		return "console.amazonaws.cn"
	case "aws-us-gov":
		return "console.amazonaws-us-gov.com"
	default:
		return "console.aws.amazon.com"
	}
}

// plain makes untrusted text safe for plain text: control characters (newlines included) become
// spaces, and the result is capped to max runes.
func plain(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError || unicode.Is(unicode.Bidi_Control, r) {
			return ' '
		}
		return r
	}, s)
	if utf8.RuneCountInString(s) > max {
		s = string([]rune(s)[:max-1]) + "…"
	}
	return s
}

// containmentLines renders what containment did, for the text channels; esc makes each
// untrusted part safe.
func (r Report) containmentLines(esc func(string) string) []string {
	c := r.Containment
	if c == nil || c.Mode == contain.Off {
		return nil
	}
	t := r.t()
	lines := []string{fmt.Sprintf(t.containment, r.modeText(c.Mode))}
	if c.Refused != "" {
		lines = append(lines, "  "+fmt.Sprintf(t.containRefused, esc(r.refusedText(c))))
	}
	for _, a := range c.Actions {
		lines = append(lines, fmt.Sprintf("  %s: %s (%s)", a.Key, r.doText(a.Do), esc(r.msg(a.Why))))
	}
	return lines
}
