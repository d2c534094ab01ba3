package casework

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/google/go-cmp/cmp"

	"github.com/iam4-responder/iam4-responder/internal/emulator"
	"github.com/iam4-responder/iam4-responder/internal/faults"
	"github.com/iam4-responder/iam4-responder/internal/testenv"
	"github.com/iam4-responder/iam4-responder/lambda/contract"
	"github.com/iam4-responder/iam4-responder/lambda/internal/evidence"
	"github.com/iam4-responder/iam4-responder/lambda/internal/followup"
	"github.com/iam4-responder/iam4-responder/lambda/internal/ledger"
	"github.com/iam4-responder/iam4-responder/lambda/internal/sink"
)

// world is the member account's root key as IAM shows it over the days of a test: the
// credential report's root row and the account summary go through the function's own mapping
// (observation), as the live evidence would return them.
type world struct {
	mu       sync.Mutex
	clock    *faults.Clock
	created  time.Time
	present  bool
	active   bool
	lastUsed *time.Time
	lastCall time.Time // the last key call the event history holds
}

func (w *world) Observe(_ context.Context, _ string, since time.Time) (followup.Observation, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	inv := evidence.Inventory{KeysPresent: w.present, Report: &evidence.RootReport{}}
	if w.present {
		created := w.created
		inv.Report.Keys = []evidence.ReportKey{{Slot: 1, Active: w.active, LastRotated: &created, LastUsed: w.lastUsed}}
	}
	o := observation(inv, w.clock.Now())
	if !since.IsZero() && w.lastCall.After(since) {
		o.CalledAt = w.lastCall
	}
	return o, nil
}

func (w *world) set(fn func(w *world)) { w.mu.Lock(); fn(w); w.mu.Unlock() }

// messages records every SNS message by its delivery attribute, with its text.
type messages struct {
	mu   sync.Mutex
	sent map[string][]string
}

func (m *messages) Publish(_ context.Context, in *sns.PublishInput, _ ...func(*sns.Options)) (*sns.PublishOutput, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d := aws.ToString(in.MessageAttributes[sink.DeliveryAttribute].StringValue)
	if m.sent == nil {
		m.sent = map[string][]string{}
	}
	m.sent[d] = append(m.sent[d], aws.ToString(in.Subject)+"\n"+aws.ToString(in.Message))
	return &sns.PublishOutput{MessageId: aws.String(fmt.Sprintf("msg-%d", len(m.sent)))}, nil
}

// counts are the publishes per delivery key that carry fu/ (follow-up transitions).
func (m *messages) counts() map[string]int {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]int{}
	for d, msgs := range m.sent {
		if strings.Contains(d, "#fu/") {
			out[d] = len(msgs)
		}
	}
	return out
}

// followRig is the fault matrix's rig (real Jira, OpsCenter and Security Hub sinks on the
// emulator, the atomic in-memory ledger on an injected clock) with the follow-up switched on.
type followRig struct {
	*faultRig
	world      *world
	sns        *messages
	sequential bool // one invocation at a time
}

var walkStatuses = map[string]string{"deactivated": "In Progress", "ready_to_delete": "Ready to delete", "closed": "Done"}

func newFollowRig(t *testing.T) *followRig {
	t.Helper()
	fr := newFaultRig(t, func(s *emulator.Scenario) { s.Jira.Transitions = []string{"In Progress", "Ready to delete", "Done"} })
	r := &followRig{faultRig: fr, sns: &messages{},
		world: &world{clock: fr.clock, created: fr.clock.Now().Add(-400 * 24 * time.Hour), present: true, active: true}}
	j := r.h.Sinks[3].(sink.Jira)
	j.Statuses = walkStatuses
	r.h.Sinks = []CaseSink{sink.Email{SNS: sink.SNS{API: r.sns, TopicARN: "email"}}, sink.Chat{SNS: sink.SNS{API: r.sns, TopicARN: "chat"}},
		r.h.Sinks[2], j}
	r.h.Follow = FollowUp{Settings: followup.Defaults, Observer: r.world}
	return r
}

var recheckTask = json.RawMessage(`{"` + contract.TaskField + `":"` + contract.TaskRecheck + `"}`)

