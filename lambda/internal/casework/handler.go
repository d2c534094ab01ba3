package casework

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/iam4-responder/iam4-responder/lambda/contract"
	"github.com/iam4-responder/iam4-responder/lambda/internal/contain"
	"github.com/iam4-responder/iam4-responder/lambda/internal/finding"
	"github.com/iam4-responder/iam4-responder/lambda/internal/investigation"
	"github.com/iam4-responder/iam4-responder/lambda/internal/ledger"
	"github.com/iam4-responder/iam4-responder/lambda/internal/metrics"
	"github.com/iam4-responder/iam4-responder/lambda/internal/report"
)

// CaseSink delivers a case's report to one channel (the sink package's Email, Chat, OpsItem
// and Jira in production). key identifies the delivery (case and epoch): a sink that can, uses
// it to make a repeated call harmless.
type CaseSink interface {
	Name() string
	Open(ctx context.Context, r report.Report, key string) (ref string, err error)
	Resolve(ctx context.Context, r report.Report, openRef, key string) (ref string, err error)
}

// Finder is a sink that can look up what an earlier, unfinished attempt with the same key
// created (Jira, by the case's label).
type Finder interface {
	Find(ctx context.Context, r report.Report, key string) (ref string, found bool, err error)
}

// Repeatable is a sink that says for which phase ("open", "resolve") a repeated call with the
// same key is harmless (OpsItem: /aws/dedup on open, a status set on resolve; Jira: resolve
// checks the issue before it comments and transitions).
type Repeatable interface{ Repeatable(phase string) bool }

// Refuser tells a channel's answer that it did not act (safe to repeat) from an error whose
// outcome is unknown (sink.Refused in production).
type Refuser func(error) bool

// WriteBack annotates each finding of a case (sink.SecurityHub in production). Both calls are
// idempotent: repeating one sets the same workflow and note again.
type WriteBack interface {
	Notified(ctx context.Context, f finding.Finding, note string, tickets map[string]string) error
	Resolved(ctx context.Context, f finding.Finding, note string) error
}

// Investigator gathers the evidence for an account (investigation.Investigate in production).
type Investigator interface {
	Investigate(ctx context.Context, account string) (investigation.Result, error)
}

// Container runs the opt-in containment for the account of a finding (contain.Guard in
// production), which re-reads the finding from Security Hub before acting.
type Container interface {
	Run(ctx context.Context, f finding.Finding, res investigation.Result) contain.Outcome
}

// AccountPolicy decides whose findings the responder acts on (accountPolicy in production).
type AccountPolicy interface {
	Allowed(ctx context.Context, account string) (ok bool, why string, err error)
}

// Rejecter keeps an event that no retry can fix, with the reason (DeadLetter in production).
type Rejecter interface {
	Reject(ctx context.Context, event []byte, reason string) error
}

// Handler wires the stages for one invocation; docs/delivery.md describes the protocol. It
// returns an error only for what a retry can fix; an event (or a finding of it) that can never
// succeed goes to the dead-letter queue at once.
type Handler struct {
	Log        *slog.Logger
	Accounts   AccountPolicy // nil acts on every account
	Ledger     *ledger.Ledger
	Sinks      []CaseSink
	Refused    Refuser   // nil treats every error as unknown
	WriteBack  WriteBack // optional
	DeadLetter Rejecter
	// Evidence is optional: without it the ticket carries the runbook only.
	Evidence Investigator
	// Owners is optional: it names who owns the account in every ticket (owner.go).
	Owners OwnerLookup
	// Routes is optional: each account's cases go to its route's channels (route.go).
	Routes *Routes
	// Contain is optional; it runs after the evidence, only when there is evidence.
	Contain Container
	Lang    report.Lang
	// Lease is the lease taken when the context has no deadline (Lambda's contexts always have
	// one: the lease then ends leaseMargin after the invocation's deadline).
	Lease time.Duration
	// Now is the clock of leases (time.Now when nil).
	Now func() time.Time
	// Point, when set, is called at every step of the protocol with its name (fault injection
	// in tests; nil in production).
	Point func(name string)
	// Metrics is optional: the embedded-metric-format recorder, flushed after each event.
	Metrics *metrics.Recorder
	// Follow configures following each case to the end (followup.go).
	Follow FollowUp
}

// leaseMargin covers clock skew between invocations: Lambda stops an invocation at its
// deadline, so a lease that ends after it is never taken from a live owner.
const leaseMargin = 30 * time.Second

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func (h *Handler) point(name string) {
	if h.Point != nil {
		h.Point(name)
	}
}

func (h *Handler) leaseEnd(ctx context.Context) time.Time {
	if d, ok := ctx.Deadline(); ok {
		return h.now().Add(time.Until(d) + leaseMargin)
	}
	lease := h.Lease
	if lease <= 0 {
		lease = 15*time.Minute + leaseMargin
	}
	return h.now().Add(lease)
}

