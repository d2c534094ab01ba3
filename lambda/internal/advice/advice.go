// Package advice applies the IAM.4 runbook to the evidence: per key and overall, whether the key
// is unused (deactivate now, delete after verification), used from inside AWS (replace with an
// IAM role), from outside (replace with a least-privilege IAM user key), or both; and a draft
// least-privilege policy from the observed actions.
//
// It only decides and drafts. It never calls AWS and never renders for a channel.
package advice

import (
	"cmp"
	"maps"
	"slices"
	"strconv"
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
	None            Decision = "none"              // IAM says no root access key exists
	// Unexplained: the credential report shows use in the lookback that CloudTrail's event
	// history does not explain (data events, a Region not read). Find those callers first.
	Unexplained Decision = "unexplained_use"
	// Insufficient: nothing shows use, but nothing proves non-use either (the credential report
	// unreadable, CloudTrail not read for the whole lookback).
	Insufficient Decision = "evidence_insufficient"
	// NoKeyCalls: records were read, not an account, and none of them is a call with a root
	// access key. Whether a key exists is not known from records.
	NoKeyCalls Decision = "no_key_calls"
)

// Input is what the advice is drawn from.
type Input struct {
	Usage     evidence.Summary
	Inventory evidence.Inventory
	Coverage  evidence.Coverage
	Now       time.Time
	// Lookback is the window "unused" is judged over: the collector's (MaxLookback when zero).
	Lookback time.Duration
	// Records says the input is exported records, not an account: no inventory, no coverage.
	Records bool
}

// CallerGroup is a set of callers that one replacement serves.
type CallerGroup struct {
	Where     string          `json:"where"`   // inside_aws or outside_aws
	Replace   string          `json:"replace"` // iam_role or iam_user: what to give these callers instead
	Calls     int             `json:"calls"`
	SourceIPs []evidence.Text `json:"source_ips"`
	Tools     []string        `json:"tools"`
}

// KeyAdvice is the decision for one key.
type KeyAdvice struct {
	Key      string        `json:"key,omitempty"` // masked id; empty when no id is known (see Slot)
	Decision Decision      `json:"decision"`
	Reason   Message       `json:"reason"`
	Callers  []CallerGroup `json:"callers,omitempty"`
	Slot     int           `json:"slot,omitempty"` // the credential report slot, when known
	Verdict  *Verdict      `json:"verdict,omitempty"`
}

// Step is one item of the checklist the ticket carries.
type Step struct {
	ID   string `json:"id"`   // the runbook's numbering: 1, 2.1, 2.2, 3.1 …
	Kind string `json:"kind"` // find, find-more, role, user, deactivate, verify, verify-unused, delete, hold, nothing, records-only
	// Partial says the evidence is partial (a find step): the ticket points at the cautions.
	Partial bool `json:"partial,omitempty"`
	// Days is the lookback a verify-unused step judged non-use over.
	Days int `json:"days,omitempty"`
	// Callers are the source addresses a role or user step is for.
	Callers []string `json:"callers,omitempty"`
	// Look is what a find-more step asks to read: data_events, regions_not_read,
	// organization_trail, credential_report, cloudtrail_gaps.
	Look []string `json:"look,omitempty"`
	// Regions are the Regions a find-more step names: not read, or read with gaps.
	Regions []string `json:"regions,omitempty"`
}

// Advice is the outcome for the account.
type Advice struct {
	Decision     Decision    `json:"decision"`
	LookbackDays int         `json:"lookback_days"`
	Keys         []KeyAdvice `json:"keys"`
	Steps        []Step      `json:"steps"`
	Policies     Drafts      `json:"policies"`
	Partial      bool        `json:"partial"`
	Cautions     []Message   `json:"cautions,omitempty"`
}

