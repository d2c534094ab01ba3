// Package ledger is the bookkeeping that makes delivery exactly-once where a channel allows it and
// at-most-once where it does not: one record per case (account + IAM.4) holding who works on the
// case and until when (owner and lease), every finding attached to it, which findings were
// written back, a pending resolution, and the intent and outcome of every side effect (one step
// per sink and per phase, plus containment).
//
// Every change is a pure transition (transitions.go) applied to the whole record and stored with
// a compare-and-swap on its version, so the DynamoDB store and the tests' in-memory store
// (internal/memstore) run the same table; only the storage differs. The package never delivers anything itself and never decides
// what a channel can repeat: it records what the caller tells it.
package ledger

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"time"
)

// Key is the ledger table's partition key attribute.
const Key = "pk"

// State of a case.
type State string

const (
	None      State = ""          // never opened
	Opening   State = "opening"   // an owner is delivering the tickets
	Open      State = "open"      // every ticket was delivered and every attached finding written back
	Resolving State = "resolving" // an owner is delivering the resolution
	Resolved  State = "resolved"  // closed; a new failure opens a new epoch
)

// StepStatus is what the ledger knows about one side effect.
type StepStatus string

const (
	// Intent is written just before the side effect. Found by a later owner it means "unknown":
	// the earlier owner may have acted or not.
	Intent  StepStatus = "intent"
	Done    StepStatus = "done"    // the side effect happened; Ref names what it created
	Failed  StepStatus = "failed"  // the channel answered that it did not act: safe to repeat
	Unknown StepStatus = "unknown" // not repeated (the channel has no idempotency); see docs/delivery.md
)

// Step is one side effect's record.
type Step struct {
	Status StepStatus `dynamodbav:"s"`
	Ref    string     `dynamodbav:"ref,omitempty"`
	Epoch  int        `dynamodbav:"e"`
	At     int64      `dynamodbav:"at"` // unix seconds
}

// Case is the whole record of one case. Findings, Notified, Closed and Reopen hold finding ids;
// Findings and Reopen map them to the caller's encoding of the finding (opaque here).
type Case struct {
	ID         string            `dynamodbav:"pk"`
	Version    int64             `dynamodbav:"version"`
	State      State             `dynamodbav:"state"`
	Epoch      int               `dynamodbav:"epoch"`
	Owner      string            `dynamodbav:"owner,omitempty"`
	LeaseUntil int64             `dynamodbav:"lease_until"` // unix seconds
	Findings   map[string]string `dynamodbav:"findings,omitempty"`
	Notified   map[string]bool   `dynamodbav:"notified,omitempty"`
	Closed     map[string]bool   `dynamodbav:"closed,omitempty"`
	Reopen     map[string]string `dynamodbav:"reopen,omitempty"`
	Resolve    string            `dynamodbav:"resolve,omitempty"` // pending resolution's reason
	Steps      map[string]Step   `dynamodbav:"steps,omitempty"`
	Seen       map[string]int64  `dynamodbav:"seen,omitempty"`     // finding id → latest UpdatedAt seen (unix ms)
	FollowUp   *FollowUp         `dynamodbav:"followup,omitempty"` // the epoch's follow-up, once its ticket is open
	Updated    string            `dynamodbav:"updated_at"`
}

