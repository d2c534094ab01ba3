// Package advice applies the IAM.4 runbook to the evidence: per key and overall, whether the key
// is unused (deactivate now, delete after verification), used from inside AWS (replace with an
// IAM role), from outside (replace with a least-privilege IAM user key), or both; and a draft
// least-privilege policy from the observed actions.
//
// It only decides and drafts. It never calls AWS and never renders for a channel.
package advice

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/iam4-responder/iam4-responder/lambda/internal/evidence"
)

// Decision is the runbook branch.
type Decision string

const (
	Unused          Decision = "unused"            // deactivate now, delete after verification
	ReplaceWithRole Decision = "replace_with_role" // callers run on AWS (runbook 2.1)
	ReplaceWithUser Decision = "replace_with_user" // callers run outside AWS (runbook 2.2)
	Mixed           Decision = "mixed"             // both: a role and a user, per caller group
	None            Decision = "none"              // no root access key exists
)

// LongUnused is how long without use makes a key "long unused" by the credential report.
const LongUnused = 90 * 24 * time.Hour

// Input is what the advice is drawn from.
type Input struct {
	Usage     evidence.Summary
	Inventory evidence.Inventory
	Coverage  evidence.Coverage
	Now       time.Time
}

// CallerGroup is a set of callers that one replacement serves.
type CallerGroup struct {
	Where     string          `json:"where"`   // inside_aws or outside_aws
	Replace   string          `json:"replace"` // what to give these callers instead
	Calls     int             `json:"calls"`
	SourceIPs []evidence.Text `json:"source_ips"`
	Tools     []string        `json:"tools"`
}

// KeyAdvice is the decision for one key.
type KeyAdvice struct {
	Key      string        `json:"key"` // masked id, or "credential report slot N"
	Decision Decision      `json:"decision"`
	Reason   string        `json:"reason"`
	Callers  []CallerGroup `json:"callers,omitempty"`
}

// Step is one item of the checklist the ticket carries.
type Step struct {
	ID     string `json:"id"`   // the runbook's numbering: 1, 2.1, 2.2, 3.1 …
	Kind   string `json:"kind"` // find, role, user, deactivate, verify, verify-unused, delete, nothing
	Title  string `json:"title"`
	Detail string `json:"detail"`
	// Callers are the source addresses a role or user step is for.
	Callers []string `json:"callers,omitempty"`
}

// Advice is the outcome for the account.
type Advice struct {
	Decision Decision    `json:"decision"`
	Keys     []KeyAdvice `json:"keys"`
	Steps    []Step      `json:"steps"`
	Policies Drafts      `json:"policies"`
	Partial  bool        `json:"partial"`
	Cautions []string    `json:"cautions,omitempty"`
}

// Advise applies the runbook.
func Advise(in Input) Advice {
	a := Advice{Partial: in.Coverage.Partial(), Keys: []KeyAdvice{}}
	for _, k := range in.Usage.Keys {
		a.Keys = append(a.Keys, adviseKey(k))
	}
	a.Keys = append(a.Keys, reportOnlyKeys(in)...)
	if len(a.Keys) == 0 && in.Inventory.KeysPresent {
		// IAM says a key exists, CloudTrail saw none, and the report could not be read.
		a.Keys = append(a.Keys, KeyAdvice{Key: "root access key", Decision: Unused,
			Reason: "IAM reports a root access key, and no call with one was found in the window read"})
	}
	a.Decision = overall(a.Keys)
	for _, g := range in.Coverage.Gaps {
		a.Cautions = append(a.Cautions, fmt.Sprintf("CloudTrail in %s was not read from %s to %s (%s): confirm there before deleting.",
			g.Region, g.From.Format(time.DateOnly), g.To.Format(time.DateOnly), g.Reason))
	}
	if in.Inventory.ReportError != "" {
		a.Cautions = append(a.Cautions, "The credential report could not be read: "+in.Inventory.ReportError)
	}
	a.Policies = Policies(in.Usage.Keys)
	a.Steps = steps(a)
	return a
}

func adviseKey(k evidence.KeyProfile) KeyAdvice {
	ka := KeyAdvice{Key: k.ID}
	inside, outside := CallerGroup{Where: "inside_aws", Replace: "an IAM role (instance profile, task role or execution role)"},
		CallerGroup{Where: "outside_aws", Replace: "an IAM user with a least-privilege policy and its own access key"}
	for _, ip := range k.SourceIPs {
		g := &outside
		if ip.InsideAWS {
			g = &inside
		}
		g.Calls += ip.Calls
		g.SourceIPs = append(g.SourceIPs, ip.IP)
	}
	tools := make([]string, 0, len(k.Tools))
	for _, t := range k.Tools {
		tools = append(tools, t.Value)
	}
	for _, g := range []*CallerGroup{&inside, &outside} {
		if g.Calls > 0 {
			g.Tools = tools
			ka.Callers = append(ka.Callers, *g)
		}
	}
	switch {
	case inside.Calls > 0 && outside.Calls > 0:
		ka.Decision = Mixed
		ka.Reason = fmt.Sprintf("%d calls from inside AWS and %d from outside in the window", inside.Calls, outside.Calls)
	case inside.Calls > 0:
		ka.Decision = ReplaceWithRole
		ka.Reason = fmt.Sprintf("all %d calls came from inside AWS", inside.Calls)
	default:
		ka.Decision = ReplaceWithUser
		ka.Reason = fmt.Sprintf("all %d calls came from outside AWS", outside.Calls)
	}
	return ka
}

