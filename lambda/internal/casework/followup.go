package casework

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/iam4-responder/iam4-responder/lambda/internal/config"
	"github.com/iam4-responder/iam4-responder/lambda/internal/finding"
	"github.com/iam4-responder/iam4-responder/lambda/internal/followup"
	"github.com/iam4-responder/iam4-responder/lambda/internal/ledger"
	"github.com/iam4-responder/iam4-responder/lambda/internal/report"
)

// FollowUp configures following a case to the end (docs/followup.md): the daily re-check and
// the real-time signals step the case's state machine in the ledger, and each transition is
// told to every channel once.
type FollowUp struct {
	Settings followup.Settings
	// Observer reads an account's root keys for the re-check (liveEvidence in production); nil
	// turns the re-check off.
	Observer Observer
	// Batch bounds the cases one re-check invocation takes (default recheckBatch); the sweep
	// continues the round.
	Batch int
}

// Updater is a sink that tells its channel of a follow-up transition (the sink package's Email,
// Chat, OpsItem and Jira). openRef is what the case's opening created at the sink; delivery is
// the transition's delivery key.
type Updater interface {
	Update(ctx context.Context, u report.Update, openRef, delivery string) (ref string, err error)
}

// Noter writes a follow-up's note on one finding of the case (sink.SecurityHub), idempotently.
type Noter interface {
	Note(ctx context.Context, f finding.Finding, note string) error
}

// needsTicket are the sinks whose update goes to what the opening created.
var needsTicket = map[string]bool{"jira": true, "opsitem": true}

// follow applies one observation to the case's follow-up and, when this invocation gets the
// follow-up's lease, tells every channel of each pending transition.
func (h *Handler) follow(ctx context.Context, log *slog.Logger, id string, o ledger.Observed) error {
	c, err := h.Ledger.Load(ctx, id)
	if err != nil {
		return err
	}
	if c.State == ledger.Open && c.FollowUp == nil {
		start, err := h.startFollowUp(ctx, log, c, o)
		if err != nil {
			return err
		}
		o.Start = &start
	}
	if o.Start != nil {
		o.Obs = resolveKeys(*o.Start, o.Obs)
	} else if c.FollowUp != nil {
		if fc, err := c.FollowUp.State(); err == nil {
			o.Obs = resolveKeys(fc, o.Obs)
		}
	}
	o.Owner, o.Until = newOwner(), h.leaseEnd(ctx)
	c, made, role, err := h.Ledger.Follow(ctx, id, o, h.Follow.Settings)
	if err != nil {
		return err
	}
	h.point("followed")
	for _, t := range made {
		log.InfoContext(ctx, "follow-up transition", "from", string(t.From), "to", string(t.To), "reason", string(t.Reason),
			"observation", o.ID)
	}
	if role != ledger.Announce {
		return nil
	}
	return h.announce(ctx, log, c.ID, o.Owner)
}

// startFollowUp begins a case's follow-up with the keys of the opening evidence, at the time the
// ticket opened. Without a credential report in the evidence, the keys of the first full
// observation stand in, so that a key the case always had is not announced as new.
func (h *Handler) startFollowUp(ctx context.Context, log *slog.Logger, c ledger.Case, observed ledger.Observed) (followup.Case, error) {
	o := observed.Obs
	var keys []followup.Key
	k, err := h.evidence(ctx, log, c, finding.Finding{}, "")
	if err != nil {
		return followup.Case{}, err
	}
	switch {
	case k.Evidence != nil && k.Evidence.Inventory != nil && k.Evidence.Inventory.Report != nil:
		keys = reportKeys(*k.Evidence.Inventory)
	case o.KeysKnown && !o.Partial:
		keys = o.Keys
	case h.Follow.Observer != nil:
		// A real-time event names only its own key: read them all.
		now, err := h.Follow.Observer.Observe(ctx, accountOf(c.ID), time.Time{})
		if err != nil {
			return followup.Case{}, fmt.Errorf("read the keys to begin the follow-up: %w", err)
		}
		if now.KeysKnown {
			keys = now.Keys
		}
	}
	if f, err := trigger(c); err == nil && o.Partial && isSignalFinding(f.ID) &&
		strings.TrimPrefix(f.ID, signalFinding) == strings.TrimPrefix(observed.ID, "event/") {
		// The real-time CreateAccessKey that opened the case: its key is the case's own, known
		// by id from now on, unless the report already shows it (by its creation time). Any
		// other event's key is observed as usual, so a key created later is announced as new.
		for _, nk := range o.Keys {
			if nk.Created.IsZero() {
				continue // an UpdateAccessKey names a key the case has (resolveKeys)
			}
			if !slices.ContainsFunc(keys, func(k followup.Key) bool { return near(k.Created, nk.Created) }) {
				keys = append(keys, nk)
			}
		}
	}
	return followup.Start(openedAt(c, h.now()), keys), nil
}

