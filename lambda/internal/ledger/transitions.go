package ledger

import (
	"time"
)

// Want is what a finding asks of its case.
type Want string

const (
	WantOpen     Want = "open"     // a FAILED finding, workflow NEW
	WantResolve  Want = "resolve"  // a PASSED or archived finding
	WantTakeOver Want = "takeover" // the sweeper: finish whatever an owner left unfinished
	// WantSignal: a real-time root CreateAccessKey. It opens a case when there is none (its
	// finding is the event, which Security Hub does not hold: it is never written back), and
	// changes nothing otherwise: the follow-up takes it from there.
	WantSignal Want = "signal"
)

// Arrival is one finding reaching the responder (or the sweeper looking at a case).
type Arrival struct {
	Want    Want
	Finding string // the finding's id; empty for WantTakeOver
	Encoded string // the caller's encoding of the finding, kept for whoever finishes the case
	Reason  string // why the case resolves, for WantResolve
	Owner   string // a token unique to the invocation
	Until   time.Time
	// At is when Security Hub last updated the finding (UpdatedAt). An arrival older than one
	// already seen for the same finding is stale, a Lambda retry of an event overtaken by a
	// later one, and changes nothing: the retry of a FAILED event must not reopen a case its
	// PASSED successor resolved.
	At time.Time
}

// Role is what the caller must do after Arrive.
type Role string

const (
	// Owner: the caller owns the case until its lease ends and must finish the current phase
	// (deliver every step, write back every attached finding, call Finish).
	Owner Role = "owner"
	// Attached: another invocation owns the case and will write this finding back (or apply
	// its resolution); the caller is done.
	Attached Role = "attached"
	// WriteBack: the case is open and this finding is new to it; the caller writes it back
	// with the case's tickets and marks it with WrittenBack.
	WriteBack Role = "writeback"
	// Idle: nothing to do (already written back, or no open case to resolve).
	Idle Role = "idle"
)

// arrive is the transition table. It reads the record as stored and now, and either changes the
// record (the caller then saves it with a compare-and-swap) or returns errNoChange.
//
//	state      lease   open               resolve              takeover
//	none       -       new epoch: owner   idle                 idle
//	opening    live    attach             attach + pending     idle
//	opening    ended   take over          take over + pending  take over
//	open       -       write back         resolving: owner     owner if pending
//	resolving  live    reopen             attach               idle
//	resolving  ended   take over + reopen take over            take over
//	resolved   -       new epoch: owner   idle                 owner if pending
func arrive(c *Case, a Arrival, now time.Time) (Role, error) {
	if a.Finding != "" && !a.At.IsZero() {
		at := a.At.UnixMilli()
		if prev, ok := c.Seen[a.Finding]; ok && at < prev {
			return Idle, errNoChange
		}
		if c.Seen == nil {
			c.Seen = map[string]int64{}
		}
		c.Seen[a.Finding] = at
	}
	live := c.LeaseUntil >= now.Unix()
	switch a.Want {
	case WantOpen:
		switch {
		case c.State == None || c.State == Resolved:
			newEpoch(c, map[string]string{a.Finding: a.Encoded})
			own(c, a)
			return Owner, nil
		case c.State == Opening && c.Resolve != "":
			// The control failed again after a PASSED arrived while opening: the case resolves
			// first, then this finding opens the next epoch.
			put(&c.Reopen, a.Finding, a.Encoded)
			return takeIfEnded(c, a, live), nil
		case c.State == Opening:
			put(&c.Findings, a.Finding, a.Encoded)
			return takeIfEnded(c, a, live), nil
		case c.State == Open:
			if c.Notified[a.Finding] {
				return Idle, errNoChange
			}
			put(&c.Findings, a.Finding, a.Encoded)
			return WriteBack, nil
		case c.State == Resolving:
			put(&c.Reopen, a.Finding, a.Encoded)
			return takeIfEnded(c, a, live), nil
		}
	case WantSignal:
		if c.State != None && c.State != Resolved {
			return Idle, errNoChange
		}
		newEpoch(c, map[string]string{a.Finding: a.Encoded})
		c.Notified = map[string]bool{a.Finding: true}
		c.Closed = map[string]bool{a.Finding: true}
		own(c, a)
		return Owner, nil
	case WantResolve:
		closeFollowUp(c, now)
		switch c.State {
		case None, Resolved:
			return Idle, errNoChange
		case Opening, Resolving:
			if c.Resolve == "" {
				c.Resolve = a.Reason
			}
			put(&c.Findings, a.Finding, a.Encoded)
			delete(c.Reopen, a.Finding)
			return takeIfEnded(c, a, live), nil
		case Open:
			c.State, c.Resolve = Resolving, a.Reason
			put(&c.Findings, a.Finding, a.Encoded)
			own(c, a)
			return Owner, nil
		}
	case WantTakeOver:
		switch {
		case live:
			return Idle, errNoChange
		case c.State == Opening || c.State == Resolving || len(c.Pending()) > 0:
			own(c, a)
			return Owner, nil
		}
		return Idle, errNoChange
	}
	return Idle, errNoChange
}

// finish ends the owner's phase (see Ledger.Finish).
func finish(c *Case, now time.Time) {
	switch c.State {
	case Opening:
		if c.Resolve != "" {
			c.State = Resolving
			return
		}
		c.State = Open
	case Resolving:
		c.State = Resolved
		if len(c.Reopen) > 0 {
			newEpoch(c, c.Reopen)
			return
		}
	}
	c.Owner, c.LeaseUntil = "", 0
}

func takeIfEnded(c *Case, a Arrival, live bool) Role {
	if live {
		return Attached
	}
	own(c, a)
	return Owner
}

func own(c *Case, a Arrival) {
	c.Owner, c.LeaseUntil = a.Owner, a.Until.Unix()
}

// newEpoch starts the next ticket generation of the case with the given findings.
func newEpoch(c *Case, findings map[string]string) {
	c.Epoch++
	c.State = Opening
	c.Findings = findings
	c.Notified, c.Closed, c.Reopen, c.Steps, c.Resolve = nil, nil, nil, nil, ""
	c.FollowUp = nil
}

func put(m *map[string]string, k, v string) {
	if *m == nil {
		*m = map[string]string{}
	}
	(*m)[k] = v
}
