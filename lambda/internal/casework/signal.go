package casework

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/iam4-responder/iam4-responder/lambda/contract"
	"github.com/iam4-responder/iam4-responder/lambda/internal/finding"
	"github.com/iam4-responder/iam4-responder/lambda/internal/ledger"
	"github.com/iam4-responder/iam4-responder/lambda/internal/signal"
)

// signalFinding prefixes the id of the finding a real-time CreateAccessKey stands in for: the
// case it opens needs a trigger to render, but Security Hub holds no such finding, so it is
// never written back.
const signalFinding = "cloudtrail/"

func isSignalFinding(id string) bool { return strings.HasPrefix(id, signalFinding) }

// isAPICall recognizes a CloudTrail management event passed on by EventBridge.
func isAPICall(raw []byte) bool {
	var env struct {
		DetailType string `json:"detail-type"`
	}
	return json.Unmarshal(raw, &env) == nil && env.DetailType == contract.DetailTypeAPICall
}

// isTask recognizes the constant input of a scheduled rule naming a task.
func isTask(raw []byte, task string) bool {
	var in map[string]any
	return json.Unmarshal(raw, &in) == nil && in[contract.TaskField] == task
}

// Signal handles one real-time root access-key event: a CreateAccessKey opens the case at once
// when there is none (the same opening as a finding's: evidence, tickets), and every event steps
// the case's follow-up. Events of other principals are ignored, an unreadable one goes to the
// dead-letter queue, an account the policy refuses is ignored like its findings.
func (h *Handler) Signal(ctx context.Context, raw []byte) error {
	s, err := signal.Parse(raw)
	if errors.Is(err, signal.ErrNotRootKey) {
		h.Log.DebugContext(ctx, "real-time event ignored", "reason", err.Error())
		return nil
	}
	if err != nil {
		return h.reject(ctx, raw, err.Error())
	}
	id := s.Account + "/" + contract.SecurityControlID
	log := h.Log.With("case", id, "account", s.Account, "region", s.Region, "trigger", "signal",
		"event_id", s.EventID, "kind", string(s.Kind))
	if h.Accounts != nil {
		ok, why, err := h.Accounts.Allowed(ctx, s.Account)
		if err != nil {
			log.ErrorContext(ctx, "account check failed", "error", err.Error())
			return err
		}
		if !ok {
			log.InfoContext(ctx, "decision", "action", "ignore", "reason", "refused: "+why)
			return nil
		}
	}
	if s.Kind == signal.KeyCreated {
		if err := h.openBySignal(ctx, id, s); err != nil {
			log.ErrorContext(ctx, "delivery failed", "error", err.Error())
			return err
		}
	}
	o := ledger.Observed{ID: "event/" + s.EventID, Obs: s.Observation()}
	if s.Kind == signal.KeyUsed {
		o.Throttle = s.Throttle()
		o.Note = string(mustJSON(caller{Address: s.SourceIP, Agent: s.UserAgent, Action: s.Action}))
	}
	err = h.follow(ctx, log, id, o)
	if errors.Is(err, ledger.ErrNotOpen) {
		c, lerr := h.Ledger.Load(ctx, id)
		if lerr != nil {
			return lerr
		}
		if c.State == ledger.None || c.State == ledger.Resolved {
			// No case: a key call or change without an IAM.4 case is Security Hub's to report
			// at its next check.
			log.InfoContext(ctx, "real-time event without a case", "state", string(c.State))
			return nil
		}
		// The ticket is still opening: Lambda's retry applies the event once it is open.
		return fmt.Errorf("case %s is %s; the event applies once its ticket is open: %w", id, c.State, err)
	}
	if err != nil {
		log.ErrorContext(ctx, "follow-up failed", "error", err.Error())
	}
	return err
}

// openBySignal opens the account's case from a real-time CreateAccessKey when it has none. The
// case is keyed by account like a finding's (finding.Case), so IAM.4's later FAILED finding
// attaches to it instead of opening a second ticket.
func (h *Handler) openBySignal(ctx context.Context, id string, s signal.Signal) error {
	f := finding.Finding{
		Generation: finding.ASFF, ID: signalFinding + s.EventID, AccountID: s.Account, Region: s.Region,
		Title: "Root user access key created", Control: contract.SecurityControlID, IAM4: true,
		Compliance: "FAILED", RecordState: "ACTIVE", Workflow: "NEW", Severity: "CRITICAL", UpdatedAt: s.At,
	}
	enc, err := json.Marshal(f)
	if err != nil {
		return err
	}
	owner := newOwner()
	c, role, err := h.Ledger.Arrive(ctx, id, ledger.Arrival{Want: ledger.WantSignal, Finding: f.ID, Encoded: string(enc),
		Owner: owner, Until: h.leaseEnd(ctx), At: s.At})
	if err != nil {
		return err
	}
	if role != ledger.Owner {
		return nil
	}
	log := h.Log.With("case", id, "account", s.Account, "trigger", "signal", "event_id", s.EventID)
	log.InfoContext(ctx, "case opened by a real-time event", "epoch", c.Epoch)
	h.Metrics.Count(contract.MetricCasesOpened, 1)
	return h.work(ctx, log, id, owner)
}
