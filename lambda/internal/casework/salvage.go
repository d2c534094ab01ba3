package casework

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/iam4-responder/iam4-responder/lambda/contract"
	"github.com/iam4-responder/iam4-responder/lambda/internal/finding"
)

// salvage handles an event that did not parse as a whole. When the envelope is sound and only
// some findings are bad, each bad finding goes to the dead-letter queue on its own (as an event
// holding that one finding, with the reason) and the good ones proceed; otherwise the whole
// event goes there.
func (h *Handler) salvage(ctx context.Context, raw []byte, parseErr error) error {
	parts, ok := split(raw)
	if !ok {
		return h.reject(ctx, raw, parseErr.Error())
	}
	var good []finding.Finding
	var ev finding.Event
	var errs []error
	for i, part := range parts {
		one, err := finding.Parse(part)
		if err != nil {
			reason := fmt.Sprintf("finding %d of %d: %v", i+1, len(parts), err)
			errs = append(errs, h.reject(ctx, part, reason))
			continue
		}
		ev = one
		good = append(good, one.Findings...)
	}
	if len(good) == len(parts) {
		// Every finding parses alone, so the event as a whole was at fault.
		return h.reject(ctx, raw, parseErr.Error())
	}
	if len(good) > 0 {
		ev.Findings = good
		errs = append(errs, h.handleEvent(ctx, ev))
	}
	return errors.Join(errs...)
}

func (h *Handler) reject(ctx context.Context, raw []byte, reason string) error {
	h.Log.ErrorContext(ctx, "rejected to the dead-letter queue", "error", reason)
	if err := h.DeadLetter.Reject(ctx, raw, reason); err != nil {
		return fmt.Errorf("%s; keeping it in the dead-letter queue failed: %w", reason, err)
	}
	h.Metrics.Count(contract.MetricDeadLetters, 1)
	return nil
}

// split makes one event per finding of raw, each the same envelope with a single finding. It
// fails when the envelope or the finding list is not even JSON of the right shape.
func split(raw []byte) ([][]byte, bool) {
	var env map[string]json.RawMessage
	if json.Unmarshal(raw, &env) != nil {
		return nil, false
	}
	var detail map[string]json.RawMessage
	if json.Unmarshal(env["detail"], &detail) != nil {
		return nil, false
	}
	var findings []json.RawMessage
	if json.Unmarshal(detail["findings"], &findings) != nil || len(findings) < 2 {
		return nil, false
	}
	out := make([][]byte, 0, len(findings))
	for _, f := range findings {
		detail["findings"] = mustJSON([]json.RawMessage{f})
		env["detail"] = mustJSON(detail)
		out = append(out, mustJSON(env))
	}
	return out, true
}