// openedAt is when the case began: its first delivery step of the epoch, or the time Security
// Hub (or CloudTrail, for a real-time event) reported its trigger when that is later (a finding
// Security Hub updated since, an event's time on a clock ahead of the ledger's).
func openedAt(c ledger.Case, now time.Time) time.Time {
	first := now
	for name, st := range c.Steps {
		if strings.HasPrefix(name, "open/") && st.Epoch == c.Epoch && st.At > 0 && time.Unix(st.At, 0).Before(first) {
			first = time.Unix(st.At, 0)
		}
	}
	if f, err := trigger(c); err == nil && f.UpdatedAt.After(first) {
		first = f.UpdatedAt
	}
	return first.UTC()
}

// sameKeySlack matches followup's tolerance between two sources' creation times of one key.
const sameKeySlack = 2 * time.Minute

func near(a, b time.Time) bool {
	if a.IsZero() || b.IsZero() {
		return false
	}
	d := a.Sub(b)
	return d < sameKeySlack && d > -sameKeySlack
}

// resolveKeys names the keys of a real-time UpdateAccessKey or DeleteAccessKey as the case
// knows them. Those calls act on an existing key, never a new one; the event names its id, the
// credential report only its creation time. When the case knows one key that has no id yet, the
// event's key is that one; with several, the event cannot say which, and its key observation is
// dropped (the next re-check reads them all).
func resolveKeys(fc followup.Case, o followup.Observation) followup.Observation {
	if !o.Partial {
		return o
	}
	fix := func(keys []followup.Key) ([]followup.Key, bool) {
		var out []followup.Key
		for _, k := range keys {
			if !k.Created.IsZero() || k.ID == "" {
				out = append(out, k)
				continue
			}
			fp := followup.Start(time.Time{}, []followup.Key{{ID: k.ID}}).Keys[0].Fingerprint
			if slices.ContainsFunc(fc.Keys, func(kn followup.Known) bool { return kn.Fingerprint == fp }) {
				out = append(out, k)
				continue
			}
			var unnamed []followup.Known
			for _, kn := range fc.Keys {
				if kn.Fingerprint == "" {
					unnamed = append(unnamed, kn)
				}
			}
			if len(unnamed) != 1 {
				return nil, false
			}
			k.Created = unnamed[0].Created
			out = append(out, k)
		}
		return out, true
	}
	keys, ok1 := fix(o.Keys)
	deleted, ok2 := fix(o.Deleted)
	if !ok1 || !ok2 {
		return followup.Observation{At: o.At, CalledAt: o.CalledAt}
	}
	o.Keys, o.Deleted = keys, deleted
	return o
}

