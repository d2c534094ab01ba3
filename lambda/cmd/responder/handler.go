package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"github.com/iam4-responder/iam4-responder/lambda/internal/finding"
	"github.com/iam4-responder/iam4-responder/lambda/internal/investigation"
	"github.com/iam4-responder/iam4-responder/lambda/internal/ledger"
	"github.com/iam4-responder/iam4-responder/lambda/internal/report"
)

// Ledger records which case reached which sink (ledger.Ledger in production).
type Ledger interface {
	BeginOpen(ctx context.Context, key string) (bool, error)
	FinishOpen(ctx context.Context, key, ref string) error
	AbortOpen(ctx context.Context, key string) error
	BeginResolve(ctx context.Context, key string) (bool, error)
	FinishResolve(ctx context.Context, key, ref string) error
	AbortResolve(ctx context.Context, key string) error
}

// Publisher sends a plain-text notification (sink.SNS in production).
type Publisher interface {
	Publish(ctx context.Context, subject, body string) (string, error)
}

// Investigator gathers the evidence for an account (investigation.Investigate in production).
type Investigator interface {
	Investigate(ctx context.Context, account string) (investigation.Result, error)
}

// Rejecter keeps an event that no retry can fix, with the reason (DeadLetter in production).
type Rejecter interface {
	Reject(ctx context.Context, event []byte, reason string) error
}

// Handler wires the stages for one invocation. It returns an error only for what a retry can fix
// (a sink or the ledger failing); Lambda then retries and, at the end, puts the event with the
// error in the dead-letter queue. An event that can never succeed goes to the queue at once.
type Handler struct {
	Log        *slog.Logger
	Ledger     Ledger
	Email      Publisher
	DeadLetter Rejecter
	// Evidence is optional: without it the ticket carries the runbook only.
	Evidence Investigator
}

// sinkEmail is the e-mail sink's name in ledger keys.
const sinkEmail = "sns-email"

// Handle processes one EventBridge event.
func (h *Handler) Handle(ctx context.Context, raw json.RawMessage) error {
	ev, err := finding.Parse(raw)
	if err != nil {
		h.Log.ErrorContext(ctx, "event rejected", "error", err.Error())
		if dlqErr := h.DeadLetter.Reject(ctx, raw, err.Error()); dlqErr != nil {
			return fmt.Errorf("%w; keeping it in the dead-letter queue failed: %w", err, dlqErr)
		}
		return nil
	}
	var failed []error
	for _, f := range ev.Findings {
		log := h.Log.With("finding_id", f.ID, "account", f.AccountID, "region", f.Region,
			"case", f.Case(), "trigger", string(ev.Trigger))
		d := finding.Decide(ev.Trigger, f)
		log.InfoContext(ctx, "decision", "action", string(d.Action), "reason", d.Reason)
		switch d.Action {
		case finding.Respond:
			err = h.open(ctx, log, f)
		case finding.Resolve:
			err = h.resolve(ctx, log, f, d.Reason)
		default:
			err = nil
		}
		if err != nil {
			log.ErrorContext(ctx, "delivery failed", "error", err.Error())
			failed = append(failed, fmt.Errorf("finding %s: %w", f.ID, err))
		}
	}
	return errors.Join(failed...)
}

// step is one ledger transition around a delivery: opening a case or resolving it.
type step struct {
	kind    report.Kind
	begin   func(ctx context.Context, key string) (bool, error)
	finish  func(ctx context.Context, key, ref string) error
	abort   func(ctx context.Context, key string) error
	skipped string // logged when the ledger says there is nothing to do
}

func (h *Handler) open(ctx context.Context, log *slog.Logger, f finding.Finding) error {
	return h.deliver(ctx, log, f, "", step{report.Opened, h.Ledger.BeginOpen, h.Ledger.FinishOpen, h.Ledger.AbortOpen,
		"case already notified"})
}

func (h *Handler) resolve(ctx context.Context, log *slog.Logger, f finding.Finding, reason string) error {
	return h.deliver(ctx, log, f, reason, step{report.Resolved, h.Ledger.BeginResolve, h.Ledger.FinishResolve, h.Ledger.AbortResolve,
		"no open case to resolve"})
}

// deliver claims the step in the ledger, sends the report, and records the outcome; a failed
// send gives the claim back so that Lambda's retry delivers at once.
func (h *Handler) deliver(ctx context.Context, log *slog.Logger, f finding.Finding, reason string, s step) error {
	key := ledger.ItemKey(f.Case(), sinkEmail)
	ok, err := s.begin(ctx, key)
	if err != nil {
		return err
	}
	if !ok {
		log.InfoContext(ctx, s.skipped, "sink", sinkEmail)
		return nil
	}
	rep := report.New(s.kind, f, reason)
	if s.kind == report.Opened {
		rep.Evidence, rep.EvidenceError = h.investigate(ctx, log, f)
	}
	subject, body := rep.Email()
	ref, err := h.Email.Publish(ctx, subject, body)
	if err != nil {
		return errors.Join(err, s.abort(ctx, key))
	}
	log.InfoContext(ctx, "delivered", "sink", sinkEmail, "report", string(s.kind), "ref", ref)
	return s.finish(ctx, key, ref)
}

// investigate gathers the evidence once per case, after the claim, so a duplicate event does
// not read CloudTrail again. Failing evidence does not stop the ticket: it says what is missing.
func (h *Handler) investigate(ctx context.Context, log *slog.Logger, f finding.Finding) (*investigation.Result, string) {
	if h.Evidence == nil {
		return nil, "evidence gathering is not configured"
	}
	res, err := h.Evidence.Investigate(ctx, f.AccountID)
	if err != nil {
		log.WarnContext(ctx, "evidence incomplete", "error", err.Error())
		return nil, err.Error()
	}
	log.InfoContext(ctx, "evidence gathered", "decision", string(res.Advice.Decision),
		"access_key_calls", res.AccessKeyCalls, "keys", len(res.Keys), "partial", res.Partial)
	return &res, ""
}