// reportOnlyKeys advises on the credential report's keys that CloudTrail did not show. The
// report names slots, not key ids, so the slots most recently used are taken to be the keys
// CloudTrail saw.
func reportOnlyKeys(in Input) []KeyAdvice {
	if in.Inventory.Report == nil {
		return nil
	}
	slots := slices.Clone(in.Inventory.Report.Keys)
	slices.SortFunc(slots, func(a, b evidence.ReportKey) int { return cmp.Compare(lastUsed(b), lastUsed(a)) })
	seen := len(in.Usage.Keys)
	var out []KeyAdvice
	for i, s := range slots {
		if i < seen {
			continue
		}
		ka := KeyAdvice{Key: fmt.Sprintf("credential report slot %d", s.Slot)}
		state := "inactive"
		if s.Active {
			state = "active"
		}
		switch {
		case s.LastUsed == nil:
			ka.Decision, ka.Reason = Unused, fmt.Sprintf("%s key never used (credential report)", state)
		case in.Now.Sub(*s.LastUsed) >= LongUnused:
			ka.Decision, ka.Reason = Unused, fmt.Sprintf("%s key last used %s, %d days ago (credential report)",
				state, s.LastUsed.Format(time.DateOnly), int(in.Now.Sub(*s.LastUsed).Hours()/24))
		default:
			// Used recently, yet no management event: data events or a Region not read. Without
			// knowing the caller it cannot be moved to a role; it must not be called unused.
			ka.Decision = ReplaceWithUser
			ka.Reason = fmt.Sprintf("%s key used %s in %s (service %s) per the credential report, but CloudTrail "+
				"management events show no call: look for data events or Regions not read", state,
				s.LastUsed.Format(time.DateOnly), orUnknown(s.LastUsedRegion), orUnknown(s.LastUsedService))
		}
		out = append(out, ka)
	}
	return out
}

func lastUsed(k evidence.ReportKey) int64 {
	if k.LastUsed == nil {
		return 0
	}
	return k.LastUsed.Unix()
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

func overall(keys []KeyAdvice) Decision {
	if len(keys) == 0 {
		return None
	}
	role, user := false, false
	for _, k := range keys {
		switch k.Decision {
		case ReplaceWithRole:
			role = true
		case ReplaceWithUser:
			user = true
		case Mixed:
			role, user = true, true
		}
	}
	switch {
	case role && user:
		return Mixed
	case role:
		return ReplaceWithRole
	case user:
		return ReplaceWithUser
	default:
		return Unused
	}
}

func steps(a Advice) []Step {
	if a.Decision == None {
		return []Step{{ID: "3", Kind: "nothing", Title: "Nothing to remove", Detail: "No root access key exists; the finding should pass at the next check."}}
	}
	var s []Step
	s = append(s, Step{ID: "1", Kind: "find", Title: "Find the callers", Detail: "Done by iam4-responder: see the keys, addresses and tools above." +
		partialNote(a)})
	var inside, outside []string
	for _, k := range a.Keys {
		for _, g := range k.Callers {
			for _, ip := range g.SourceIPs {
				if g.Where == "inside_aws" {
					inside = append(inside, string(ip))
				} else {
					outside = append(outside, string(ip))
				}
			}
		}
	}
	if len(inside) > 0 {
		s = append(s, Step{ID: "2.1", Kind: "role", Callers: inside, Title: "Give the workloads on AWS an IAM role",
			Detail: fmt.Sprintf("Callers at %s run on AWS: attach an IAM role with the draft policy (EC2 instance profile, ECS task role, Lambda execution role) and remove the key from their configuration.",
				strings.Join(inside, ", "))})
	}
	if len(outside) > 0 {
		s = append(s, Step{ID: "2.2", Kind: "user", Callers: outside, Title: "Give the callers outside AWS an IAM user",
			Detail: fmt.Sprintf("Callers at %s run outside AWS: create an IAM user with the draft policy, give them its access key through their secret store, and plan its rotation.",
				strings.Join(outside, ", "))})
	}
	verify, verifyKind := "Keep it inactive for at least 7 days; watch CloudTrail for failed calls (InvalidClientTokenId) from former callers.", "verify"
	if a.Decision == Unused {
		verify, verifyKind = "Nothing used the key in the window: keep it inactive for a few days and watch CloudTrail for failed calls.", "verify-unused"
	}
	s = append(s,
		Step{ID: "3.1", Kind: "deactivate", Title: "Deactivate the root access key", Detail: "Sign in as the root user, open Security credentials, and make the key inactive (reversible)."},
		Step{ID: "3.2", Kind: verifyKind, Title: "Verify nothing breaks", Detail: verify},
		Step{ID: "3.3", Kind: "delete", Title: "Delete the root access key", Detail: "Delete it on the same page. IAM.4 passes once no root access key exists, inactive ones included."},
	)
	return s
}

func partialNote(a Advice) string {
	if !a.Partial {
		return ""
	}
	return " The evidence is partial: see the cautions."
}
