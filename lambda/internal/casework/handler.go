package casework

import (
	"context"
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

// Ledger records which case reached which sink (ledger.Ledger in production).
type Ledger interface {
	BeginOpen(ctx context.Context, key string) (ledger.Claim, error)
	FinishOpen(ctx context.Context, key, ref string) error
	AbortOpen(ctx context.Context, key string) error
	BeginResolve(ctx context.Context, key string) (ledger.Claim, error)
	FinishResolve(ctx context.Context, key, ref string) error
	AbortResolve(ctx context.Context, key string) error
}

// CaseSink delivers a case's report to one channel (the sink package's Email, Chat, OpsItem
// and Jira in production).
type CaseSink interface {
	Name() string
	Open(ctx context.Context, r report.Report) (ref string, err error)
	Resolve(ctx context.Context, r report.Report, openRef string) (ref string, err error)
}

// WriteBack annotates each finding of a case (sink.SecurityHub in production).
type WriteBack interface {
	Notified(ctx context.Context, f finding.Finding, note string, tickets map[string]string) error
	Resolved(ctx context.Context, f finding.Finding, note string) error
}

// Investigator gathers the evidence for an account (investigation.Investigate in production).
type Investigator interface {
	Investigate(ctx context.Context, account string) (investigation.Result, error)
}

// Container runs the opt-in containment for an account (contain.Guard in production).
type Container interface {
	Run(ctx context.Context, account string, res investigation.Result) contain.Outcome
}

// AccountPolicy decides whose findings the responder acts on (accountPolicy in production).
type AccountPolicy interface {
	Allowed(ctx context.Context, account string) (ok bool, why string, err error)
}

// Rejecter keeps an event that no retry can fix, with the reason (DeadLetter in production).
type Rejecter interface {
	Reject(ctx context.Context, event []byte, reason string) error
}

// Handler wires the stages for one invocation. It returns an error only for what a retry can fix
// (a sink or the ledger failing, a case another invocation is still delivering); Lambda then
// retries and, at the end, puts the event with the error in the dead-letter queue. An event that
// can never succeed goes to the queue at once.
type Handler struct {
	Log        *slog.Logger
	Accounts   AccountPolicy // nil acts on every account
	Ledger     Ledger
	Sinks      []CaseSink
	WriteBack  WriteBack // optional
	DeadLetter Rejecter
	// Evidence is optional: without it the ticket carries the runbook only.
	Evidence Investigator
	// Contain is optional; it runs after the evidence, only when there is evidence.
	Contain Container
	Lang    report.Lang
	// Metrics is optional: the embedded-metric-format recorder, flushed after each event.
	Metrics *metrics.Recorder
}

// errCaseBusy says another invocation holds a live claim on one of the case's sinks: the retry
// finds the ticket open and writes this finding back.
var errCaseBusy = errors.New("another invocation is delivering this case; retry to write this finding back")

// Handle processes one EventBridge event.
func (h *Handler) Handle(ctx context.Context, raw json.RawMessage) error {
	defer func() {
		if err := h.Metrics.Flush(); err != nil {
			h.Log.WarnContext(ctx, "metrics not written", "error", err.Error())
		}
	}()
	ev, err := finding.Parse(raw)
	if err != nil {
		h.Log.ErrorContext(ctx, "event rejected", "error", err.Error())
		if dlqErr := h.DeadLetter.Reject(ctx, raw, err.Error()); dlqErr != nil {
			return fmt.Errorf("%w; keeping it in the dead-letter queue failed: %w", err, dlqErr)
		}
		h.Metrics.Count(contract.MetricDeadLetters, 1)
		return nil
	}
	var failed []error
	for _, f := range ev.Findings {
		log := h.Log.With("finding_id", f.ID, "account", f.AccountID, "region", f.Region,
			"case", f.Case(), "trigger", string(ev.Trigger))
		d := finding.Decide(ev.Trigger, f)
		if d.Action != finding.Ignore && h.Accounts != nil {
			ok, why, err := h.Accounts.Allowed(ctx, f.AccountID)
			if err != nil {
				log.ErrorContext(ctx, "account check failed", "error", err.Error())
				failed = append(failed, fmt.Errorf("finding %s: %w", f.ID, err))
				continue
			}
			if !ok {
				d = finding.Decision{Action: finding.Ignore, Reason: "refused: " + why}
			}
		}
		log.InfoContext(ctx, "decision", "action", string(d.Action), "reason", d.Reason)
		if !finding.FromSecurityHub(f) {
			h.Metrics.Count(contract.MetricForeignFindings, 1)
		}
		switch d.Action {
		case finding.Respond:
			err = h.open(ctx, log, f)
		case finding.Resolve:
			err = h.resolve(ctx, log, f, d.Reason)
		default:
			err = nil
		}
		switch {
		case errors.Is(err, errCaseBusy):
			log.InfoContext(ctx, "case busy elsewhere; Lambda retries")
		case err != nil:
			log.ErrorContext(ctx, "delivery failed", "error", err.Error())
			h.Metrics.Count(contract.MetricSinkFailures, 1)
		case d.Action == finding.Respond:
			h.Metrics.Count(contract.MetricCasesOpened, 1)
		case d.Action == finding.Resolve:
			h.Metrics.Count(contract.MetricCasesResolved, 1)
		}
		if err != nil {
			failed = append(failed, fmt.Errorf("finding %s: %w", f.ID, err))
		}
	}
	return errors.Join(failed...)
}

// investigate gathers the evidence once per case, after a claim, so a duplicate event does not
// read CloudTrail again. Failing evidence does not stop the ticket: it says what is missing.
func (h *Handler) investigate(ctx context.Context, log *slog.Logger, f finding.Finding) (*investigation.Result, string) {
	if h.Evidence == nil {
		return nil, "evidence gathering is not configured"
	}
	start := time.Now()
	res, err := h.Evidence.Investigate(ctx, f.AccountID)
	h.Metrics.Duration(contract.MetricEvidenceSeconds, time.Since(start))
	if res.Coverage != nil {
		for _, rc := range res.Coverage.Regions {
			h.Metrics.Count(contract.MetricEvidencePages, rc.Pages)
		}
	}
	if err != nil {
		log.WarnContext(ctx, "evidence incomplete", "error", err.Error())
		return nil, err.Error()
	}
	log.InfoContext(ctx, "evidence gathered", "decision", string(res.Advice.Decision),
		"access_key_calls", res.AccessKeyCalls, "keys", len(res.Keys), "partial", res.Partial)
	return &res, ""
}
