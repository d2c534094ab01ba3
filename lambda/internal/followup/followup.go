// Package followup is the case's life after its ticket opened: the runbook's "deactivate the key,
// make sure nothing breaks, then delete it", walked as a state machine over what the daily
// re-check and the real-time signals observe.
//
// It is pure: Step takes the case as the ledger holds it and one observation, and returns the
// next case and the transitions to announce. Storing the case with a conditional write (so that
// each transition happens once, whatever the retries and concurrency) and telling the channels
// are the caller's. It never reads AWS and never renders text: transitions carry codes and
// numbers for the renderers.
package followup

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"time"
)

// State is where a case stands.
type State string

// The main line runs Open → Deactivated → Verifying → ReadyToDelete → Closed; UsedAgain, NewKey
// and Stalled are side branches that return to the main line as the evidence changes.
const (
	Open          State = "open"            // a root key is active
	Deactivated   State = "deactivated"     // the credential report shows every root key inactive
	Verifying     State = "verifying"       // inactive, waiting out the verification window
	ReadyToDelete State = "ready_to_delete" // inactive for the whole window, with no call since
	Closed        State = "closed"          // IAM.4 passed or was archived, or no key is left
	UsedAgain     State = "used_again"      // a key was reactivated, or called after deactivation
	NewKey        State = "new_key"         // a key not seen before exists
	Stalled       State = "stalled"         // no progress for Settings.StaleDays
)

// States are every state, main line first.
var States = []State{Open, Deactivated, Verifying, ReadyToDelete, Closed, UsedAgain, NewKey, Stalled}

// Settings are the case's clocks.
type Settings struct {
	VerifyDays int // days a key stays inactive before it may be deleted (default 7)
	StaleDays  int // days without progress before a case counts as stalled (default 14)
}

// Defaults are the settings' documented defaults.
var Defaults = Settings{VerifyDays: 7, StaleDays: 14}

// Key is one root access key as an observation sees it. ID is the key id where the source names
// it (a real-time CreateAccessKey event, an audit session's ListAccessKeys); the credential
// report names none, so a key is then known by its creation (rotation) time.
type Key struct {
	ID       string
	Slot     int
	Created  time.Time
	Active   bool
	LastUsed *time.Time // the last successful use, when known
}

// Known is a key the case has seen, as the ledger keeps it: a fingerprint of the id (never the
// id itself), its creation time and its last known state.
type Known struct {
	Fingerprint string    `json:"fp,omitempty"`
	Created     time.Time `json:"created,omitzero"`
	Active      bool      `json:"active"`
}

// createdSlack is how far two sources may disagree on a key's creation time and still mean one
// key: the credential report keeps seconds, CloudTrail's createDate too, but the report is
// generated later and a real-time event may carry only its eventTime.
const createdSlack = 2 * time.Minute

func fingerprint(id string) string {
	if id == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:8])
}

func (k Key) known() Known {
	return Known{Fingerprint: fingerprint(k.ID), Created: k.Created.UTC(), Active: k.Active}
}

// same reports whether a known key is the observed one: by fingerprint when both have one, else
// by creation time.
func (kn Known) same(k Known) bool {
	if kn.Fingerprint != "" && k.Fingerprint != "" {
		return kn.Fingerprint == k.Fingerprint
	}
	if kn.Created.IsZero() || k.Created.IsZero() {
		return false
	}
	d := kn.Created.Sub(k.Created)
	return d < createdSlack && d > -createdSlack
}

// label names a key in a transition without its id.
func (kn Known) label() string {
	if kn.Fingerprint != "" {
		return "key " + kn.Fingerprint
	}
	return "key created " + kn.Created.Format(time.RFC3339)
}

// Observation is what one re-check or real-time signal saw.
type Observation struct {
	At time.Time
	// Passed: IAM.4 passed or its finding was archived.
	Passed bool
	// Keys are the root's keys; KeysKnown is false when the source could not be read (then
	// nothing about keys is concluded). Partial: Keys are only the keys a real-time event named
	// (the others keep their last known state), and Deleted the keys it deleted.
	Keys      []Key
	KeysKnown bool
	Partial   bool
	Deleted   []Key
	// CalledAt is the time of a successful call made with a root key, seen in CloudTrail or a
	// real-time event; zero when none was seen.
	CalledAt time.Time
}

