package casework

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/iam4-responder/iam4-responder/lambda/contract"
	"github.com/iam4-responder/iam4-responder/lambda/internal/contain"
	"github.com/iam4-responder/iam4-responder/lambda/internal/finding"
	"github.com/iam4-responder/iam4-responder/lambda/internal/investigation"
	"github.com/iam4-responder/iam4-responder/lambda/internal/ledger"
	"github.com/iam4-responder/iam4-responder/lambda/internal/report"
)

// kept is what the ledger keeps of a case's epoch: the evidence, gathered once, and what
// containment did, so that every sink, retry and takeover reports the same facts.
type kept struct {
	Evidence      *investigation.Result `json:"evidence,omitempty"`
	EvidenceError string                `json:"evidence_error,omitempty"`
	Containment   *contain.Outcome      `json:"containment,omitempty"`
}

// report builds the phase's report. For an opening owned by this invocation (owner set) it
// gathers the evidence and runs containment once per epoch, keeping both in the ledger; anyone
// else reads what is kept.
func (h *Handler) report(ctx context.Context, log *slog.Logger, c ledger.Case, kind report.Kind, owner string) (report.Report, error) {
	f, err := trigger(c)
	if err != nil {
		return report.Report{}, err
	}
	r := report.New(kind, f, c.Resolve)
	r.Lang = h.Lang
	r = h.withOwner(ctx, log, r)
	if kind == report.Resolved {
		return r, nil
	}
	k, err := h.evidence(ctx, log, c, f, owner)
	if err != nil {
		return report.Report{}, err
	}
	r.Evidence, r.EvidenceError, r.Containment = k.Evidence, k.EvidenceError, k.Containment
	return r, nil
}

func (h *Handler) evidence(ctx context.Context, log *slog.Logger, c ledger.Case, f finding.Finding, owner string) (kept, error) {
	key := ledger.EvidenceKey(c.ID, c.Epoch)
	var k kept
	data, ok, err := h.Ledger.Kept(ctx, key)
	if err != nil {
		return k, err
	}
	if ok {
		if err := json.Unmarshal(data, &k); err != nil {
			return k, fmt.Errorf("decode kept evidence: %w", err)
		}
	} else if owner == "" || c.State != ledger.Opening {
		return kept{}, nil // a write-back note does not need the evidence
	} else {
		k.Evidence, k.EvidenceError = h.investigate(ctx, log, f)
		if k, err = h.keep(ctx, key, k); err != nil {
			return k, err
		}
		h.point("evidence kept")
	}
	if h.Contain == nil || k.Evidence == nil || f.Test { // a smoke test never contains
		return k, nil
	}
	if data, ok, err := h.Ledger.Kept(ctx, key+"#contain"); err != nil {
		return k, err
	} else if ok {
		var o contain.Outcome
		if err := json.Unmarshal(data, &o); err != nil {
			return k, fmt.Errorf("decode kept containment: %w", err)
		}
		k.Containment = &o
		return k, nil
	}
	if owner == "" || c.State != ledger.Opening {
		return k, nil
	}
	// Containment is a side effect like a delivery: intent before, outcome after. A takeover
	// that finds only the intent runs it again; containment re-reads the keys before it
	// deletes, so a key deleted by the earlier owner is not there to delete twice.
	if _, err := h.Ledger.Record(ctx, c.ID, owner, "contain", ledger.Intent, ""); err != nil {
		return k, err
	}
	h.point("intent contain")
	o := runContain(ctx, h.Contain, f, *k.Evidence)
	h.point("acted contain")
	h.logContainment(ctx, log, o)
	data, err = h.Ledger.Keep(ctx, key+"#contain", mustJSON(o))
	if err != nil {
		return k, err
	}
	if err := json.Unmarshal(data, &o); err != nil {
		return k, fmt.Errorf("decode kept containment: %w", err)
	}
	k.Containment = &o
	if _, err := h.Ledger.Record(ctx, c.ID, owner, "contain", ledger.Done, ""); err != nil {
		return k, err
	}
	h.point("done contain")
	return k, nil
}

// runContain is the one call site of containment.
func runContain(ctx context.Context, c Container, f finding.Finding, res investigation.Result) contain.Outcome {
	return c.Run(ctx, f, res)
}

func (h *Handler) keep(ctx context.Context, key string, k kept) (kept, error) {
	data, err := h.Ledger.Keep(ctx, key, mustJSON(k))
	if err != nil {
		return k, err
	}
	var stored kept
	if err := json.Unmarshal(data, &stored); err != nil {
		return k, fmt.Errorf("decode kept evidence: %w", err)
	}
	return stored, nil
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("encode %T: %v", v, err)) // our own plain types always encode
	}
	return b
}

func (h *Handler) logContainment(ctx context.Context, log *slog.Logger, o contain.Outcome) {
	h.Metrics.Count(contract.MetricContainActions, len(o.Actions))
	if o.Refused != "" {
		h.Metrics.Count(contract.MetricContainRefusals, 1)
		log.InfoContext(ctx, "containment refused", "mode", string(o.Mode), "reason", o.Refused)
	}
	for _, a := range o.Actions {
		log.InfoContext(ctx, "containment", "mode", string(o.Mode), "key", a.Key, "do", a.Do, "reason", a.Why)
	}
}

// investigate gathers the evidence. Failing evidence does not stop the ticket: it says what is
// missing.
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
