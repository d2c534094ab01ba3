// Package report holds the one neutral Report value that every channel renders, and its
// renderings. Renderers are the one place that knows a channel's syntax, so they are also the one
// place where text is escaped and capped for that channel.
//
// It never calls AWS and never decides what to do: it only says what was decided.
package report

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/iam4-responder/iam4-responder/lambda/internal/contain"
	"github.com/iam4-responder/iam4-responder/lambda/internal/finding"
	"github.com/iam4-responder/iam4-responder/lambda/internal/investigation"
	"github.com/iam4-responder/iam4-responder/lambda/internal/route"
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
	// Owner is who owns the account: Organizations' name, OU path and chosen tags (WithOwner),
	// else the finding's account name. Untrusted text, made safe by each rendering.
	Owner route.Account
}

// New builds the report of a case from the finding that triggered it.
func New(kind Kind, f finding.Finding, reason string) Report {
	partition := "aws"
	if p := strings.SplitN(f.ProductARN, ":", 3); len(p) == 3 && p[0] == "arn" && p[1] != "" {
		partition = p[1]
	}
	return Report{Kind: kind, Case: f.Case(), Account: f.AccountID, Partition: partition, Finding: f, Reason: reason,
		Owner: route.Account{ID: f.AccountID, Name: f.AccountName}}
}

// FindingURL links to the finding in the Security Hub console of its Region. A finding id
// longer than any real one, or a Region without a Region's shape, gives the console's findings
// page instead: a link is never longer than the channels can show.
func (r Report) FindingURL() string {
	region := r.region()
	id := r.Finding.ID
	if region == "" || id == "" || len(id) > capFindID {
		return "https://" + consoleHost(r.partition()) + "/securityhub/home#/findings"
	}
	filter := "Id%3D%255Coperator%255C%253AEQUALS%255C%253A" + url.QueryEscape(url.QueryEscape(id))
	u := fmt.Sprintf("https://%s.%s/securityhub/home?region=%s#/findings?search=%s",
		region, consoleHost(r.partition()), url.QueryEscape(region), filter)
	if len(u) > findingURLMax {
		return fmt.Sprintf("https://%s.%s/securityhub/home?region=%s#/findings", region, consoleHost(r.partition()), region)
	}
	return u
}

// findingURLMax keeps a link short enough for every channel and browser (our own bound: a real
// finding ARN gives about 300 characters).
const findingURLMax = 1000

// CredentialsURL links to the root user's security credentials page, where the key is deactivated
// and deleted (only the root user can open it).
func (r Report) CredentialsURL() string {
	return "https://" + consoleHost(r.partition()) + "/iam/home#/security_credentials"
}

// EventHistoryURL links to CloudTrail's event history in the finding's Region, filtered to the
// root user: root events carry the user name "root" (the lookup attribute Username, as the
// CloudTrail user guide looks them up), and the console reads the filter from the fragment.
// Events of global services (IAM, STS, sign-in) are in us-east-1's history (aws partition).
func (r Report) EventHistoryURL() string {
	host := consoleHost(r.partition())
	if region := r.region(); region != "" {
		return fmt.Sprintf("https://%s.%s/cloudtrail/home?region=%s#/events?Username=root", region, host, region)
	}
	return "https://" + host + "/cloudtrail/home#/events?Username=root"
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

// partition is the report's partition when it is one we know, else aws.
func (r Report) partition() string {
	switch r.Partition {
	case "aws-cn", "aws-us-gov":
		return r.Partition
	}
	return "aws"
}

// draftPolicy is one draft least-privilege policy, for one group of callers.
type draftPolicy struct {
	Group string // names the attachment and the data key: policy-<group>.json
	Title string // the target and its callers, made safe for every channel
	Notes []string
	raw   json.RawMessage // nil when the group needs no permission
}

// JSON is the policy indented and made inert.
func (p draftPolicy) JSON() []byte { return inertJSON(p.raw) }

// policies are the draft policies the advice gives, one per caller group, and a last entry
// without a policy for the notes that concern no single group. Every channel renders them
// through this one function.
func (r Report) policies() []draftPolicy {
	if r.Evidence == nil {
		return nil
	}
	var out []draftPolicy
	for _, b := range r.policyBlocks(r.Evidence.Advice.Policies, func(s string) string { return field(s, capNote) }) {
		out = append(out, draftPolicy{Group: b.group, Title: b.title, Notes: b.notes, raw: b.json})
	}
	return out
}

// policyActions lists the actions a policy allows, in its order, for a channel that shows the
// actions when the whole policy does not fit.
func policyActions(doc []byte) []string {
	var p struct {
		Statement []struct {
			Action any `json:"Action"`
		} `json:"Statement"`
	}
	if json.Unmarshal(doc, &p) != nil {
		return nil
	}
	var out []string
	for _, st := range p.Statement {
		switch a := st.Action.(type) {
		case string:
			out = append(out, a)
		case []any:
			for _, x := range a {
				if s, ok := x.(string); ok {
					out = append(out, s)
				}
			}
		}
	}
	return out
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