// invoke runs events at once, each as its own invocation, and fails on an error or a freeze.
func (r *followRig) invoke(t *testing.T, events ...json.RawMessage) {
	t.Helper()
	var wg sync.WaitGroup
	for _, ev := range events {
		run := func() {
			if out := faults.Invoke(lambdaContext(t), func(ctx context.Context) error { return r.h.Handle(ctx, ev) }); out.Err != nil || out.Frozen {
				t.Errorf("invocation ended %+v", out)
			}
		}
		if r.sequential {
			run()
		} else {
			wg.Go(run)
		}
	}
	wg.Wait()
}

// sweepFor runs the scheduled sweep every five minutes for an hour, through Handle.
func (r *followRig) sweepFor(t *testing.T) {
	t.Helper()
	for range 12 {
		r.clock.Advance(5 * time.Minute)
		r.invoke(t, ownEvent(t, "eventbridge-scheduled-event-ADAPTED.json"))
	}
}

// signalEvent is a real-time event sample with its time, id and account set for the walk.
func signalEvent(t *testing.T, name string, at time.Time, id string) json.RawMessage {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(sample(t, name), &m); err != nil {
		t.Fatal(err)
	}
	d := m["detail"].(map[string]any)
	d["eventTime"], d["eventID"], d["recipientAccountId"] = at.UTC().Format(time.RFC3339), id, testenv.Account
	m["account"] = testenv.Account
	b, _ := json.Marshal(m)
	return b
}

