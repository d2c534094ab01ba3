package casework

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/iam4-responder/iam4-responder/lambda/internal/finding"
	"github.com/iam4-responder/iam4-responder/lambda/internal/ledger"
	"github.com/iam4-responder/iam4-responder/lambda/internal/report"
)

// searchSettle is how long after an attempt of unknown outcome its channel's search is trusted
// to show what it created. Atlassian documents the enhanced JQL search as eventually consistent,
// "from a few seconds to minutes" ("Search after write with search and reconcile"); two minutes
// fits Lambda's retry budget (the second retry comes three minutes after the first attempt).
const searchSettle = 2 * time.Minute

// maxPhases bounds one owner's loop: opening, resolving, reopening, and a few rounds of findings
// that arrived while it wrote back.
const maxPhases = 16

// work finishes the phases of a case this invocation owns: deliver every step, write back every
// attached finding, finish; again while the ledger hands it the next phase. On an error the lease
// is given back so that a retry can take over at once; a frozen invocation gives nothing back and
// its lease ends instead (see docs/delivery.md).
func (h *Handler) work(ctx context.Context, log *slog.Logger, id, owner string) error {
	for range maxPhases {
		c, err := h.Ledger.Load(ctx, id)
		if err != nil {
			return err
		}
		if c.Owner != owner {
			return nil
		}
		if err := h.phase(ctx, log, c, owner); err != nil {
			if errors.Is(err, ledger.ErrFenced) {
				log.WarnContext(ctx, "lost the case to a later invocation; stopping")
				return nil
			}
			return errors.Join(err, h.release(ctx, id, owner))
		}
		c, done, err := h.Ledger.Finish(ctx, id, owner)
		h.point("finish")
		switch {
		case errors.Is(err, ledger.ErrFenced):
			return nil
		case err != nil:
			return errors.Join(err, h.release(ctx, id, owner))
		case done && c.Owner != owner:
			log.InfoContext(ctx, "case finished", "state", string(c.State), "epoch", c.Epoch)
			return nil
		}
	}
	return errors.Join(fmt.Errorf("case %s still busy after %d phases", id, maxPhases), h.release(ctx, id, owner))
}

// release gives the case's lease back.
func (h *Handler) release(ctx context.Context, id, owner string) error {
	return giveBack(ctx, h.Ledger.Release, id, owner)
}

// giveBack runs a lease release with its own few seconds: a delivery that failed because the
// invocation's deadline passed must still release.
func giveBack(ctx context.Context, release func(context.Context, string, string) error, id, owner string) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	return release(ctx, id, owner)
}

// phase delivers the current phase's steps and writes back the pending findings.
func (h *Handler) phase(ctx context.Context, log *slog.Logger, c ledger.Case, owner string) error {
	var kind report.Kind
	var steps string
	switch c.State {
	case ledger.Opening:
		kind, steps = report.Opened, "open/"
	case ledger.Resolving:
		kind, steps = report.Resolved, "resolve/"
	case ledger.Open:
		kind = report.Opened
	case ledger.Resolved:
		kind = report.Resolved
	default:
		return fmt.Errorf("case %s in state %q has no phase", c.ID, c.State)
	}
	rep, err := h.report(ctx, log, c, kind, owner)
	if err != nil {
		return err
	}
	var errs []error
	if steps != "" {
		for _, s := range h.sinksFor(ctx, accountOf(c.ID)) {
			next, err := h.step(ctx, log, c, owner, s, steps, rep)
			if errors.Is(err, ledger.ErrFenced) {
				return err
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", s.Name(), err))
				continue
			}
			c = next
		}
	}
	if len(errs) > 0 {
		// The findings are written back once every ticket exists, by the retry.
		return errors.Join(errs...)
	}
	return h.writeBackPending(ctx, log, c, rep)
}