// Advise applies the runbook.
func Advise(in Input) Advice {
	rule := Rule{Lookback: in.Lookback, Now: in.Now}
	complete := !in.Records && rule.Complete(&in.Coverage)
	a := Advice{Partial: in.Coverage.Partial(), Keys: []KeyAdvice{}, LookbackDays: rule.Days()}
	var slots []evidence.ReportKey
	if in.Inventory.Report != nil {
		slots = in.Inventory.Report.Keys
	}
	read := in.Inventory.Report != nil
	pairs := joinByDates(in.Usage.Keys, slots)
	joined := map[int]bool{}
	for i, k := range in.Usage.Keys {
		ka := adviseKey(k)
		ke := KeyEvidence{ReportRead: read, Calls: k.Calls, LastCall: k.LastUse, Complete: complete}
		if j := pairs[i]; j >= 0 {
			ke.Slot, ka.Slot, joined[j] = &slots[j], slots[j].Slot, true
		}
		v := rule.Judge(ke)
		ka.Verdict = &v
		a.Keys = append(a.Keys, ka)
	}
	for j := range slots {
		if !joined[j] {
			v := rule.Judge(KeyEvidence{ReportRead: true, Slot: &slots[j], Complete: complete})
			a.Keys = append(a.Keys, slotAdvice(slots[j], v))
		}
	}
	if len(a.Keys) == 0 && in.Inventory.KeysPresent {
		// IAM says a key exists, CloudTrail saw none, and the report shows none or was not read:
		// nothing proves the key unused.
		v := rule.Judge(KeyEvidence{ReportRead: read, Complete: complete})
		a.Keys = append(a.Keys, KeyAdvice{Decision: Insufficient, Verdict: &v,
			Reason: Msg(ReasonPresentNotSeen, "days", itoa(v.LookbackDays), "verdict", string(v.Code))})
	}
	a.Decision = overall(a.Keys, in.Records)
	for _, g := range in.Coverage.Gaps {
		a.Cautions = append(a.Cautions, Msg(CautionGap, "region", g.Region,
			"from", g.From.Format(time.DateOnly), "to", g.To.Format(time.DateOnly), "error", g.Reason))
	}
	if in.Inventory.ReportError != "" {
		a.Cautions = append(a.Cautions, Msg(CautionReportUnreadable, "error", in.Inventory.ReportError))
	}
	a.Policies = Policies(in.Usage.Keys)
	a.Steps = steps(a, in)
	return a
}

func adviseKey(k evidence.KeyProfile) KeyAdvice {
	ka := KeyAdvice{Key: k.ID}
	inside, outside := CallerGroup{Where: "inside_aws", Replace: "iam_role"}, CallerGroup{Where: "outside_aws", Replace: "iam_user"}
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
		ka.Reason = Msg(ReasonInsideAndOutside, "inside", itoa(inside.Calls), "outside", itoa(outside.Calls))
	case inside.Calls > 0:
		ka.Decision = ReplaceWithRole
		ka.Reason = Msg(ReasonAllInside, "calls", itoa(inside.Calls))
	default:
		ka.Decision = ReplaceWithUser
		ka.Reason = Msg(ReasonAllOutside, "calls", itoa(outside.Calls))
	}
	return ka
}

// joinByDates pairs CloudTrail's keys with the credential report's slots when no key ids are
// at hand: the evidence role cannot list the root's keys (only an IAMAuditRootUserCredentials
// session can), so the ticket joins by dates. A key belongs to a slot only if its first call is
// not before the slot's key was created (last_rotated), so a rotated key's old id never explains
// the new key's use; among candidates the most recently used key is taken. Containment joins by
// the real ids instead and never relies on this. It returns, per key, the slot index or -1.
func joinByDates(keys []evidence.KeyProfile, slots []evidence.ReportKey) []int {
	pairs := make([]int, len(keys))
	for i := range pairs {
		pairs[i] = -1
	}
	order := make([]int, len(slots))
	for j := range order {
		order[j] = j
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(lastUsed(slots[b]), lastUsed(slots[a])) })
	for _, j := range order {
		best := -1
		for i, k := range keys {
			if pairs[i] >= 0 || (slots[j].LastRotated != nil && k.FirstUse.Add(reportLag).Before(*slots[j].LastRotated)) {
				continue
			}
			if best < 0 || k.LastUse.After(keys[best].LastUse) {
				best = i
			}
		}
		if best >= 0 {
			pairs[best] = j
		}
	}
	return pairs
}