// announce tells every channel of each pending transition, oldest first, while this
// invocation holds the follow-up's lease. On an error the lease is given back so that a retry
// or the sweep takes over at once; a frozen invocation gives nothing back and its lease ends.
func (h *Handler) announce(ctx context.Context, log *slog.Logger, id, owner string) error {
	for range maxPhases {
		c, err := h.Ledger.Load(ctx, id)
		if err != nil {
			return err
		}
		if c.FollowUp == nil || c.FollowUp.Owner != owner {
			return nil
		}
		anns, err := c.FollowUp.Announcements()
		if err != nil {
			return errors.Join(err, h.releaseFollowUp(ctx, id, owner))
		}
		for _, a := range anns {
			if c, err = h.deliverTransition(ctx, log, c, owner, a); err == nil {
				c, err = h.Ledger.Delivered(ctx, id, owner, a.Seq)
				h.point("delivered transition")
			}
			if errors.Is(err, ledger.ErrFenced) {
				log.WarnContext(ctx, "lost the follow-up to a later invocation; stopping")
				return nil
			}
			if err != nil {
				return errors.Join(err, h.releaseFollowUp(ctx, id, owner))
			}
		}
		_, done, err := h.Ledger.FinishFollowUp(ctx, id, owner)
		switch {
		case errors.Is(err, ledger.ErrFenced):
			return nil
		case err != nil:
			return errors.Join(err, h.releaseFollowUp(ctx, id, owner))
		case done:
			return nil
		}
	}
	return errors.Join(fmt.Errorf("case %s: transitions still arriving after %d rounds", id, maxPhases), h.releaseFollowUp(ctx, id, owner))
}

func (h *Handler) releaseFollowUp(ctx context.Context, id, owner string) error {
	return giveBack(ctx, h.Ledger.ReleaseFollowUp, id, owner)
}

// caller is who made the call a used-again transition announces, kept with the transition.
type caller struct {
	Address string `json:"ip,omitempty"`
	Agent   string `json:"agent,omitempty"`
	Action  string `json:"action,omitempty"`
}

// update renders one transition of the case.
func (h *Handler) update(ctx context.Context, log *slog.Logger, c ledger.Case, a ledger.Announcement) (report.Update, error) {
	rep, err := h.report(ctx, log, c, report.Opened, "")
	if err != nil {
		return report.Update{}, err
	}
	u := rep.Update(a.T)
	u.VerifyDays = h.Follow.Settings.VerifyDays
	var who caller
	if a.T.To == followup.UsedAgain && a.Note != "" && json.Unmarshal([]byte(a.Note), &who) == nil {
		u.Caller = &report.Caller{Address: who.Address, Agent: who.Agent, Action: who.Action}
	}
	return u, nil
}

// deliverTransition tells every sink of the case, and every Security Hub finding, of one
// transition: intent before, outcome after, like the opening's steps (deliver.go).
func (h *Handler) deliverTransition(ctx context.Context, log *slog.Logger, c ledger.Case, owner string, a ledger.Announcement) (ledger.Case, error) {
	u, err := h.update(ctx, log, c, a)
	if err != nil {
		return c, err
	}
	log = log.With("transition", a.Seq, "to", string(a.T.To))
	var errs []error
	for _, s := range h.sinksFor(ctx, accountOf(c.ID)) {
		up, ok := s.(Updater)
		if !ok {
			continue
		}
		openRef := c.Steps["open/"+s.Name()]
		if needsTicket[s.Name()] && (openRef.Status != ledger.Done || openRef.Ref == "") {
			continue // nothing was opened at this sink (outcome unknown, or the sink is new)
		}
		act := func(ctx context.Context, delivery string) (string, error) {
			return up.Update(ctx, u, openRef.Ref, delivery)
		}
		next, err := h.updateStep(ctx, log, c, owner, s.Name(), a.Seq, recoverable(s, "resolve"), act)
		if errors.Is(err, ledger.ErrFenced) {
			return c, err
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", s.Name(), err))
			continue
		}
		c = next
	}
	if n, ok := h.WriteBack.(Noter); ok {
		note := u.SecurityHubNote()
		act := func(ctx context.Context, _ string) (string, error) {
			ids := make([]string, 0, len(c.Findings))
			for id := range c.Findings {
				ids = append(ids, id)
			}
			slices.Sort(ids)
			noted := 0
			for _, id := range ids {
				f, err := decodeFinding(c.Findings[id])
				if err != nil {
					return "", err
				}
				if f.Test || isSignalFinding(f.ID) {
					continue // Security Hub holds neither a smoke test's finding nor a signal's
				}
				if err := n.Note(ctx, f, note); err != nil {
					return "", err
				}
				noted++
			}
			return fmt.Sprintf("%d findings", noted), nil
		}
		next, err := h.updateStep(ctx, log, c, owner, "securityhub", a.Seq, true, act)
		if errors.Is(err, ledger.ErrFenced) {
			return c, err
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("securityhub: %w", err))
		} else {
			c = next
		}
	}
	return c, errors.Join(errs...)
}

