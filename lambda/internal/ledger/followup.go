package ledger

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/iam4-responder/iam4-responder/lambda/internal/followup"
)

// FollowUp is the case's life after its ticket opened (docs/followup.md): the state machine of
// package followup, kept in the versioned record so that a re-check and a real-time signal
// racing each apply once, and the transitions not yet told to every channel.
//
// Deliveries of transitions have their own owner and lease, apart from the case's: the opening
// and resolving phases and the follow-up's announcements do not wait for each other.
type FollowUp struct {
	// Case is the followup.Case as JSON (its own tags), so the state machine's fields never
	// depend on the attribute-value encoding.
	Case string `dynamodbav:"case"`
	// Seq counts the transitions made so far; transition n's delivery steps are "fu/<n>/<sink>".
	Seq int `dynamodbav:"seq"`
	// Pending holds the transitions not yet delivered to every channel (seq → JSON).
	Pending map[string]string `dynamodbav:"pending,omitempty"`
	// Applied are the latest observation ids applied (a re-check's day, an event's id): an
	// observation seen again changes nothing, whatever the retries.
	Applied []string `dynamodbav:"applied,omitempty"`
	// Throttle holds the "used again" slots claimed (caller and hour → unix seconds), pruned
	// after throttleKeep.
	Throttle   map[string]int64 `dynamodbav:"throttle,omitempty"`
	Checked    int64            `dynamodbav:"checked,omitempty"` // the last re-check (unix seconds)
	Owner      string           `dynamodbav:"owner,omitempty"`
	LeaseUntil int64            `dynamodbav:"lease_until,omitempty"`
}

// maxApplied bounds the observation ids kept: a day's re-check and an hour of signals fit.
const maxApplied = 64

// throttleKeep is how long a claimed "used again" slot is kept: the slot is an hour.
const throttleKeep = 2 * time.Hour

// State decodes the follow-up case.
func (f *FollowUp) State() (followup.Case, error) {
	var c followup.Case
	if f == nil {
		return c, fmt.Errorf("the case has no follow-up yet")
	}
	if err := json.Unmarshal([]byte(f.Case), &c); err != nil {
		return c, fmt.Errorf("decode the follow-up case: %w", err)
	}
	return c, nil
}

// Announcement is a transition waiting to be told to every channel.
type Announcement struct {
	Seq  int                 `json:"-"`
	T    followup.Transition `json:"t"`
	Note string              `json:"note,omitempty"` // the observation's Note
}

// Announcements lists the pending transitions, oldest first.
func (f *FollowUp) Announcements() ([]Announcement, error) {
	if f == nil {
		return nil, nil
	}
	var out []Announcement
	for k, v := range f.Pending {
		seq, err := strconv.Atoi(k)
		if err != nil {
			return nil, fmt.Errorf("follow-up transition %q: %w", k, err)
		}
		var a Announcement
		if err := json.Unmarshal([]byte(v), &a); err != nil {
			return nil, fmt.Errorf("decode follow-up transition %d: %w", seq, err)
		}
		a.Seq = seq
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b Announcement) int { return a.Seq - b.Seq })
	return out, nil
}

// UpdateStep names the delivery step of transition seq to one sink.
func UpdateStep(seq int, sink string) string { return fmt.Sprintf("fu/%d/%s", seq, sink) }

// Observed is one observation of a case (a re-check or a real-time signal) for Follow.
type Observed struct {
	ID  string // "recheck/<day>", "event/<event id>": applied at most once
	Obs followup.Observation
	// Throttle is the "used again" slot of a key call (signal.Signal.Throttle); a slot claimed
	// already makes the observation change nothing.
	Throttle string
	// Start is the follow-up to begin with when the record has none yet (followup.Start with
	// the opening evidence's keys).
	Start *followup.Case
	// Note is kept with each transition the observation makes, for its announcement (the
	// caller's encoding, opaque here: who made a call, from a real-time signal).
	Note string
	// Recheck stamps the record's Checked time.
	Recheck bool
	Owner   string // a token unique to the invocation, which delivers the transitions if it can
	Until   time.Time
}

// FollowRole says what the caller of Follow must do.
type FollowRole string