// step runs one sink's side effect with its intent recorded before and its outcome after.
func (h *Handler) step(ctx context.Context, log *slog.Logger, c ledger.Case, owner string, s CaseSink, prefix string, rep report.Report) (ledger.Case, error) {
	name := prefix + s.Name()
	key := fmt.Sprintf("%s#%d", c.ID, c.Epoch)
	log = log.With("sink", s.Name(), "step", name)
	openRef := c.Steps["open/"+s.Name()].Ref
	if prefix == "resolve/" && openRef == "" {
		return c, nil // nothing was opened at this sink (outcome unknown, or the sink is new)
	}
	phase := prefix[:len(prefix)-1]
	switch st := c.Steps[name]; st.Status {
	case ledger.Done, ledger.Unknown:
		return c, nil
	case ledger.Intent:
		// An earlier owner stopped between intent and outcome: it may have acted.
		if f, ok := s.(Finder); ok && phase == "open" {
			if age := h.now().Sub(time.Unix(st.At, 0)); age < searchSettle {
				// Jira's search is eventually consistent: an issue created a moment ago may
				// not be found yet. Let Lambda's retry (or the sweep) look again later.
				return c, fmt.Errorf("an earlier attempt %s ago may have created the ticket; searching again later", age.Round(time.Second))
			}
			ref, found, err := f.Find(ctx, rep, key)
			if err != nil {
				return c, fmt.Errorf("look for the earlier attempt: %w", err)
			}
			if found {
				log.InfoContext(ctx, "earlier attempt found", "ref", ref)
				return h.Ledger.Record(ctx, c.ID, owner, name, ledger.Done, ref)
			}
		} else if !recoverable(s, phase) {
			log.ErrorContext(ctx, "delivery outcome unknown; not repeated, the channel cannot tell a duplicate")
			return h.Ledger.Record(ctx, c.ID, owner, name, ledger.Unknown, "")
		}
	}
	c, err := h.Ledger.Record(ctx, c.ID, owner, name, ledger.Intent, "")
	if err != nil {
		return c, err
	}
	h.point("intent " + name)
	var ref string
	if prefix == "open/" {
		ref, err = s.Open(ctx, rep, key)
	} else {
		ref, err = s.Resolve(ctx, rep, openRef, key)
	}
	h.point("acted " + name)
	if err != nil {
		if h.Refused != nil && h.Refused(err) {
			_, rerr := h.Ledger.Record(ctx, c.ID, owner, name, ledger.Failed, "")
			return c, errors.Join(err, rerr)
		}
		// The outcome is unknown: a channel that can find or repeat its work keeps the intent
		// for the retry; one that cannot is not repeated.
		if !recoverable(s, phase) {
			log.ErrorContext(ctx, "delivery outcome unknown; not repeated", "error", err.Error())
			c, rerr := h.Ledger.Record(ctx, c.ID, owner, name, ledger.Unknown, "")
			return c, rerr
		}
		return c, err
	}
	log.InfoContext(ctx, "delivered", "ref", ref)
	c, err = h.Ledger.Record(ctx, c.ID, owner, name, ledger.Done, ref)
	h.point("done " + name)
	return c, err
}

// recoverable says a sink can settle an attempt of unknown outcome: by finding what it created
// (open), or because repeating the call is harmless.
func recoverable(s CaseSink, phase string) bool {
	if _, ok := s.(Finder); ok && phase == "open" {
		return true
	}
	r, ok := s.(Repeatable)
	return ok && r.Repeatable(phase)
}

// writeBackPending writes back every finding of the current phase that is not yet, and marks
// them in the ledger. The ledger will not let the owner finish while one is missing.
func (h *Handler) writeBackPending(ctx context.Context, log *slog.Logger, c ledger.Case, rep report.Report) error {
	pending := c.Pending()
	if len(pending) == 0 {
		return nil
	}
	if h.WriteBack != nil {
		tickets := ticketsOf(c)
		for _, id := range pending {
			f, err := decodeFinding(c.Findings[id])
			if err != nil {
				return err
			}
			if err := h.writeBack(ctx, c, f, rep, tickets); err != nil {
				return err
			}
			h.point("written back")
		}
		log.InfoContext(ctx, "findings written back", "count", len(pending))
	}
	_, err := h.Ledger.WrittenBack(ctx, c.ID, c.Epoch, pending)
	return err
}

func (h *Handler) writeBack(ctx context.Context, c ledger.Case, f finding.Finding, rep report.Report, tickets map[string]string) error {
	if f.Test {
		return nil // Security Hub does not hold a smoke test's finding
	}
	r := rep
	r.Finding = f
	if c.State == ledger.Resolving || c.State == ledger.Resolved {
		return h.WriteBack.Resolved(ctx, f, r.SecurityHubNote(nil))
	}
	return h.WriteBack.Notified(ctx, f, r.SecurityHubNote(tickets), tickets)
}

// writeBackOne writes back a finding that arrived at an open case.
func (h *Handler) writeBackOne(ctx context.Context, log *slog.Logger, c ledger.Case, f finding.Finding) error {
	if h.WriteBack != nil {
		rep, err := h.report(ctx, log, c, report.Opened, "")
		if err != nil {
			return err
		}
		if err := h.writeBack(ctx, c, f, rep, ticketsOf(c)); err != nil {
			return err
		}
		h.point("written back")
	}
	_, err := h.Ledger.WrittenBack(ctx, c.ID, c.Epoch, []string{f.ID})
	return err
}

// ticketsOf lists the references of the tickets the case's epoch opened.
func ticketsOf(c ledger.Case) map[string]string {
	out := map[string]string{}
	for name, st := range c.Steps {
		if sink, ok := cutPrefix(name, "open/"); ok && st.Status == ledger.Done && st.Epoch == c.Epoch {
			out[sink] = st.Ref
		}
	}
	return out
}

func cutPrefix(s, p string) (string, bool) {
	if len(s) >= len(p) && s[:len(p)] == p {
		return s[len(p):], true
	}
	return "", false
}

func decodeFinding(enc string) (finding.Finding, error) {
	var f finding.Finding
	if err := json.Unmarshal([]byte(enc), &f); err != nil {
		return f, fmt.Errorf("decode a finding kept in the ledger: %w", err)
	}
	return f, nil
}

// trigger is the finding a case's report is about: the same one for every owner of the epoch
// (the smallest id), so a takeover renders the same ticket.
func trigger(c ledger.Case) (finding.Finding, error) {
	ids := make([]string, 0, len(c.Findings))
	for id := range c.Findings {
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		return finding.Finding{}, fmt.Errorf("case %s has no finding", c.ID)
	}
	slices.Sort(ids)
	return decodeFinding(c.Findings[ids[0]])
}