// opsState is the OpsItem's status and follow-up state.
func (r *followRig) opsState(t *testing.T) string {
	t.Helper()
	items, err := r.ssm.DescribeOpsItems(t.Context(), &ssm.DescribeOpsItemsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(items.OpsItemSummaries) != 1 {
		t.Fatalf("%d OpsItems, want 1", len(items.OpsItemSummaries))
	}
	it := items.OpsItemSummaries[0]
	state := "-"
	if v, ok := it.OperationalData["iam4:state"]; ok {
		state = aws.ToString(v.Value)
	}
	return string(it.Status) + " " + state
}

// walkStep is one day of the case: what happens, and what every channel must show after it.
type walkStep struct {
	name   string
	do     func(t *testing.T, r *followRig)
	ops    string // OpsItem status and iam4:state
	jira   string // the issue's status
	states int    // transitions made so far
}

// rechecks runs the re-check task copies times at once, then once more: the schedule fired
// twice.
func (r *followRig) rechecks(t *testing.T, copies int) {
	t.Helper()
	events := make([]json.RawMessage, copies)
	for i := range events {
		events[i] = recheckTask
	}
	r.invoke(t, events...)
	r.invoke(t, recheckTask)
}

func walk(start time.Time) []walkStep {
	dayAt := func(r *followRig, d int) {
		r.clock.Advance(start.Add(time.Duration(d) * 24 * time.Hour).Sub(r.clock.Now()))
	}
	recheck := func(d int, change func(w *world)) func(t *testing.T, r *followRig) {
		return func(t *testing.T, r *followRig) {
			dayAt(r, d)
			if change != nil {
				r.world.set(change)
			}
			r.rechecks(t, 3)
		}
	}
	return []walkStep{
		{"day 1: every key inactive: deactivated", recheck(1, func(w *world) { w.active = false }), "InProgress deactivated", "In Progress", 1},
		{"day 2: still inactive: verifying", recheck(2, nil), "InProgress verifying", "In Progress", 2},
		{"day 3: the key reactivated and called, signalled and re-checked at once: used again", func(t *testing.T, r *followRig) {
			dayAt(r, 3)
			call := r.clock.Now().Add(-time.Hour)
			r.world.set(func(w *world) { w.active, w.lastCall, w.lastUsed = true, call, &call })
			ev := signalEvent(t, "root-key-call-ADAPTED.json", call, "call-1")
			again := signalEvent(t, "root-key-call-ADAPTED.json", call.Add(5*time.Minute), "call-2")
			r.invoke(t, ev, ev, again, recheckTask, recheckTask)
			r.invoke(t, ev) // Lambda's retry of an event whose answer was lost
		}, "Open used_again", "In Progress", 3},
		{"day 4: inactive again: the window starts over", recheck(4, func(w *world) { w.active = false }), "InProgress deactivated", "In Progress", 4},
		{"day 5: verifying again", recheck(5, nil), "InProgress verifying", "In Progress", 5},
		{"day 12: a whole window with no call: ready to delete", recheck(12, nil), "InProgress ready_to_delete", "Ready to delete", 6},
		{"day 13: the key is deleted: closed", recheck(13, func(w *world) { w.present = false }), "Resolved closed", "Done", 7},
	}
}

// checkWalk walks the case and asserts, after every step, each channel's state and that every
// transition reached each channel exactly once.
func checkWalk(t *testing.T, r *followRig) {
	t.Helper()
	r.open(t)
	start := r.clock.Now()
	for _, s := range walk(start) {
		s.do(t, r)
		r.sweepFor(t)
		if got := r.opsState(t); got != s.ops {
			t.Errorf("%s: OpsItem %q, want %q", s.name, got, s.ops)
		}
		status, comments, _ := jiraIssue(t, r.url, "SEC-1")
		if status != s.jira || comments != s.states {
			t.Errorf("%s: Jira %q with %d comments, want %q with %d", s.name, status, comments, s.jira, s.states)
		}
		want := map[string]int{}
		for seq := 1; seq <= s.states; seq++ {
			for _, ch := range []string{"email", "chat"} {
				want[fmt.Sprintf("%s#1#fu/%d/%s", faultCase, seq, ch)] = 1
			}
		}
		if diff := cmp.Diff(want, r.sns.counts()); diff != "" {
			t.Fatalf("%s: follow-up messages per delivery (-want +got):\n%s", s.name, diff)
		}
	}
	c, err := r.h.Ledger.Load(t.Context(), faultCase)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.FollowUp.Pending) != 0 || c.FollowUp.Owner != "" {
		t.Errorf("follow-up left %d pending, owner %q", len(c.FollowUp.Pending), c.FollowUp.Owner)
	}
	var steps []string
	for name, st := range c.Steps {
		if strings.HasPrefix(name, "fu/") {
			steps = append(steps, name)
			if st.Status != ledger.Done {
				t.Errorf("step %s is %s, want done", name, st.Status)
			}
		}
	}
	if len(steps) != 7*5 {
		t.Errorf("%d transition steps, want 7 transitions × (e-mail, chat, OpsItem, Jira, Security Hub)", len(steps))
	}
	// Every finding of the case carries the last transition's note.
	out, err := r.sh.GetFindings(t.Context(), &securityhub.GetFindingsInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range out.Findings {
		if f.Note == nil || !strings.Contains(aws.ToString(f.Note.Text), "no access key") && !strings.Contains(aws.ToString(f.Note.Text), "closed") {
			t.Errorf("finding %s note %q, want the closing transition's", aws.ToString(f.Id), aws.ToString(f.Note.Text))
		}
	}
	// The e-mails name the states in the order the case walked them.
	var subjects []string
	r.sns.mu.Lock()
	keys := make([]string, 0)
	for d := range r.sns.sent {
		if strings.HasSuffix(d, "/email") && strings.Contains(d, "#fu/") {
			keys = append(keys, d)
		}
	}
	sort.Slice(keys, func(i, j int) bool { return seqOf(keys[i]) < seqOf(keys[j]) })
	for _, d := range keys {
		subject := strings.SplitN(r.sns.sent[d][0], "\n", 2)[0]
		subjects = append(subjects, subject[strings.LastIndex(subject, ": ")+2:])
	}
	usedAgain := r.sns.sent[faultCase+"#1#fu/3/email"]
	r.sns.mu.Unlock()
	// Sequentially, the signal comes before the re-check: its message names the caller.
	if r.sequential && (len(usedAgain) != 1 || !strings.Contains(usedAgain[0], "192.0.2.0")) {
		t.Errorf("the used-again e-mail does not name the caller's address: %q", usedAgain)
	}
	want := []string{"every root access key is inactive", "verifying that nothing breaks", "a root access key was used again",
		"every root access key is inactive", "verifying that nothing breaks", "the root access key is ready to delete", "case closed"}
	if diff := cmp.Diff(want, subjects); diff != "" {
		t.Errorf("e-mail subjects in order (-want +got):\n%s", diff)
	}
}

func seqOf(delivery string) int {
	var n int
	_, after, _ := strings.Cut(delivery, "#fu/")
	fmt.Sscanf(after, "%d", &n)
	return n
}

// TestFollowUpWalksEveryStateAndTellsEachChannelOnce is the end-to-end walk: open → deactivated
// → verifying → used_again → deactivated → verifying → ready_to_delete → closed, with
// duplicated and concurrent re-checks and signals, on the atomic in-memory ledger.
func TestFollowUpWalksEveryStateAndTellsEachChannelOnce(t *testing.T) {
	r := newFollowRig(t)
	checkWalk(t, r)
	// IAM.4 passes at Security Hub's next check: the ticket's own resolution, once.
	r.resolve(t)
	status, comments, _ := jiraIssue(t, r.url, "SEC-1")
	if status != "Done" || comments != 8 {
		t.Errorf("after PASSED: Jira %q with %d comments, want Done with the 7 transitions' and the resolution's", status, comments)
	}
}

// TestFollowUpRunsOnDynamoDB walks the same case sequentially on the DynamoDB store (moto): the
// records, conditions and scans on the wire.
func TestFollowUpRunsOnDynamoDB(t *testing.T) {
	r := newFollowRig(t)
	cfg := testenv.AWSConfig(testenv.Moto(t))
	table := testenv.Table(t, cfg, testenv.Name("followup"), ledger.Key)
	r.h.Ledger = &ledger.Ledger{Store: ledger.Dynamo{API: dynamodb.NewFromConfig(cfg), Table: table}, Now: r.clock.Now}
	r.sequential = true // moto's conditional writes are not atomic under concurrency
	checkWalk(t, r)
}

// TestFrozenTransitionDeliveryIsFinishedOnce freezes the invocation at each step of the first
// transition's delivery; Lambda's retries and the sweep finish it. Jira, OpsCenter and Security
// Hub are repeated safely; an e-mail or chat frozen between its intent and its outcome is not
// repeated (at most once) and the ledger says unknown.
func TestFrozenTransitionDeliveryIsFinishedOnce(t *testing.T) {
	tests := []struct {
		at      string
		unknown []string
		email   int
	}{
		{"followed", nil, 1},
		{"intent fu/1/email", []string{"fu/1/email"}, 0},
		{"acted fu/1/email", []string{"fu/1/email"}, 1},
		{"done fu/1/email", nil, 1},
		{"intent fu/1/opsitem", nil, 1},
		{"acted fu/1/opsitem", nil, 1},
		{"intent fu/1/jira", nil, 1},
		{"acted fu/1/jira", nil, 1},
		{"acted fu/1/securityhub", nil, 1},
		{"delivered transition", nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.at, func(t *testing.T) {
			r := newFollowRig(t)
			r.open(t)
			r.world.set(func(w *world) { w.active = false })
			r.clock.Advance(24 * time.Hour)
			r.freezer.At = tt.at
			out := r.deliver(t, recheckTask, nil)
			if !r.freezer.Fired() {
				t.Fatalf("never reached %q", tt.at)
			}
			if out.Err != nil {
				t.Errorf("the re-check ended %+v", out)
			}
			r.sweepFor(t)
			delivery := faultCase + "#1#fu/1/"
			got := map[string]int{"email": len(r.sns.sent[delivery+"email"]), "chat": len(r.sns.sent[delivery+"chat"])}
			if diff := cmp.Diff(map[string]int{"email": tt.email, "chat": 1}, got); diff != "" {
				t.Errorf("messages (-want +got):\n%s", diff)
			}
			if got := r.opsState(t); got != "InProgress deactivated" {
				t.Errorf("OpsItem %q", got)
			}
			if status, comments, _ := jiraIssue(t, r.url, "SEC-1"); status != "In Progress" || comments != 1 {
				t.Errorf("Jira %q with %d comments, want In Progress with one", status, comments)
			}
			c, err := r.h.Ledger.Load(t.Context(), faultCase)
			if err != nil {
				t.Fatal(err)
			}
			var unknown []string
			for name, st := range c.Steps {
				switch st.Status {
				case ledger.Unknown:
					unknown = append(unknown, name)
				case ledger.Intent:
					t.Errorf("step %s left with an intent", name)
				}
			}
			slices.Sort(unknown)
			if diff := cmp.Diff(tt.unknown, unknown); diff != "" {
				t.Errorf("unknown steps (-want +got):\n%s", diff)
			}
			if len(c.FollowUp.Pending) != 0 {
				t.Errorf("%d transitions still pending", len(c.FollowUp.Pending))
			}
		})
	}
}
