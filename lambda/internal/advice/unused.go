package advice

import (
	"time"

	"github.com/iam4-responder/iam4-responder/lambda/internal/evidence"
)

// This file is the one rule for "unused". The ticket's decision and the containment's deletion
// both ask Judge, so the two can never disagree about a key. The rule is conservative: a key is
// unused only when the credential report was read and agrees (never used, or last used before
// the lookback) AND CloudTrail was read for the whole lookback without a gap AND CloudTrail saw
// no call of the key. Anything short of that is a reason to look further, never to delete.

// reportLag is how much later than CloudTrail's last call of a key the credential report's
// last-used time may be while the call still explains it. CloudTrail delivers a management event
// to event history within minutes (CloudTrail user guide, "How CloudTrail works": about 5 minutes
// on average, not guaranteed); use reported later than that was made by something event history
// does not hold: data events, or a Region that was not read.
const reportLag = time.Hour

// VerdictCode says why a key is, or is not, unused.
type VerdictCode string

const (
	// NeverUsed: the report shows no use ever, CloudTrail none in the lookback. Unused.
	NeverUsed VerdictCode = "never_used"
	// UsedBeforeLookback: the report's last use is older than the lookback. Unused.
	UsedBeforeLookback VerdictCode = "used_before_lookback"
	// UsedSeen: CloudTrail saw the key's calls, and they explain the report's last use.
	UsedSeen VerdictCode = "used"
	// UsedUnexplained: the report shows use in the lookback that CloudTrail's calls of this key
	// do not explain (data events, a Region not read); CloudTrail may have seen some calls.
	UsedUnexplained VerdictCode = "used_unexplained"
	// ReportUnreadable: the credential report could not be read, so nothing confirms non-use.
	ReportUnreadable VerdictCode = "report_unreadable"
	// NotInReport: the key has no slot in the report (created after it, or not joined).
	NotInReport VerdictCode = "not_in_report"
	// EvidenceIncomplete: CloudTrail was not read for the whole lookback in every Region.
	EvidenceIncomplete VerdictCode = "evidence_incomplete"
)

// Rule is the lookback a key is judged over, at a moment.
type Rule struct {
	// Lookback is the window the evidence source was asked to read: event history's (at most
	// evidence.MaxLookback, which is also the default) or the trail table's (a year or more on
	// Athena). It is not clamped: Complete still asks the coverage to span all of it, so a
	// window longer than what was read makes the evidence incomplete, never a key unused.
	Lookback time.Duration
	Now      time.Time
}

// Window is the lookback in force.
func (r Rule) Window() time.Duration {
	if r.Lookback <= 0 {
		return evidence.MaxLookback
	}
	return r.Lookback
}

// Start is the beginning of the lookback.
func (r Rule) Start() time.Time { return r.Now.Add(-r.Window()) }

// Days is the lookback in whole days.
func (r Rule) Days() int { return int(r.Window().Hours()/24 + 0.5) }

// Complete says whether the CloudTrail coverage spans the whole lookback without a gap. A nil
// coverage (records, not an account, or nothing gathered) is never complete.
func (r Rule) Complete(cov *evidence.Coverage) bool {
	return cov != nil && !cov.End.IsZero() && !cov.Partial() && cov.End.Sub(cov.Start) >= r.Window()
}

// KeyEvidence is what is known of one key when it is judged.
type KeyEvidence struct {
	ReportRead bool                // the credential report was read
	Slot       *evidence.ReportKey // the key's slot in it; nil when the key has none
	Calls      int                 // CloudTrail calls of this very key id in the lookback
	LastCall   time.Time           // the newest of them
	Complete   bool                // Rule.Complete of the coverage
}

// Verdict is the rule's answer for one key, as data: the report renders the sentence.
type Verdict struct {
	Code         VerdictCode `json:"code"`
	Unused       bool        `json:"unused"`
	LookbackDays int         `json:"lookback_days"`
	Calls        int         `json:"calls"`                    // CloudTrail calls of the key in the lookback
	LastUsed     *time.Time  `json:"last_used,omitempty"`      // per the credential report
	DaysSinceUse int         `json:"days_since_use,omitempty"` // per the credential report
	Region       string      `json:"last_used_region,omitempty"`
	Service      string      `json:"last_used_service,omitempty"`
}

// Judge applies the rule to one key.
func (r Rule) Judge(k KeyEvidence) Verdict {
	v := Verdict{LookbackDays: r.Days(), Calls: k.Calls}
	if s := k.Slot; s != nil && s.LastUsed != nil {
		v.LastUsed, v.Region, v.Service = s.LastUsed, s.LastUsedRegion, s.LastUsedService
		v.DaysSinceUse = int(r.Now.Sub(*s.LastUsed).Hours() / 24)
	}
	usedInWindow := v.LastUsed != nil && !v.LastUsed.Before(r.Start())
	switch {
	case k.Calls > 0 && usedInWindow && v.LastUsed.After(k.LastCall.Add(reportLag)):
		v.Code = UsedUnexplained
	case k.Calls > 0:
		v.Code = UsedSeen
	case !k.ReportRead:
		v.Code = ReportUnreadable
	case k.Slot == nil:
		v.Code = NotInReport
	case usedInWindow:
		v.Code = UsedUnexplained
	case !k.Complete:
		v.Code = EvidenceIncomplete
	case v.LastUsed == nil:
		v.Code, v.Unused = NeverUsed, true
	default:
		v.Code, v.Unused = UsedBeforeLookback, true
	}
	return v
}

// Explained reports whether the verdict leaves no use unaccounted for: unused keys, and keys
// whose every reported use CloudTrail saw.
func (v Verdict) Explained() bool { return v.Unused || v.Code == UsedSeen }
