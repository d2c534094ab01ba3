package casework

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/google/go-cmp/cmp"

	"github.com/iam4-responder/iam4-responder/lambda/internal/followup"
	"github.com/iam4-responder/iam4-responder/lambda/internal/ledger"
)

// refuseAll is an account policy that refuses every account.
type refuseAll struct{}

func (refuseAll) Allowed(context.Context, string) (bool, string, error) {
	return false, "not in the allowlist", nil
}

// signalOutcome is what the channels and the ledger hold after real-time events.
type signalOutcome struct {
	State      ledger.State
	FollowUp   followup.State
	Made       int // follow-up transitions made
	JiraIssues int
	OpsItems   int
	Emails     int // every SNS message
	Notified   int // findings written back NOTIFIED
	Dead       int
}

func (r *followRig) signalOutcome(t *testing.T) signalOutcome {
	t.Helper()
	var o signalOutcome
	c, err := r.h.Ledger.Load(t.Context(), faultCase)
	if err != nil {
		t.Fatal(err)
	}
	o.State = c.State
	if c.FollowUp != nil {
		fc, err := c.FollowUp.State()
		if err != nil {
			t.Fatal(err)
		}
		o.FollowUp, o.Made = fc.State, c.FollowUp.Seq
	}
	for i := 1; ; i++ {
		if _, _, ok := jiraIssue(t, r.url, "SEC-"+string(rune('0'+i))); !ok {
			break
		}
		o.JiraIssues++
	}
	items, err := r.ssm.DescribeOpsItems(t.Context(), &ssm.DescribeOpsItemsInput{})
	if err != nil {
		t.Fatal(err)
	}
	o.OpsItems = len(items.OpsItemSummaries)
	r.sns.mu.Lock()
	for _, msgs := range r.sns.sent {
		o.Emails += len(msgs)
	}
	r.sns.mu.Unlock()
	out, err := r.sh.GetFindings(t.Context(), &securityhub.GetFindingsInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range out.Findings {
		if f.Workflow != nil && f.Workflow.Status == shtypes.WorkflowStatusNotified {
			o.Notified++
		}
	}
	o.Dead = len(r.h.DeadLetter.(*fakeRejecter).reasons)
	return o
}

func TestRealTimeSignals(t *testing.T) {
	created := func(t *testing.T, r *followRig) json.RawMessage {
		return signalEvent(t, "root-createaccesskey.json", r.clock.Now().Add(-time.Minute), "create-1")
	}
	tests := []struct {
		name   string
		setup  func(r *followRig)
		events func(t *testing.T, r *followRig) []json.RawMessage
		want   signalOutcome
	}{
		{
			name: "a root CreateAccessKey with no case opens one at once, its retry changes nothing",
			events: func(t *testing.T, r *followRig) []json.RawMessage {
				ev := created(t, r)
				return []json.RawMessage{ev, ev}
			},
			// e-mail and chat of the opening; nothing written back: Security Hub holds no such finding.
			want: signalOutcome{State: ledger.Open, FollowUp: followup.Open, JiraIssues: 1, OpsItems: 1, Emails: 2},
		},
		{
			name: "IAM.4's later FAILED finding attaches to the case the signal opened",
			events: func(t *testing.T, r *followRig) []json.RawMessage {
				return []json.RawMessage{created(t, r), r.failed.events[0]}
			},
			want: signalOutcome{State: ledger.Open, FollowUp: followup.Open, JiraIssues: 1, OpsItems: 1, Emails: 2, Notified: 1},
		},
		{
			name:  "an account the policy refuses is ignored like its findings",
			setup: func(r *followRig) { r.h.Accounts = refuseAll{} },
			events: func(t *testing.T, r *followRig) []json.RawMessage {
				return []json.RawMessage{created(t, r)}
			},
			want: signalOutcome{},
		},
		{
			name: "the root creating an IAM user's key is not a root key",
			events: func(t *testing.T, r *followRig) []json.RawMessage {
				return []json.RawMessage{signalEvent(t, "root-createaccesskey-for-user.json", r.clock.Now(), "user-1")}
			},
			want: signalOutcome{},
		},
		{
			name: "an unreadable event goes to the dead-letter queue",
			events: func(t *testing.T, r *followRig) []json.RawMessage {
				var m map[string]any
				_ = json.Unmarshal(created(t, r), &m)
				m["detail"].(map[string]any)["eventTime"] = "yesterday"
				b, _ := json.Marshal(m)
				return []json.RawMessage{b}
			},
			want: signalOutcome{Dead: 1},
		},
		{
			name: "a real-time deactivation of the key the finding's case knows by its creation time",
			events: func(t *testing.T, r *followRig) []json.RawMessage {
				r.world.set(func(w *world) { w.active = false })
				return []json.RawMessage{r.failed.events[0],
					signalEvent(t, "root-updateaccesskey-inactive-ADAPTED.json", r.clock.Now(), "deactivate-1")}
			},
			want: signalOutcome{State: ledger.Open, FollowUp: followup.Deactivated, Made: 1, JiraIssues: 1, OpsItems: 1,
				Emails: 4, Notified: 1},
		},
		{
			name: "a root CreateAccessKey on a case the finding opened is a new key",
			events: func(t *testing.T, r *followRig) []json.RawMessage {
				return []json.RawMessage{r.failed.events[0], created(t, r)}
			},
			want: signalOutcome{State: ledger.Open, FollowUp: followup.NewKey, Made: 1, JiraIssues: 1, OpsItems: 1,
				Emails: 4, Notified: 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newFollowRig(t)
			r.sequential = true
			if tt.setup != nil {
				tt.setup(r)
			}
			r.invoke(t, tt.events(t, r)...)
			r.sweepFor(t)
			if diff := cmp.Diff(tt.want, r.signalOutcome(t)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestSignalOnAnOpeningCaseIsRetried(t *testing.T) {
	r := newFollowRig(t)
	// The opener froze before its tickets went out: the case is opening.
	r.freezer.At = "evidence kept"
	if out := r.deliver(t, r.failed.events[0], func() {
		ev := signalEvent(t, "root-updateaccesskey-inactive-ADAPTED.json", r.clock.Now(), "deactivate-1")
		err := r.h.Handle(lambdaContext(t), ev)
		if err == nil {
			t.Error("a signal on an opening case returned success: Lambda would not retry it")
		}
	}); out.Err != nil {
		t.Errorf("opening ended %+v", out)
	}
	if !r.freezer.Fired() {
		t.Fatal("the opener never froze")
	}
}