// Case is the follow-up state the ledger keeps with the case.
type Case struct {
	State    State     `json:"state"`
	Since    time.Time `json:"since"`              // when State began
	Progress time.Time `json:"progress"`           // the last move along the main line
	Inactive time.Time `json:"inactive,omitzero"`  // when every key was first seen inactive
	Keys     []Known   `json:"keys,omitempty"`     // every key the case knows, with its last state
	LastCall time.Time `json:"last_call,omitzero"` // the last key call seen after deactivation
}

// Start opens a case at t with the keys the opening evidence saw.
func Start(t time.Time, keys []Key) Case {
	c := Case{State: Open, Since: t, Progress: t}
	for _, k := range keys {
		c.Keys = append(c.Keys, k.known())
	}
	return c
}

// Reason says why a transition happened, in codes and numbers for the renderers.
type Reason string

// Reasons.
const (
	ReasonPassed      Reason = "control_passed"
	ReasonNoKey       Reason = "no_key_left"
	ReasonAllInactive Reason = "all_keys_inactive"
	ReasonWindowBegun Reason = "verification_begun"
	ReasonWindowDone  Reason = "verification_done"
	ReasonReactivated Reason = "key_reactivated"
	ReasonCalled      Reason = "key_called_after_deactivation"
	ReasonNewKey      Reason = "new_key"
	ReasonNoProgress  Reason = "no_progress"
)

// Transition is one move of a case, to be announced once in every channel.
type Transition struct {
	From, To State
	At       time.Time
	Reason   Reason
	// DaysInactive is how long every key has been inactive (ReadyToDelete, Verifying).
	DaysInactive int
	// LastUsed is the report's last use of any key, when known (ReadyToDelete says it).
	LastUsed *time.Time
	// CalledAt is the key call that moved the case (UsedAgain).
	CalledAt time.Time
	// Key is the identity of the key that moved the case (NewKey, UsedAgain by reactivation).
	Key string
	// DaysStill is how long the case made no progress (Stalled).
	DaysStill int
}

// Step applies one observation to a case. It returns the case unchanged and no transition when
// nothing moved; a closed case stays closed.
func Step(c Case, o Observation, s Settings) (Case, []Transition) {
	if s.VerifyDays <= 0 {
		s.VerifyDays = Defaults.VerifyDays
	}
	if s.StaleDays <= 0 {
		s.StaleDays = Defaults.StaleDays
	}
	if c.State == Closed {
		return c, nil
	}
	st := &stepper{c: c, o: o, s: s}
	st.step()
	return st.c, st.out
}

// stepper holds one Step's case, observation and the transitions made so far.
type stepper struct {
	c   Case
	o   Observation
	s   Settings
	out []Transition
}

func (st *stepper) move(to State, t Transition) {
	t.From, t.To, t.At = st.c.State, to, st.o.At
	st.out = append(st.out, t)
	st.c.State, st.c.Since = to, st.o.At
	if to != Stalled && to != UsedAgain && to != NewKey {
		st.c.Progress = st.o.At
	}
}