// slotAdvice is the decision for a slot CloudTrail showed no call of.
func slotAdvice(s evidence.ReportKey, v Verdict) KeyAdvice {
	ka := KeyAdvice{Slot: s.Slot, Verdict: &v}
	state := "inactive"
	if s.Active {
		state = "active"
	}
	switch v.Code {
	case NeverUsed:
		ka.Decision, ka.Reason = Unused, Msg(ReasonNeverUsed, "state", state, "days", itoa(v.LookbackDays))
	case UsedBeforeLookback:
		ka.Decision, ka.Reason = Unused, Msg(ReasonBeforeLookback, "state", state, "last_used", v.LastUsed.Format(time.DateOnly),
			"days_since", itoa(v.DaysSinceUse), "days", itoa(v.LookbackDays))
	case UsedUnexplained:
		// Used recently, yet no management event: data events or a Region not read. Without
		// knowing the caller it cannot be moved; it must not be called unused.
		ka.Decision = Unexplained
		ka.Reason = Msg(ReasonUnexplained, "state", state, "last_used", v.LastUsed.Format(time.DateOnly),
			"region", v.Region, "service", v.Service)
	default:
		ka.Decision = Insufficient
		ka.Reason = Msg(ReasonSlotInsufficient, "state", state, "days", itoa(v.LookbackDays), "verdict", string(v.Code))
	}
	return ka
}

func lastUsed(k evidence.ReportKey) int64 {
	if k.LastUsed == nil {
		return 0
	}
	return k.LastUsed.Unix()
}

func itoa(n int) string { return strconv.Itoa(n) }

func overall(keys []KeyAdvice, records bool) Decision {
	if len(keys) == 0 {
		if records {
			return NoKeyCalls
		}
		return None
	}
	var role, user, unexplained, insufficient bool
	for _, k := range keys {
		switch k.Decision {
		case ReplaceWithRole:
			role = true
		case ReplaceWithUser:
			user = true
		case Mixed:
			role, user = true, true
		case Insufficient:
			insufficient = true
		}
		if k.Decision == Unexplained || (k.Verdict != nil && k.Verdict.Code == UsedUnexplained) {
			unexplained = true
		}
	}
	switch {
	case unexplained:
		// Callers the evidence does not show would break on deactivation: this outranks what
		// the seen callers alone would call for.
		return Unexplained
	case role && user:
		return Mixed
	case role:
		return ReplaceWithRole
	case user:
		return ReplaceWithUser
	case insufficient:
		return Insufficient
	default:
		return Unused
	}
}

func steps(a Advice, in Input) []Step {
	switch a.Decision {
	case None:
		return []Step{{ID: "3", Kind: "nothing"}}
	case NoKeyCalls:
		return []Step{{ID: "1", Kind: "records-only"}}
	}
	hold := a.Decision == Unexplained || a.Decision == Insufficient
	var s []Step
	if hold {
		s = append(s, findMore(a, in))
	} else {
		s = append(s, Step{ID: "1", Kind: "find", Partial: a.Partial})
	}
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
		s = append(s, Step{ID: "2.1", Kind: "role", Callers: inside})
	}
	if len(outside) > 0 {
		s = append(s, Step{ID: "2.2", Kind: "user", Callers: outside})
	}
	if hold {
		return append(s, Step{ID: "3", Kind: "hold"})
	}
	verify := Step{ID: "3.2", Kind: "verify"}
	if a.Decision == Unused {
		verify = Step{ID: "3.2", Kind: "verify-unused", Days: a.LookbackDays}
	}
	return append(s, Step{ID: "3.1", Kind: "deactivate"}, verify, Step{ID: "3.3", Kind: "delete"})
}

// findMore is step 1 when the evidence does not show every caller: what to read next.
func findMore(a Advice, in Input) Step {
	st := Step{ID: "1", Kind: "find-more"}
	look := map[string]bool{}
	regions := map[string]bool{}
	read := map[string]bool{}
	for _, r := range in.Coverage.Regions {
		read[r.Region] = true
	}
	for _, g := range in.Coverage.Gaps {
		regions[g.Region] = true
		look["cloudtrail_gaps"] = true
	}
	if in.Inventory.Report == nil {
		look["credential_report"] = true
	}
	for _, k := range a.Keys {
		v := k.Verdict
		if v == nil || v.Code != UsedUnexplained {
			continue
		}
		look["data_events"], look["organization_trail"] = true, true
		if v.Region != "" && !read[v.Region] {
			regions[v.Region], look["regions_not_read"] = true, true
		}
	}
	if len(look) == 0 {
		look["cloudtrail_gaps"] = true // the coverage does not span the lookback
	}
	st.Look = slices.Sorted(maps.Keys(look))
	st.Regions = slices.Sorted(maps.Keys(regions))
	return st
}