// Pending lists the attached findings of the current phase that still need a write-back.
func (c Case) Pending() []string {
	done := c.Notified
	if c.State == Resolving || c.State == Resolved {
		done = c.Closed
	}
	var out []string
	for id := range c.Findings {
		if !done[id] {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// Unfinished says a sweeper must take the case over once its lease ended: an owner stopped
// before finishing, or a finding was attached to an open case and not written back.
func (c Case) Unfinished() bool {
	return c.State == Opening || c.State == Resolving || len(c.Pending()) > 0
}

// Store keeps case records and evidence blobs. Save is a compare-and-swap: it stores c only
// when the stored version is prev (0: no record), and returns ErrConflict otherwise.
type Store interface {
	Load(ctx context.Context, id string) (Case, error) // the zero Case with ID set when absent
	Save(ctx context.Context, c Case, prev int64) error
	// PutBlob stores data under key unless a blob is there already, and returns the stored one:
	// the first writer wins.
	PutBlob(ctx context.Context, key string, data []byte) ([]byte, error)
	GetBlob(ctx context.Context, key string) ([]byte, bool, error)
	// Cases lists every case record (for the sweeper; the table holds one record per account).
	Cases(ctx context.Context) ([]Case, error)
}

// ErrConflict says the record changed between Load and Save.
var ErrConflict = errors.New("ledger record changed concurrently")

// ErrFenced says the caller no longer owns the case: its lease ended and another invocation took
// it over. The caller must stop at once without touching the channels again.
var ErrFenced = errors.New("the case is owned by another invocation now")

// Ledger applies the transitions to a Store.
type Ledger struct {
	Store Store
	Now   func() time.Time // time.Now when nil
}

func (l *Ledger) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

// maxCAS bounds the compare-and-swap retries of one change: each retry means another writer
// succeeded, so the loop ends; the bound keeps a pathological contention from spinning.
const maxCAS = 64

// change applies fn to the stored record and saves it, retrying on conflicts. fn may return
// errNoChange to leave the record as it is.
func (l *Ledger) change(ctx context.Context, id string, fn func(c *Case, now time.Time) error) (Case, error) {
	for range maxCAS {
		c, err := l.Store.Load(ctx, id)
		if err != nil {
			return Case{}, fmt.Errorf("ledger load %s: %w", id, err)
		}
		prev := c.Version
		next := clone(c)
		now := l.now()
		switch err := fn(&next, now); {
		case errors.Is(err, errNoChange):
			return c, nil
		case err != nil:
			return c, err
		}
		next.Version = prev + 1
		next.Updated = now.UTC().Format(time.RFC3339)
		switch err := l.Store.Save(ctx, next, prev); {
		case errors.Is(err, ErrConflict):
			continue
		case err != nil:
			return Case{}, fmt.Errorf("ledger save %s: %w", id, err)
		}
		return next, nil
	}
	return Case{}, fmt.Errorf("ledger %s: %w %d times", id, ErrConflict, maxCAS)
}

var errNoChange = errors.New("no change")

// clone copies the record so that a transition never writes into what the store holds.
func clone(c Case) Case {
	c.Findings = maps.Clone(c.Findings)
	c.Notified = maps.Clone(c.Notified)
	c.Closed = maps.Clone(c.Closed)
	c.Reopen = maps.Clone(c.Reopen)
	c.Steps = maps.Clone(c.Steps)
	c.Seen = maps.Clone(c.Seen)
	if c.FollowUp != nil {
		f := *c.FollowUp
		f.Pending = maps.Clone(f.Pending)
		f.Applied = slices.Clone(f.Applied)
		f.Throttle = maps.Clone(f.Throttle)
		c.FollowUp = &f
	}
	return c
}

// Arrive records a finding's arrival and tells the caller its role (see Role).
func (l *Ledger) Arrive(ctx context.Context, id string, a Arrival) (Case, Role, error) {
	var role Role
	c, err := l.change(ctx, id, func(c *Case, now time.Time) error {
		var err error
		role, err = arrive(c, a, now)
		return err
	})
	return c, role, err
}

// Record writes one step's intent or outcome; only the owner may.
func (l *Ledger) Record(ctx context.Context, id, owner, step string, status StepStatus, ref string) (Case, error) {
	return l.change(ctx, id, func(c *Case, now time.Time) error {
		if c.Owner != owner {
			return ErrFenced
		}
		if c.Steps == nil {
			c.Steps = map[string]Step{}
		}
		c.Steps[step] = Step{Status: status, Ref: ref, Epoch: c.Epoch, At: now.Unix()}
		return nil
	})
}

// WrittenBack marks findings as written back in the current phase; anyone may (a finding
// arriving at an open case is written back by its own invocation).
func (l *Ledger) WrittenBack(ctx context.Context, id string, epoch int, ids []string) (Case, error) {
	return l.change(ctx, id, func(c *Case, _ time.Time) error {
		if c.Epoch != epoch {
			return errNoChange // a new epoch began; the old write-back is history
		}
		done := &c.Notified
		if c.State == Resolving || c.State == Resolved {
			done = &c.Closed
		}
		if *done == nil {
			*done = map[string]bool{}
		}
		for _, f := range ids {
			(*done)[f] = true
		}
		return nil
	})
}

// Finish ends the owner's phase when nothing is pending; otherwise it returns the record
// unchanged with done false, and the owner writes back what Pending lists and calls again.
// Ending an opening with a pending resolution moves on to resolving (same owner); ending a
// resolution with findings that failed again meanwhile opens the next epoch (same owner).
func (l *Ledger) Finish(ctx context.Context, id, owner string) (c Case, done bool, err error) {
	c, err = l.change(ctx, id, func(c *Case, now time.Time) error {
		if c.Owner != owner {
			return ErrFenced
		}
		if len(c.Pending()) > 0 {
			done = false
			return errNoChange
		}
		done = true
		finish(c, now)
		return nil
	})
	return c, done, err
}

// Release gives the owner's lease back so that a retry may take the case over at once (a
// channel refused, nothing is unknown). A frozen invocation never releases: its lease ends.
func (l *Ledger) Release(ctx context.Context, id, owner string) error {
	_, err := l.change(ctx, id, func(c *Case, _ time.Time) error {
		if c.Owner != owner {
			return errNoChange
		}
		c.LeaseUntil = 0
		return nil
	})
	return err
}

// Load returns the case as stored.
func (l *Ledger) Load(ctx context.Context, id string) (Case, error) { return l.Store.Load(ctx, id) }

// Stale lists the cases a sweeper should take over: unfinished, and nobody's lease running.
func (l *Ledger) Stale(ctx context.Context) ([]Case, error) {
	all, err := l.Store.Cases(ctx)
	if err != nil {
		return nil, err
	}
	now := l.now().Unix()
	var out []Case
	for _, c := range all {
		if c.Unfinished() && c.LeaseUntil < now {
			out = append(out, c)
		}
	}
	return out, nil
}

// EvidenceKey names the blob that holds a case's evidence for one epoch.
func EvidenceKey(id string, epoch int) string { return fmt.Sprintf("%s#evidence#%d", id, epoch) }

// Keep stores data under key, compressed, unless something is kept there already; it returns
// what is kept (the first writer's data), so every reader of the key sees the same bytes.
func (l *Ledger) Keep(ctx context.Context, key string, data []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(data); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	kept, err := l.Store.PutBlob(ctx, key, buf.Bytes())
	if err != nil {
		return nil, fmt.Errorf("ledger keep %s: %w", key, err)
	}
	return gunzip(kept)
}

// Kept returns what Keep stored under key.
func (l *Ledger) Kept(ctx context.Context, key string) ([]byte, bool, error) {
	b, ok, err := l.Store.GetBlob(ctx, key)
	if err != nil || !ok {
		return nil, ok, err
	}
	data, err := gunzip(b)
	return data, err == nil, err
}

func gunzip(b []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}
