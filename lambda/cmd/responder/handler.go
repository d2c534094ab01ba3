package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"github.com/iam4-responder/iam4-responder/lambda/internal/finding"
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

func (h *Handler) open(ctx context.Context, log *slog.Logger, f finding.Finding) error {
	key := ledger.ItemKey(f.Case(), sinkEmail)
	ok, err := h.Ledger.BeginOpen(ctx, key)
	if err != nil {
		return err
	}
	if !ok {
		log.InfoContext(ctx, "case already notified", "sink", sinkEmail)
		return nil
	}
	subject, body := report.New(report.Opened, f, "").Email()
	ref, err := h.Email.Publish(ctx, subject, body)
	if err != nil {
		return errors.Join(err, h.Ledger.AbortOpen(ctx, key))
	}
	log.InfoContext(ctx, "case notified", "sink", sinkEmail, "ref", ref)
	return h.Ledger.FinishOpen(ctx, key, ref)
}

func (h *Handler) resolve(ctx context.Context, log *slog.Logger, f finding.Finding, reason string) error {
	key := ledger.ItemKey(f.Case(), sinkEmail)
	ok, err := h.Ledger.BeginResolve(ctx, key)
	if err != nil {
		return err
	}
	if !ok {
		log.InfoContext(ctx, "no open case to resolve", "sink", sinkEmail)
		return nil
	}
	subject, body := report.New(report.Resolved, f, reason).Email()
	ref, err := h.Email.Publish(ctx, subject, body)
	if err != nil {
		return errors.Join(err, h.Ledger.AbortResolve(ctx, key))
	}
	log.InfoContext(ctx, "case resolved", "sink", sinkEmail, "ref", ref)
	return h.Ledger.FinishResolve(ctx, key, ref)
}