func (st *stepper) step() {
	c, o := &st.c, st.o
	if o.Passed {
		st.move(Closed, Transition{Reason: ReasonPassed})
		return
	}
	if !o.CalledAt.IsZero() && o.CalledAt.After(c.LastCall) && !c.Inactive.IsZero() && o.CalledAt.After(c.Inactive) {
		c.LastCall = o.CalledAt
		if c.State != UsedAgain {
			st.move(UsedAgain, Transition{Reason: ReasonCalled, CalledAt: o.CalledAt})
		}
	}
	if !o.KeysKnown {
		st.stall()
		return
	}
	if !o.Partial && len(o.Keys) == 0 {
		st.move(Closed, Transition{Reason: ReasonNoKey})
		return
	}
	st.learn()
	if len(c.Keys) == 0 {
		return // a real-time deletion of the last key: the next full re-check says so
	}
	active := ""
	for _, kn := range c.Keys {
		if kn.Active {
			active = kn.label()
			break
		}
	}
	switch {
	case active != "":
		if !c.Inactive.IsZero() {
			// Every key was inactive and one is active again: reactivated.
			c.Inactive = time.Time{}
			if c.State != UsedAgain {
				st.move(UsedAgain, Transition{Reason: ReasonReactivated, Key: active})
			}
		}
		st.stall()
	case c.Inactive.IsZero():
		c.Inactive = o.At
		st.move(Deactivated, Transition{Reason: ReasonAllInactive})
	case c.State == UsedAgain:
		// Inactive again after a call: the verification window starts over.
		c.Inactive = o.At
		st.move(Deactivated, Transition{Reason: ReasonAllInactive})
	case c.State == ReadyToDelete:
		if usedSince(o.Keys, c.Inactive) {
			c.Inactive = o.At
			st.move(UsedAgain, Transition{Reason: ReasonCalled, CalledAt: lastUse(o.Keys)})
		}
	case c.State == Deactivated && !o.At.After(c.Since):
		// The same observation again: verification begins with a later re-check that finds
		// the keys still inactive.
	default: // Deactivated, Verifying, Stalled, Open with an inactive key seen before
		if c.State != Verifying {
			st.move(Verifying, Transition{Reason: ReasonWindowBegun, DaysInactive: days(o.At.Sub(c.Inactive))})
		}
		if usedSince(o.Keys, c.Inactive) {
			c.Inactive = o.At
			st.move(UsedAgain, Transition{Reason: ReasonCalled, CalledAt: lastUse(o.Keys)})
			return
		}
		if o.At.Sub(c.Inactive) >= time.Duration(st.s.VerifyDays)*24*time.Hour {
			st.move(ReadyToDelete, Transition{Reason: ReasonWindowDone, DaysInactive: days(o.At.Sub(c.Inactive)),
				LastUsed: lastUsePtr(o.Keys)})
		}
	}
}

// learn brings the case's keys up to date with the observation and announces keys not seen
// before. A full observation replaces the set; a partial one updates the keys it names.
func (st *stepper) learn() {
	c, o := &st.c, st.o
	var next []Known
	if o.Partial {
		for _, kn := range c.Keys {
			if !slices.ContainsFunc(o.Deleted, func(k Key) bool { return k.known().same(kn) }) {
				next = append(next, kn)
			}
		}
	}
	for _, k := range o.Keys {
		seen := k.known()
		i := slices.IndexFunc(c.Keys, func(kn Known) bool { return kn.same(seen) })
		if i >= 0 {
			// Keep what the other source taught: a real-time event knows the id, the report
			// the creation time.
			if seen.Fingerprint == "" {
				seen.Fingerprint = c.Keys[i].Fingerprint
			}
			if seen.Created.IsZero() {
				seen.Created = c.Keys[i].Created
			}
		}
		if j := slices.IndexFunc(next, func(kn Known) bool { return kn.same(seen) }); j >= 0 {
			next[j] = seen
		} else {
			next = append(next, seen)
		}
		if i < 0 {
			c.Inactive = time.Time{}
			st.move(NewKey, Transition{Reason: ReasonNewKey, Key: seen.label()})
		}
	}
	c.Keys = next
}

// stall moves a case with no progress for StaleDays to Stalled, once.
func (st *stepper) stall() {
	still := st.o.At.Sub(st.c.Progress)
	if st.c.State != Stalled && st.c.State != ReadyToDelete && still >= time.Duration(st.s.StaleDays)*24*time.Hour {
		st.move(Stalled, Transition{Reason: ReasonNoProgress, DaysStill: days(still)})
	}
}

// usedSince reports whether the report shows a key used after t.
func usedSince(keys []Key, t time.Time) bool {
	for _, k := range keys {
		if k.LastUsed != nil && k.LastUsed.After(t) {
			return true
		}
	}
	return false
}

func lastUse(keys []Key) time.Time {
	if p := lastUsePtr(keys); p != nil {
		return *p
	}
	return time.Time{}
}

func lastUsePtr(keys []Key) *time.Time {
	var last *time.Time
	for _, k := range keys {
		if k.LastUsed != nil && (last == nil || k.LastUsed.After(*last)) {
			t := *k.LastUsed
			last = &t
		}
	}
	return last
}

func days(d time.Duration) int { return int(d / (24 * time.Hour)) }