const (
	// Announce: the caller holds the follow-up's lease and delivers every pending transition.
	Announce FollowRole = "announce"
	// Nothing: no transition is pending, or another invocation's live lease delivers them.
	Nothing FollowRole = "nothing"
)

// ErrNotOpen says the case has no ticket to follow yet (no case, or still opening): the caller
// tries again later.
var ErrNotOpen = fmt.Errorf("the case is not open")

// Follow applies one observation to the case's follow-up with a compare-and-swap: whatever the
// races, each observation id is applied once and each transition is made once. It returns the
// transitions this call made (none when nothing moved) and the caller's role.
func (l *Ledger) Follow(ctx context.Context, id string, o Observed, s followup.Settings) (Case, []followup.Transition, FollowRole, error) {
	var made []followup.Transition
	role := Nothing
	c, err := l.change(ctx, id, func(c *Case, now time.Time) error {
		made, role = nil, Nothing
		var changed bool
		var err error
		made, changed, err = follow(c, o, s, now)
		if err != nil {
			return err
		}
		if claimFollowUp(c, o.Owner, o.Until, now) {
			role, changed = Announce, true
		}
		if !changed {
			return errNoChange
		}
		return nil
	})
	return c, made, role, err
}

// follow is the pure transition of Follow; changed says the record must be saved.
func follow(c *Case, o Observed, s followup.Settings, now time.Time) (made []followup.Transition, changed bool, err error) {
	if c.State != Open {
		// Opening: the ticket is not out yet, the caller tries later. Resolving, resolved: the
		// resolution closed the follow-up; nothing more to observe in this epoch.
		if c.State == Opening || c.State == None {
			return nil, false, ErrNotOpen
		}
		return nil, false, nil
	}
	if c.FollowUp == nil {
		if o.Start == nil {
			return nil, false, ErrNotOpen
		}
		c.FollowUp = &FollowUp{Case: string(mustJSON(*o.Start))}
		changed = true
	}
	f := c.FollowUp
	if o.Recheck {
		f.Checked = now.Unix()
		changed = true
	}
	if o.ID != "" {
		if slices.Contains(f.Applied, o.ID) {
			return nil, changed, nil
		}
		f.Applied = append(f.Applied, o.ID)
		if len(f.Applied) > maxApplied {
			f.Applied = slices.Clone(f.Applied[len(f.Applied)-maxApplied:])
		}
	}
	if o.Throttle != "" {
		if _, ok := f.Throttle[o.Throttle]; ok {
			return nil, changed, nil
		}
		maps.DeleteFunc(f.Throttle, func(_ string, at int64) bool { return now.Unix()-at > int64(throttleKeep/time.Second) })
		if f.Throttle == nil {
			f.Throttle = map[string]int64{}
		}
		f.Throttle[o.Throttle] = now.Unix()
	}
	fc, err := f.State()
	if err != nil {
		return nil, false, err
	}
	next, made := followup.Step(fc, o.Obs, s)
	f.Case = string(mustJSON(next))
	for _, t := range made {
		f.Seq++
		if f.Pending == nil {
			f.Pending = map[string]string{}
		}
		f.Pending[strconv.Itoa(f.Seq)] = string(mustJSON(Announcement{T: t, Note: o.Note}))
	}
	return made, true, nil
}

// closeFollowUp closes the follow-up when IAM.4 passed or its finding was archived. The
// resolution phase tells every channel (the ticket's own closing), so the transition is not
// announced twice.
func closeFollowUp(c *Case, at time.Time) {
	if c.FollowUp == nil {
		return
	}
	fc, err := c.FollowUp.State()
	if err != nil {
		return // an undecodable follow-up is left for the operator; the resolution goes on
	}
	next, _ := followup.Step(fc, followup.Observation{At: at, Passed: true}, followup.Settings{})
	c.FollowUp.Case = string(mustJSON(next))
}

// claimFollowUp gives the follow-up's lease to owner when a transition is pending and nobody
// holds a live lease.
func claimFollowUp(c *Case, owner string, until time.Time, now time.Time) bool {
	f := c.FollowUp
	if f == nil || owner == "" || len(f.Pending) == 0 {
		return false
	}
	if f.Owner != "" && f.LeaseUntil >= now.Unix() {
		return f.Owner == owner
	}
	f.Owner, f.LeaseUntil = owner, until.Unix()
	return true
}

