package casework

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/iam4-responder/iam4-responder/lambda/contract"
	"github.com/iam4-responder/iam4-responder/lambda/internal/finding"
	"github.com/iam4-responder/iam4-responder/lambda/internal/ledger"
	"github.com/iam4-responder/iam4-responder/lambda/internal/report"
)

// open delivers the case to every sink that has not had it, then writes this finding back with
// the tickets. One failing sink does not keep the others from delivering.
func (h *Handler) open(ctx context.Context, log *slog.Logger, f finding.Finding) error {
	var rep *report.Report
	render := func() report.Report {
		if rep == nil {
			r := report.New(report.Opened, f, "")
			r.Lang = h.Lang
			r.Evidence, r.EvidenceError = h.investigate(ctx, log, f)
			if h.Contain != nil && r.Evidence != nil && !f.Test { // a smoke test never contains
				o := h.Contain.Run(ctx, f.AccountID, *r.Evidence)
				r.Containment = &o
				h.Metrics.Count(contract.MetricContainActions, len(o.Actions))
				if o.Refused != "" {
					h.Metrics.Count(contract.MetricContainRefusals, 1)
					log.InfoContext(ctx, "containment refused", "mode", string(o.Mode), "reason", o.Refused)
				}
				for _, a := range o.Actions {
					log.InfoContext(ctx, "containment", "mode", string(o.Mode), "key", a.Key, "do", a.Do, "reason", a.Why)
				}
			}
			rep = &r
		}
		return *rep
	}
	tickets := map[string]string{}
	var errs []error
	busy := false
	for _, s := range h.Sinks {
		key := ledger.ItemKey(f.Case(), s.Name())
		c, err := h.Ledger.BeginOpen(ctx, key)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !c.Won {
			log.InfoContext(ctx, "case already delivered or being delivered", "sink", s.Name(), "state", string(c.State))
			if c.State == ledger.Open {
				tickets[s.Name()] = c.OpenRef
				continue
			}
			// Another invocation is delivering: every invocation walks the sinks in the same
			// order, so it is ahead on the rest too; leave them to it rather than gather the
			// evidence twice.
			busy = true
			break
		}
		ref, err := s.Open(ctx, render())
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", s.Name(), errors.Join(err, release(ctx, h.Ledger.AbortOpen, key))))
			continue
		}
		log.InfoContext(ctx, "delivered", "sink", s.Name(), "report", "opened", "ref", ref)
		if err := h.Ledger.FinishOpen(ctx, key, ref); err != nil {
			errs = append(errs, err)
		}
		tickets[s.Name()] = ref
	}
	if len(errs) > 0 {
		// The finding is written back once every ticket exists, on the retry.
		return errors.Join(errs...)
	}
	if busy {
		return errCaseBusy
	}
	if h.WriteBack == nil || f.Test { // Security Hub does not hold a smoke test's finding
		return nil
	}
	note := report.New(report.Opened, f, "")
	note.Lang = h.Lang
	if rep != nil {
		note = *rep
	}
	return h.writeBack(ctx, log, f, h.Ledger.BeginOpen, h.Ledger.FinishOpen, h.Ledger.AbortOpen, func() error {
		return h.WriteBack.Notified(ctx, f, note.SecurityHubNote(tickets), tickets)
	})
}

// resolve closes the case at every sink that has it open, then notes the resolution on this
// finding if it was written back when the case opened.
func (h *Handler) resolve(ctx context.Context, log *slog.Logger, f finding.Finding, reason string) error {
	rep := report.New(report.Resolved, f, reason)
	rep.Lang = h.Lang
	var errs []error
	for _, s := range h.Sinks {
		key := ledger.ItemKey(f.Case(), s.Name())
		c, err := h.Ledger.BeginResolve(ctx, key)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !c.Won {
			continue
		}
		ref, err := s.Resolve(ctx, rep, c.OpenRef)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", s.Name(), errors.Join(err, release(ctx, h.Ledger.AbortResolve, key))))
			continue
		}
		log.InfoContext(ctx, "delivered", "sink", s.Name(), "report", "resolved", "ref", ref)
		if err := h.Ledger.FinishResolve(ctx, key, ref); err != nil {
			errs = append(errs, err)
		}
	}
	if h.WriteBack != nil && !f.Test {
		errs = append(errs, h.writeBack(ctx, log, f, h.Ledger.BeginResolve, h.Ledger.FinishResolve, h.Ledger.AbortResolve,
			func() error { return h.WriteBack.Resolved(ctx, f, rep.SecurityHubNote(nil)) }))
	}
	return errors.Join(errs...)
}

// writeBack runs one Security Hub update of one finding under its own ledger key, so that each
// finding is written back once per opening and once per resolution.
func (h *Handler) writeBack(ctx context.Context, log *slog.Logger, f finding.Finding,
	begin func(context.Context, string) (ledger.Claim, error), finish func(context.Context, string, string) error,
	abort func(context.Context, string) error, update func() error) error {
	key := ledger.ItemKey(f.Case(), "securityhub/"+f.ID)
	c, err := begin(ctx, key)
	if err != nil || !c.Won {
		return err
	}
	if err := update(); err != nil {
		return fmt.Errorf("securityhub: %w", errors.Join(err, release(ctx, abort, key)))
	}
	log.InfoContext(ctx, "finding written back", "sink", "securityhub")
	return finish(ctx, key, "written")
}

// release hands a failed delivery's claim back with its own few seconds: a delivery that failed
// because the invocation's deadline passed must still give the claim back, or the case would
// wait for the lease to run out before a retry could deliver.
func release(ctx context.Context, abort func(context.Context, string) error, key string) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	return abort(ctx, key)
}
