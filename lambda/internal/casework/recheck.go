package casework

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/iam4-responder/iam4-responder/lambda/internal/evidence"
	"github.com/iam4-responder/iam4-responder/lambda/internal/followup"
	"github.com/iam4-responder/iam4-responder/lambda/internal/investigation"
	"github.com/iam4-responder/iam4-responder/lambda/internal/ledger"
)

// Observer reads what an account's root keys look like now: the credential report (and the
// account summary, which is live where the report may be four hours old) and, once the keys
// were inactive since a time, the last call made with a key since then.
type Observer interface {
	Observe(ctx context.Context, account string, since time.Time) (followup.Observation, error)
}

// recheckBatch bounds one re-check invocation: each case reads a credential report and, while
// verifying, event history at CloudTrail's 2 requests per second per Region; the sweep goes on
// with the rest of the round.
const recheckBatch = 50

// recheckMargin is left free before the invocation's deadline for the last case's deliveries
// (the evidence keeps its own margin, evidenceMargin, inside a case).
const recheckMargin = 45 * time.Second

// roundKey names the ledger blob that marks the day's re-check round and its start.
func roundKey(day time.Time) string { return "recheck#" + day.UTC().Format(time.DateOnly) }

// Recheck is the daily re-check ({"iam4-responder-task":"recheck"}): it starts the day's round
// (the first invocation of the day; a duplicate joins it) and checks cases of the round until
// its batch or its time is used up.
func (h *Handler) Recheck(ctx context.Context) error {
	if h.Follow.Observer == nil {
		h.Log.InfoContext(ctx, "re-check not configured")
		return nil
	}
	now := h.now().UTC()
	data, err := h.Ledger.Keep(ctx, roundKey(now), mustJSON(now))
	if err != nil {
		return fmt.Errorf("re-check round: %w", err)
	}
	var start time.Time
	if err := json.Unmarshal(data, &start); err != nil {
		return fmt.Errorf("re-check round: %w", err)
	}
	return h.recheckRound(ctx, start)
}

// continueRecheck goes on with the day's round when one was started (the sweep calls it).
func (h *Handler) continueRecheck(ctx context.Context) error {
	if h.Follow.Observer == nil {
		return nil
	}
	key := roundKey(h.now())
	if _, done, err := h.Ledger.Kept(ctx, key+"#done"); err != nil || done {
		return err
	}
	data, ok, err := h.Ledger.Kept(ctx, key)
	if err != nil || !ok {
		return err
	}
	var start time.Time
	if err := json.Unmarshal(data, &start); err != nil {
		return fmt.Errorf("re-check round: %w", err)
	}
	return h.recheckRound(ctx, start)
}

// recheckRound checks the open cases not checked since the round began, at most a batch.
func (h *Handler) recheckRound(ctx context.Context, start time.Time) error {
	cases, err := h.Ledger.Following(ctx, start)
	if err != nil {
		return fmt.Errorf("re-check: %w", err)
	}
	h.Log.InfoContext(ctx, "re-check round", "round", start, "due", len(cases))
	if len(cases) == 0 {
		// The round is over: the sweep stops looking (one read instead of a scan every run).
		_, err := h.Ledger.Keep(ctx, roundKey(start)+"#done", mustJSON(h.now().UTC()))
		return err
	}
	batch := h.Follow.Batch
	if batch <= 0 {
		batch = recheckBatch
	}
	var errs []error
	for i, c := range cases {
		if i == batch || outOfTime(ctx, recheckMargin) {
			h.Log.InfoContext(ctx, "re-check continues in the sweep", "left", len(cases)-i)
			break
		}
		if err := h.recheckCase(ctx, c, start); err != nil {
			errs = append(errs, fmt.Errorf("case %s: %w", c.ID, err))
		}
	}
	return errors.Join(errs...)
}

func outOfTime(ctx context.Context, margin time.Duration) bool {
	d, ok := ctx.Deadline()
	return ok && time.Until(d) < margin
}