// updateStep runs one transition's side effect at one channel with its intent recorded before
// and its outcome after. repeatable says the channel can take the call again harmlessly (it
// checks or overwrites); SNS cannot, and an attempt of unknown outcome is not repeated.
func (h *Handler) updateStep(ctx context.Context, log *slog.Logger, c ledger.Case, owner, sink string, seq int, repeatable bool,
	act func(ctx context.Context, delivery string) (string, error)) (ledger.Case, error) {
	name := ledger.UpdateStep(seq, sink)
	delivery := fmt.Sprintf("%s#%d#%s", c.ID, c.Epoch, name)
	log = log.With("sink", sink, "step", name)
	switch st := c.Steps[name]; st.Status {
	case ledger.Done, ledger.Unknown:
		return c, nil
	case ledger.Intent:
		if !repeatable {
			log.ErrorContext(ctx, "delivery outcome unknown; not repeated, the channel cannot tell a duplicate")
			return h.Ledger.RecordUpdate(ctx, c.ID, owner, name, ledger.Unknown, "")
		}
	}
	c, err := h.Ledger.RecordUpdate(ctx, c.ID, owner, name, ledger.Intent, "")
	if err != nil {
		return c, err
	}
	h.point("intent " + name)
	ref, err := act(ctx, delivery)
	h.point("acted " + name)
	if err != nil {
		if h.Refused != nil && h.Refused(err) {
			_, rerr := h.Ledger.RecordUpdate(ctx, c.ID, owner, name, ledger.Failed, "")
			return c, errors.Join(err, rerr)
		}
		if !repeatable {
			log.ErrorContext(ctx, "delivery outcome unknown; not repeated", "error", err.Error())
			return h.Ledger.RecordUpdate(ctx, c.ID, owner, name, ledger.Unknown, "")
		}
		return c, err
	}
	log.InfoContext(ctx, "delivered", "ref", ref)
	c, err = h.Ledger.RecordUpdate(ctx, c.ID, owner, name, ledger.Done, ref)
	h.point("done " + name)
	return c, err
}

// accountOf is the account of a case id ("<account>/IAM.4").
func accountOf(id string) string {
	account, _, _ := strings.Cut(id, "/")
	return account
}

// sweepFollowUps takes over the transition deliveries whose owner stopped (its lease ended)
// and continues the day's re-check round where an invocation left it.
func (h *Handler) sweepFollowUps(ctx context.Context) error {
	stale, err := h.Ledger.StaleFollowUps(ctx)
	if err != nil {
		return fmt.Errorf("sweep follow-ups: %w", err)
	}
	var errs []error
	for _, s := range stale {
		log := h.Log.With("case", s.ID, "trigger", "sweep")
		owner := newOwner()
		_, ok, err := h.Ledger.TakeOverFollowUp(ctx, s.ID, owner, h.leaseEnd(ctx))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !ok {
			continue
		}
		log.InfoContext(ctx, "follow-up taken over")
		if err := h.announce(ctx, log, s.ID, owner); err != nil {
			log.ErrorContext(ctx, "follow-up sweep failed", "error", err.Error())
			errs = append(errs, err)
		}
	}
	return errors.Join(append(errs, h.continueRecheck(ctx))...)
}

// jiraStatuses are the Jira transitions per follow-up state, keyed as the sink reads them.
func jiraStatuses(cfg config.Config) map[string]string {
	out := map[string]string{}
	for state, name := range cfg.JiraStatuses {
		out[string(state)] = name
	}
	return out
}