// RecordUpdate writes one transition delivery's intent or outcome; only the follow-up's owner
// may.
func (l *Ledger) RecordUpdate(ctx context.Context, id, owner, step string, status StepStatus, ref string) (Case, error) {
	return l.change(ctx, id, func(c *Case, now time.Time) error {
		if c.FollowUp == nil || c.FollowUp.Owner != owner {
			return ErrFenced
		}
		if c.Steps == nil {
			c.Steps = map[string]Step{}
		}
		c.Steps[step] = Step{Status: status, Ref: ref, Epoch: c.Epoch, At: now.Unix()}
		return nil
	})
}

// Delivered marks transition seq as told to every channel.
func (l *Ledger) Delivered(ctx context.Context, id, owner string, seq int) (Case, error) {
	return l.change(ctx, id, func(c *Case, _ time.Time) error {
		if c.FollowUp == nil || c.FollowUp.Owner != owner {
			return ErrFenced
		}
		delete(c.FollowUp.Pending, strconv.Itoa(seq))
		return nil
	})
}

// FinishFollowUp gives the follow-up's lease back when no transition is pending; otherwise it
// returns done false and the owner delivers what arrived meanwhile.
func (l *Ledger) FinishFollowUp(ctx context.Context, id, owner string) (c Case, done bool, err error) {
	c, err = l.change(ctx, id, func(c *Case, _ time.Time) error {
		if c.FollowUp == nil || c.FollowUp.Owner != owner {
			return ErrFenced
		}
		if len(c.FollowUp.Pending) > 0 {
			done = false
			return errNoChange
		}
		done = true
		c.FollowUp.Owner, c.FollowUp.LeaseUntil = "", 0
		return nil
	})
	return c, done, err
}

// ReleaseFollowUp gives the follow-up's lease back after a failed delivery, so that a retry or
// the sweep can take it over at once.
func (l *Ledger) ReleaseFollowUp(ctx context.Context, id, owner string) error {
	_, err := l.change(ctx, id, func(c *Case, _ time.Time) error {
		if c.FollowUp == nil || c.FollowUp.Owner != owner {
			return errNoChange
		}
		c.FollowUp.LeaseUntil = 0
		return nil
	})
	return err
}

// TakeOverFollowUp claims the follow-up's lease of a case whose transitions are pending and
// whose lease ended (the sweep).
func (l *Ledger) TakeOverFollowUp(ctx context.Context, id, owner string, until time.Time) (Case, bool, error) {
	var ok bool
	c, err := l.change(ctx, id, func(c *Case, now time.Time) error {
		ok = claimFollowUp(c, owner, until, now)
		if !ok {
			return errNoChange
		}
		return nil
	})
	return c, ok, err
}

// StaleFollowUps lists the cases whose transitions are pending with nobody's lease running.
func (l *Ledger) StaleFollowUps(ctx context.Context) ([]Case, error) {
	all, err := l.Store.Cases(ctx)
	if err != nil {
		return nil, err
	}
	now := l.now().Unix()
	var out []Case
	for _, c := range all {
		if f := c.FollowUp; f != nil && len(f.Pending) > 0 && f.LeaseUntil < now {
			out = append(out, c)
		}
	}
	return out, nil
}

// Following lists the cases the daily re-check looks at: open, with a follow-up that is not
// closed or no follow-up yet (begun by the first re-check), and not checked since since.
func (l *Ledger) Following(ctx context.Context, since time.Time) ([]Case, error) {
	all, err := l.Store.Cases(ctx)
	if err != nil {
		return nil, err
	}
	var out []Case
	for _, c := range all {
		if c.State != Open {
			continue
		}
		if f := c.FollowUp; f != nil {
			if f.Checked >= since.Unix() {
				continue
			}
			if fc, err := f.State(); err == nil && fc.State == followup.Closed {
				continue
			}
		}
		out = append(out, c)
	}
	return out, nil
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("encode %T: %v", v, err)) // the follow-up's own plain types always encode
	}
	return b
}