// recheckCase observes one case's account and steps its follow-up. The observation's id is the
// round's day: a duplicate schedule, a retry or the sweep apply it once.
func (h *Handler) recheckCase(ctx context.Context, c ledger.Case, round time.Time) error {
	account := accountOf(c.ID)
	log := h.Log.With("case", c.ID, "account", account, "trigger", "recheck")
	if h.Accounts != nil {
		ok, why, err := h.Accounts.Allowed(ctx, account)
		if err != nil {
			return err
		}
		if !ok {
			log.InfoContext(ctx, "re-check skipped", "reason", "refused: "+why)
			return nil
		}
	}
	var since time.Time
	if c.FollowUp != nil {
		if fc, err := c.FollowUp.State(); err == nil {
			since = fc.Inactive
		}
	}
	var state followup.Case
	if c.FollowUp != nil {
		state, _ = c.FollowUp.State()
	}
	obs, err := h.Follow.Observer.Observe(ctx, account, since)
	if err != nil {
		log.WarnContext(ctx, "re-check could not read the keys", "error", err.Error())
		obs = followup.Observation{At: h.now()} // keys unknown: only "stalled" can follow
	}
	if c.FollowUp != nil && obs.KeysKnown && obs.At.Before(state.Since) {
		// A report generated before the case's last move (a real-time event) would undo what
		// the event taught: its keys say nothing newer.
		log.InfoContext(ctx, "credential report older than the case's last change", "report", obs.At, "since", state.Since)
		obs.Keys, obs.KeysKnown = nil, false
	}
	return h.follow(ctx, log, c.ID, ledger.Observed{ID: "recheck/" + round.UTC().Format(time.RFC3339Nano), Obs: obs, Recheck: true})
}

// reportKeys are the root's keys as the credential report shows them (slots and creation times;
// the report names no ids).
func reportKeys(inv evidence.Inventory) []followup.Key {
	var keys []followup.Key
	if inv.Report == nil {
		return nil
	}
	for _, k := range inv.Report.Keys {
		fk := followup.Key{Slot: k.Slot, Active: k.Active, LastUsed: k.LastUsed}
		if k.LastRotated != nil {
			fk.Created = *k.LastRotated
		}
		keys = append(keys, fk)
	}
	return keys
}

// observation is what an inventory says at time at. The account summary is live and the report
// up to four hours old (IAM regenerates it at most every four hours), so where they disagree
// the summary wins: no key present is no key; a key present that the report does not show yet
// leaves the keys unknown.
func observation(inv evidence.Inventory, at time.Time) followup.Observation {
	o := followup.Observation{At: at}
	switch {
	case !inv.KeysPresent:
		o.KeysKnown = true
	case inv.Report == nil || len(inv.Report.Keys) == 0:
		// unknown
	default:
		o.Keys, o.KeysKnown = reportKeys(inv), true
	}
	return o
}

// asOf is the time an inventory describes: the credential report's generation (IAM regenerates
// it at most every four hours, so it may be older than now), else now.
func asOf(inv evidence.Inventory, now time.Time) time.Time {
	if inv.Report != nil && !inv.Report.GeneratedAt.IsZero() {
		return inv.Report.GeneratedAt
	}
	return now
}

// lastKeyCall is the last successful call made with a root access key in the evidence.
func lastKeyCall(res investigation.Result) time.Time {
	var last time.Time
	for _, k := range res.Keys {
		if k.Calls > k.Errors && k.LastUse.After(last) {
			last = k.LastUse
		}
	}
	return last
}

// Observe implements Observer with the function's evidence code, its rate limits and its
// member-account role: the inventory alone while no key was inactive, the investigation since
// the keys were first inactive (its event history or Athena source) once they were.
func (e *liveEvidence) Observe(ctx context.Context, account string, since time.Time) (followup.Observation, error) {
	now := time.Now
	if e.opts.Now != nil {
		now = e.opts.Now
	}
	clients, err := e.clientsFor(ctx, account)
	if err != nil {
		return followup.Observation{}, err
	}
	if since.IsZero() {
		inv, err := evidence.ReadInventory(ctx, clients.IAM)
		if err != nil {
			return followup.Observation{}, err
		}
		return observation(inv, asOf(inv, now())), nil
	}
	o := e.opts
	o.Account = account
	// Event history keeps 90 days: a longer window reads nothing more.
	o.Lookback = min(max(now().Sub(since), time.Hour), 90*24*time.Hour)
	res, err := investigation.Investigate(ctx, clients, o)
	if err != nil {
		return followup.Observation{}, err
	}
	obs := followup.Observation{At: now()}
	if res.Inventory != nil {
		obs = observation(*res.Inventory, asOf(*res.Inventory, now()))
	}
	if last := lastKeyCall(res); last.After(since) {
		obs.CalledAt = last
	}
	return obs, nil
}