// Handle processes one EventBridge event: a Security Hub event, or the scheduled sweep.
func (h *Handler) Handle(ctx context.Context, raw json.RawMessage) error {
	defer func() {
		if err := h.Metrics.Flush(); err != nil {
			h.Log.WarnContext(ctx, "metrics not written", "error", err.Error())
		}
	}()
	if isSweep(raw) {
		return errors.Join(h.Sweep(ctx), h.sweepFollowUps(ctx))
	}
	if isTask(raw, contract.TaskRecheck) {
		return h.Recheck(ctx)
	}
	if isTask(raw, contract.TaskDigest) {
		return h.Digest(ctx)
	}
	if isAPICall(raw) {
		return h.Signal(ctx, raw)
	}
	ev, err := finding.Parse(raw)
	if err != nil {
		return h.salvage(ctx, raw, err)
	}
	return h.handleEvent(ctx, ev)
}

func (h *Handler) handleEvent(ctx context.Context, ev finding.Event) error {
	var failed []error
	for _, f := range ev.Findings {
		if err := h.handleFinding(ctx, ev, f); err != nil {
			failed = append(failed, fmt.Errorf("finding %s: %w", f.ID, err))
		}
	}
	return errors.Join(failed...)
}

func (h *Handler) handleFinding(ctx context.Context, ev finding.Event, f finding.Finding) error {
	log := h.Log.With("finding_id", f.ID, "account", f.AccountID, "region", f.Region,
		"case", f.Case(), "trigger", string(ev.Trigger))
	d := finding.Decide(ev.Trigger, f)
	if d.Action != finding.Ignore && h.Accounts != nil {
		ok, why, err := h.Accounts.Allowed(ctx, f.AccountID)
		if err != nil {
			log.ErrorContext(ctx, "account check failed", "error", err.Error())
			return err
		}
		if !ok {
			d = finding.Decision{Action: finding.Ignore, Reason: "refused: " + why}
		}
	}
	log.InfoContext(ctx, "decision", "action", string(d.Action), "reason", d.Reason)
	if !finding.FromSecurityHub(f) {
		h.Metrics.Count(contract.MetricForeignFindings, 1)
	}
	var err error
	switch d.Action {
	case finding.Respond:
		err = h.arrive(ctx, log, f, ledger.WantOpen, "")
	case finding.Resolve:
		err = h.arrive(ctx, log, f, ledger.WantResolve, d.Reason)
	}
	switch {
	case err != nil:
		log.ErrorContext(ctx, "delivery failed", "error", err.Error())
		h.Metrics.Count(contract.MetricSinkFailures, 1)
	case d.Action == finding.Respond:
		h.Metrics.Count(contract.MetricCasesOpened, 1)
	case d.Action == finding.Resolve:
		h.Metrics.Count(contract.MetricCasesResolved, 1)
	}
	return err
}

// newOwner is a token unique to one attempt at a case.
func newOwner() string { return rand.Text() }

// arrive records the finding on its case and does what the ledger says this invocation must.
func (h *Handler) arrive(ctx context.Context, log *slog.Logger, f finding.Finding, want ledger.Want, reason string) error {
	enc, err := json.Marshal(f)
	if err != nil {
		return err
	}
	owner := newOwner()
	c, role, err := h.Ledger.Arrive(ctx, f.Case(), ledger.Arrival{Want: want, Finding: f.ID, Encoded: string(enc),
		Reason: reason, Owner: owner, Until: h.leaseEnd(ctx), At: f.UpdatedAt})
	if err != nil {
		return err
	}
	h.point("arrived")
	log.InfoContext(ctx, "case", "role", string(role), "state", string(c.State), "epoch", c.Epoch)
	switch role {
	case ledger.Owner:
		return h.work(ctx, log, c.ID, owner)
	case ledger.WriteBack:
		return h.writeBackOne(ctx, log, c, f)
	}
	// Attached: the owner writes this finding back; Idle: nothing to do.
	return nil
}

// Sweep takes over every case an owner left unfinished once its lease ended: the scheduled
// rule calls it, so no case waits on Lambda's retries outlasting the work.
func (h *Handler) Sweep(ctx context.Context) error {
	stale, err := h.Ledger.Stale(ctx)
	if err != nil {
		return fmt.Errorf("sweep: %w", err)
	}
	var errs []error
	for _, s := range stale {
		log := h.Log.With("case", s.ID, "trigger", "sweep")
		owner := newOwner()
		c, role, err := h.Ledger.Arrive(ctx, s.ID, ledger.Arrival{Want: ledger.WantTakeOver, Owner: owner, Until: h.leaseEnd(ctx)})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if role != ledger.Owner {
			continue
		}
		log.InfoContext(ctx, "case taken over", "state", string(c.State), "epoch", c.Epoch)
		if err := h.work(ctx, log, c.ID, owner); err != nil {
			log.ErrorContext(ctx, "sweep failed", "error", err.Error())
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// isSweep recognizes the scheduled rule's event (EventBridge "Scheduled Event" from aws.events).
func isSweep(raw []byte) bool {
	var env struct {
		Source     string `json:"source"`
		DetailType string `json:"detail-type"`
	}
	return json.Unmarshal(raw, &env) == nil && env.Source == contract.SourceEvents && env.DetailType == contract.DetailTypeScheduled
}
