package casework

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/google/go-cmp/cmp"

	"github.com/iam4-responder/iam4-responder/internal/emulator"
	"github.com/iam4-responder/iam4-responder/internal/faults"
	"github.com/iam4-responder/iam4-responder/internal/memstore"
	"github.com/iam4-responder/iam4-responder/internal/testenv"
	"github.com/iam4-responder/iam4-responder/lambda/internal/advice"
	"github.com/iam4-responder/iam4-responder/lambda/internal/contain"
	"github.com/iam4-responder/iam4-responder/lambda/internal/finding"
	"github.com/iam4-responder/iam4-responder/lambda/internal/investigation"
	"github.com/iam4-responder/iam4-responder/lambda/internal/ledger"
	"github.com/iam4-responder/iam4-responder/lambda/internal/sink"
)

// The fault matrix runs the real handler, the real sinks (Jira, OpsCenter and Security Hub on
// the emulator's wire protocols, through a transport that can lose answers), SNS through a
// counting fake, and the atomic in-memory ledger on an injected clock. Each scenario replays
// Lambda's asynchronous retry budget and the scheduled sweep, then counts side effects.

const faultCase = "111122223333/IAM.4"

// countingSNS records every publish by its delivery attribute and can lose the answer of one.
type countingSNS struct {
	mu    sync.Mutex
	sent  map[string]int
	lose  func(delivery string) bool
	count int
}

func (s *countingSNS) Publish(_ context.Context, in *sns.PublishInput, _ ...func(*sns.Options)) (*sns.PublishOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := aws.ToString(in.MessageAttributes[sink.DeliveryAttribute].StringValue)
	if s.sent == nil {
		s.sent = map[string]int{}
	}
	s.sent[d]++
	s.count++
	if s.lose != nil && s.lose(d) {
		s.lose = nil
		return nil, faults.ErrAnswerLost
	}
	return &sns.PublishOutput{MessageId: aws.String(fmt.Sprintf("msg-%d", s.count))}, nil
}

func (s *countingSNS) n(delivery string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sent[delivery]
}

// rotatingSecret is Secrets Manager holding the Jira token; rotate changes it.
type rotatingSecret struct {
	mu    sync.Mutex
	token string
	reads int
}

func (s *rotatingSecret) GetSecretValue(context.Context, *secretsmanager.GetSecretValueInput, ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reads++
	return &secretsmanager.GetSecretValueOutput{SecretString: aws.String(`{"email":"ops@example.com","api_token":"` + s.token + `"}`)}, nil
}

// keyStore is a member account's root keys; fakeContain deletes the unused one only if it is
// still there, as contain.Guard lists the keys in its audit session before deleting.
type keyStore struct {
	mu      sync.Mutex
	present map[string]bool
	deletes int
	runs    int
}

type fakeContain struct{ keys *keyStore }

func (c fakeContain) Run(_ context.Context, f finding.Finding, _ investigation.Result) contain.Outcome {
	account := f.AccountID
	c.keys.mu.Lock()
	defer c.keys.mu.Unlock()
	c.keys.runs++
	out := contain.Outcome{Mode: contain.DeleteUnused, Account: account}
	if c.keys.present["AKIA…0002"] {
		delete(c.keys.present, "AKIA…0002")
		c.keys.deletes++
		out.Actions = append(out.Actions, contain.Action{Key: "AKIA…0002", Do: "deleted", Why: advice.Msg(contain.WhyUnusedNever, "days", "90")})
	}
	return out
}

type faultRig struct {
	keys    *keyStore
	h       *Handler
	clock   *faults.Clock
	store   *memstore.Store[ledger.Case]
	lossy   *faults.Lossy
	sns     *countingSNS
	url     string
	ssm     *ssm.Client
	sh      *securityhub.Client
	freezer *faults.Freezer
	failed  *faultFindings
	passed  []json.RawMessage
}

// faultFindings are the events of the case: the consolidated finding in three Regions.
type faultFindings struct{ events []json.RawMessage }

var faultRegions = []string{"us-west-2", "eu-west-1", "ap-northeast-1"}

func newFaultRig(t *testing.T, scenario ...func(*emulator.Scenario)) *faultRig {
	t.Helper()
	r := &faultRig{clock: faults.NewClock(time.Date(2026, 11, 29, 6, 0, 0, 0, time.UTC)), store: memoryLedger(),
		lossy: &faults.Lossy{}, sns: &countingSNS{}, freezer: &faults.Freezer{}, failed: &faultFindings{},
		keys: &keyStore{present: map[string]bool{"AKIA…0002": true, "AKIA…5566": true}}}
	var raws []json.RawMessage
	for _, region := range faultRegions {
		ev := regionEvent(t, "iam4-consolidated-failed.json", region)
		r.failed.events = append(r.failed.events, ev)
		r.passed = append(r.passed, later(t, regionEvent(t, "iam4-consolidated-passed.json", region)))
		var m map[string]any
		_ = json.Unmarshal(ev, &m)
		b, _ := json.Marshal(m["detail"].(map[string]any)["findings"].([]any)[0])
		raws = append(raws, b)
	}
	sc := &emulator.Scenario{Account: testenv.Account, Findings: raws,
		Jira: &emulator.Jira{Email: "ops@example.com", Token: "t0ken", Projects: []string{"SEC"}}}
	for _, f := range scenario {
		f(sc)
	}
	srv, err := emulator.New(sc, nil)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	r.url = hs.URL
	cfg := testenv.AWSConfig(hs.URL)
	cfg.HTTPClient = &http.Client{Transport: r.lossy}
	r.ssm, r.sh = ssm.NewFromConfig(cfg), securityhub.NewFromConfig(cfg)
	jira := sink.Jira{BaseURL: hs.URL, Project: "SEC", IssueType: "Task", Transition: "Done",
		HTTP: &http.Client{Transport: r.lossy}, Creds: &sink.JiraCredentials{API: &rotatingSecret{token: "t0ken"}}}
	r.h = &Handler{
		Log: quietLog(), Ledger: &ledger.Ledger{Store: r.store, Now: r.clock.Now}, Now: r.clock.Now,
		Sinks: []CaseSink{sink.Email{SNS: sink.SNS{API: r.sns, TopicARN: "email"}}, sink.Chat{SNS: sink.SNS{API: r.sns, TopicARN: "chat"}},
			sink.OpsItem{API: r.ssm}, jira},
		Refused: sink.Refused, WriteBack: sink.SecurityHub{API: r.sh}, DeadLetter: &fakeRejecter{},
		Evidence: &fakeInvestigator{}, Contain: fakeContain{keys: r.keys}, Point: r.freezer.Point,
	}
	return r
}

// later moves an event's finding half an hour on: Security Hub updates UpdatedAt with every
// change of compliance.
func later(t *testing.T, ev json.RawMessage) json.RawMessage {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(ev, &m); err != nil {
		t.Fatal(err)
	}
	f := m["detail"].(map[string]any)["findings"].([]any)[0].(map[string]any)
	at, err := time.Parse(time.RFC3339, f["UpdatedAt"].(string))
	if err != nil {
		t.Fatal(err)
	}
	f["UpdatedAt"] = at.Add(30 * time.Minute).Format(time.RFC3339Nano)
	b, _ := json.Marshal(m)
	return b
}

// lambdaContext is an invocation's context: its deadline is real time (the handler's lease is
// the clock's now plus the time left), far enough never to fire during a test.
func lambdaContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), faults.Timeout)
	t.Cleanup(cancel)
	return ctx
}

// deliver sends one event through Lambda's asynchronous budget; meanwhile runs between the first
// attempt and its retries (other events arriving while the first attempt is frozen or failed).
func (r *faultRig) deliver(t *testing.T, ev json.RawMessage, meanwhile func()) faults.Outcome {
	t.Helper()
	return faults.Async(t.Context(), r.clock, func(_ context.Context, n int) faults.Outcome {
		out := faults.Invoke(lambdaContext(t), func(ctx context.Context) error { return r.h.Handle(ctx, ev) })
		if n == 0 && meanwhile != nil {
			meanwhile()
		}
		return out
	})
}

// settle runs the scheduled sweep every five minutes for an hour of the injected clock.
func (r *faultRig) settle(t *testing.T) {
	t.Helper()
	for range 12 {
		r.clock.Advance(5 * time.Minute)
		if out := faults.Invoke(lambdaContext(t), r.h.Sweep); out.Err != nil || out.Frozen {
			t.Fatalf("sweep: %+v", out)
		}
	}
}

// open delivers the three FAILED findings: the first through the fault, the others while it is
// frozen or failing, each with Lambda's budget; then the sweeps.
func (r *faultRig) open(t *testing.T) {
	t.Helper()
	out := r.deliver(t, r.failed.events[0], func() {
		for _, ev := range r.failed.events[1:] {
			if o := r.deliver(t, ev, nil); o.Err != nil || o.Frozen {
				t.Errorf("a finding arriving meanwhile ended %+v", o)
			}
		}
	})
	if out.Err != nil || out.Frozen {
		t.Errorf("the first event ended %+v: it would be dead-lettered", out)
	}
	r.settle(t)
}

func (r *faultRig) resolve(t *testing.T) {
	t.Helper()
	out := r.deliver(t, r.passed[0], func() {
		for _, ev := range r.passed[1:] {
			if o := r.deliver(t, ev, nil); o.Err != nil || o.Frozen {
				t.Errorf("a PASSED finding arriving meanwhile ended %+v", o)
			}
		}
	})
	if out.Err != nil || out.Frozen {
		t.Errorf("the first PASSED event ended %+v", out)
	}
	r.settle(t)
}

// effects counts what the channels hold.
type effects struct {
	JiraIssues, JiraComments int
	JiraStatus               string
	OpsItems                 []string // status of each
	Email, Chat              [2]int   // open, resolve publishes
	Notified, ClosedNotes    int      // findings NOTIFIED, findings with the resolution note
	State                    ledger.State
	Pending                  []string
	Unknown                  []string // steps the ledger marks unknown
	Investigations           int      // evidence gatherings
	Deletions                int      // root keys deleted by containment
}

func (r *faultRig) effects(t *testing.T) effects {
	t.Helper()
	var e effects
	for i := 1; ; i++ {
		status, comments, ok := jiraIssue(t, r.url, fmt.Sprintf("SEC-%d", i))
		if !ok {
			break
		}
		e.JiraIssues++
		e.JiraComments, e.JiraStatus = comments, status
	}
	items, err := r.ssm.DescribeOpsItems(t.Context(), &ssm.DescribeOpsItemsInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items.OpsItemSummaries {
		e.OpsItems = append(e.OpsItems, string(it.Status))
	}
	key := faultCase + "#1"
	e.Email = [2]int{r.sns.n(key + "#open/email"), r.sns.n(key + "#resolve/email")}
	e.Chat = [2]int{r.sns.n(key + "#open/chat"), r.sns.n(key + "#resolve/chat")}
	out, err := r.sh.GetFindings(t.Context(), &securityhub.GetFindingsInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range out.Findings {
		if f.Workflow != nil && f.Workflow.Status == shtypes.WorkflowStatusNotified {
			e.Notified++
		}
		if f.Note != nil && strings.Contains(aws.ToString(f.Note.Text), "closed the case") {
			e.ClosedNotes++
		}
	}
	c, err := r.h.Ledger.Load(t.Context(), faultCase)
	if err != nil {
		t.Fatal(err)
	}
	e.State, e.Pending = c.State, c.Pending()
	for name, st := range c.Steps {
		if st.Status == ledger.Unknown {
			e.Unknown = append(e.Unknown, name)
		}
		if st.Status == ledger.Intent {
			t.Errorf("step %s left with an intent and no outcome", name)
		}
	}
	slices.Sort(e.Unknown)
	inv := r.h.Evidence.(*fakeInvestigator)
	inv.mu.Lock()
	e.Investigations = inv.calls
	inv.mu.Unlock()
	r.keys.mu.Lock()
	e.Deletions = r.keys.deletes
	r.keys.mu.Unlock()
	return e
}

func jiraIssue(t *testing.T, url, key string) (status string, comments int, ok bool) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, url+"/rest/api/3/issue/"+key, nil)
	req.SetBasicAuth("ops@example.com", "t0ken")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return "", 0, false
	}
	var is struct {
		Fields struct {
			Status  struct{ Name string }
			Comment struct{ Total int }
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&is); err != nil {
		t.Fatal(err)
	}
	return is.Fields.Status.Name, is.Fields.Comment.Total, true
}

// openedOnce is the outcome every opening scenario must reach: one ticket per channel, every
// finding written back, nothing pending. unknown lists the SNS steps whose outcome the fault
// made unknown: those were sent at most once, and the ledger says so.
func openedOnce(unknown ...string) func(t *testing.T, e effects) {
	return func(t *testing.T, e effects) {
		t.Helper()
		want := effects{JiraIssues: 1, JiraStatus: "To Do", OpsItems: []string{"Open"}, Email: [2]int{1, 0}, Chat: [2]int{1, 0},
			Notified: 3, State: ledger.Open, Unknown: unknown, Investigations: 1, Deletions: 1}
		for _, u := range unknown {
			// At most once: the fault stopped between intent and outcome; 0 or 1 was sent.
			switch u {
			case "open/email":
				want.Email[0] = min(e.Email[0], 1)
			case "open/chat":
				want.Chat[0] = min(e.Chat[0], 1)
			}
		}
		if diff := cmp.Diff(want, e); diff != "" {
			t.Errorf("side effects (-want +got):\n%s", diff)
		}
	}
}

func resolvedOnce(unknown ...string) func(t *testing.T, e effects) {
	return func(t *testing.T, e effects) {
		t.Helper()
		want := effects{JiraIssues: 1, JiraComments: 1, JiraStatus: "Done", OpsItems: []string{"Resolved"}, Email: [2]int{1, 1},
			Chat: [2]int{1, 1}, Notified: 3, ClosedNotes: 3, State: ledger.Resolved, Unknown: unknown, Investigations: 1, Deletions: 1}
		for _, u := range unknown {
			switch u {
			case "resolve/email":
				want.Email[1] = min(e.Email[1], 1)
			case "resolve/chat":
				want.Chat[1] = min(e.Chat[1], 1)
			}
		}
		if diff := cmp.Diff(want, e); diff != "" {
			t.Errorf("side effects (-want +got):\n%s", diff)
		}
	}
}

// points records the protocol's steps in a run without faults.
func points(t *testing.T, resolve bool) []string {
	t.Helper()
	r := newFaultRig(t)
	var seen []string
	var mu sync.Mutex
	record := func(name string) { mu.Lock(); seen = append(seen, name); mu.Unlock() }
	if resolve {
		r.open(t)
	}
	r.h.Point = record
	if resolve {
		r.resolve(t)
	} else {
		r.open(t)
	}
	return seen
}

// nth turns a run's steps into (step, n-th occurrence) pairs: every place to freeze.
func nth(steps []string) []freezeAt {
	count := map[string]int{}
	var out []freezeAt
	for _, s := range steps {
		count[s]++
		out = append(out, freezeAt{At: s, Nth: count[s]})
	}
	return out
}

type freezeAt struct {
	At  string
	Nth int
}

// TestFrozenAtEveryStepOfOpeningDeliversOnce freezes the first invocation at each step of the
// opening protocol in turn, with the case's other findings arriving while it is frozen.
func TestFrozenAtEveryStepOfOpeningDeliversOnce(t *testing.T) {
	steps := points(t, false)
	if len(steps) < 10 {
		t.Fatalf("a clean opening passed only %d steps: %v", len(steps), steps)
	}
	for _, f := range nth(steps) {
		t.Run(fmt.Sprintf("%s #%d", f.At, f.Nth), func(t *testing.T) {
			r := newFaultRig(t)
			r.freezer.At, r.freezer.Nth = f.At, f.Nth
			r.open(t)
			if !r.freezer.Fired() {
				t.Fatal("the invocation never reached the step")
			}
			var unknown []string
			if f.At == "intent open/email" || f.At == "acted open/email" {
				unknown = []string{"open/email"}
			}
			if f.At == "intent open/chat" || f.At == "acted open/chat" {
				unknown = []string{"open/chat"}
			}
			openedOnce(unknown...)(t, r.effects(t))
		})
	}
}

// TestFrozenAtEveryStepOfResolvingResolvesOnce does the same for the resolution.
func TestFrozenAtEveryStepOfResolvingResolvesOnce(t *testing.T) {
	steps := points(t, true)
	for _, f := range nth(steps) {
		t.Run(fmt.Sprintf("%s #%d", f.At, f.Nth), func(t *testing.T) {
			r := newFaultRig(t)
			r.open(t)
			r.freezer.At, r.freezer.Nth = f.At, f.Nth
			r.resolve(t)
			if !r.freezer.Fired() {
				t.Fatal("the invocation never reached the step")
			}
			var unknown []string
			if f.At == "intent resolve/email" || f.At == "acted resolve/email" {
				unknown = []string{"resolve/email"}
			}
			if f.At == "intent resolve/chat" || f.At == "acted resolve/chat" {
				unknown = []string{"resolve/chat"}
			}
			resolvedOnce(unknown...)(t, r.effects(t))
		})
	}
}

// TestLostAnswersDeliverOnce loses the answer of each channel's call after it acted.
func TestLostAnswersDeliverOnce(t *testing.T) {
	tests := []struct {
		name    string
		http    func(*http.Request) bool
		sns     string
		unknown []string
	}{
		{"Jira created the issue, the answer was lost", func(r *http.Request) bool {
			return r.Method == http.MethodPost && r.URL.Path == "/rest/api/3/issue"
		}, "", nil},
		{"OpsCenter created the OpsItem, the answer was lost", func(r *http.Request) bool {
			return r.Header.Get("X-Amz-Target") == "AmazonSSM.CreateOpsItem"
		}, "", nil},
		{"Security Hub updated the finding, the answer was lost", func(r *http.Request) bool {
			return r.URL.Path == "/findings/batchupdate"
		}, "", nil},
		{"SNS sent the e-mail, the answer was lost", nil, faultCase + "#1#open/email", []string{"open/email"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newFaultRig(t)
			if tt.http != nil {
				r.lossy.Lose = faults.Once(tt.http)
			}
			if tt.sns != "" {
				r.sns.lose = func(d string) bool { return d == tt.sns }
			}
			r.open(t)
			if tt.http != nil && r.lossy.Lost() != 1 {
				t.Fatalf("%d answers lost, want 1", r.lossy.Lost())
			}
			openedOnce(tt.unknown...)(t, r.effects(t))
		})
	}
}

// TestLedgerFailingAfterASinkActedDeliversOnce fails the ledger's next write after each
// channel acted, so the outcome cannot be recorded and the lease cannot be given back.
func TestLedgerFailingAfterASinkActedDeliversOnce(t *testing.T) {
	for _, step := range []string{"acted open/email", "acted open/chat", "acted open/opsitem", "acted open/jira", "written back", "evidence kept"} {
		t.Run(step, func(t *testing.T) {
			r := newFaultRig(t)
			var armed sync.Once
			failing := false
			var mu sync.Mutex
			r.store.Fail = func(op string) error {
				mu.Lock()
				defer mu.Unlock()
				if failing && op == "save" {
					return fmt.Errorf("DynamoDB: InternalServerError")
				}
				return nil
			}
			r.h.Point = func(name string) {
				if name == step {
					armed.Do(func() { mu.Lock(); failing = true; mu.Unlock() })
				}
			}
			// The ledger recovers for the retries.
			out := faults.Invoke(lambdaContext(t), func(ctx context.Context) error { return r.h.Handle(ctx, r.failed.events[0]) })
			if out.Err == nil {
				t.Fatal("the invocation succeeded with the ledger down")
			}
			mu.Lock()
			failing = false
			mu.Unlock()
			r.open(t)
			var unknown []string
			switch step {
			case "acted open/email":
				unknown = []string{"open/email"}
			case "acted open/chat":
				unknown = []string{"open/chat"}
			}
			openedOnce(unknown...)(t, r.effects(t))
		})
	}
}

// TestPassedWhileOpeningIsApplied sends the PASSED findings while the opener is frozen: the
// resolution is kept on the case and applied by whoever finishes it.
func TestPassedWhileOpeningIsApplied(t *testing.T) {
	for _, at := range []string{"arrived", "intent open/opsitem", "acted open/jira", "written back"} {
		t.Run(at, func(t *testing.T) {
			r := newFaultRig(t)
			r.freezer.At, r.freezer.Nth = at, 1
			out := r.deliver(t, r.failed.events[0], func() {
				for _, ev := range append(r.failed.events[1:], r.passed...) {
					if o := r.deliver(t, ev, nil); o.Err != nil || o.Frozen {
						t.Errorf("an event arriving meanwhile ended %+v", o)
					}
				}
			})
			if out.Err != nil || out.Frozen {
				t.Errorf("first event ended %+v", out)
			}
			r.settle(t)
			resolvedOnce()(t, r.effects(t))
		})
	}
}

// TestJiraTokenRotationIsReadOnceMore rotates the Jira token between two cases' deliveries.
func TestJiraTokenRotationIsReadOnceMore(t *testing.T) {
	r := newFaultRig(t)
	secret := &rotatingSecret{token: "old-token"}
	for i, s := range r.h.Sinks {
		if j, ok := s.(sink.Jira); ok {
			j.Creds = &sink.JiraCredentials{API: secret}
			r.h.Sinks[i] = j
		}
	}
	// The function read the old token at its first use; the secret was then rotated to the
	// token Jira accepts.
	if _, _, err := r.h.Sinks[3].(sink.Jira).Creds.Get(t.Context()); err != nil {
		t.Fatal(err)
	}
	secret.mu.Lock()
	secret.token = "t0ken"
	secret.mu.Unlock()
	r.open(t)
	openedOnce()(t, r.effects(t))
	if secret.reads != 2 {
		t.Errorf("secret read %d times, want 2 (cold start, then once after the 401)", secret.reads)
	}
}

// downUntil answers Jira's requests with 503 until the clock reaches a time.
type downUntil struct {
	next  http.RoundTripper
	clock *faults.Clock
	until time.Time
}

func (d downUntil) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasPrefix(r.URL.Path, "/rest/api/3/") && d.clock.Now().Before(d.until) {
		return &http.Response{StatusCode: http.StatusServiceUnavailable, Header: http.Header{}, Request: r,
			Body: http.NoBody}, nil
	}
	return d.next.RoundTrip(r)
}

// TestJiraDownLongerThanLambdasRetriesLosesNothing keeps Jira down for ten minutes, longer than
// Lambda's retry budget: the other channels deliver at once, the sweep opens the issue once Jira
// is back, every finding is written back, and the evidence is gathered once.
func TestJiraDownLongerThanLambdasRetriesLosesNothing(t *testing.T) {
	r := newFaultRig(t)
	for i, s := range r.h.Sinks {
		if j, ok := s.(sink.Jira); ok {
			j.HTTP = &http.Client{Transport: downUntil{next: r.lossy, clock: r.clock, until: r.clock.Now().Add(10 * time.Minute)}}
			r.h.Sinks[i] = j
		}
	}
	for _, ev := range r.failed.events {
		// An event may end in the dead-letter queue after its retries: its finding stays
		// attached to the case, which the sweep finishes.
		faults.Async(t.Context(), r.clock, func(context.Context, int) faults.Outcome {
			return faults.Invoke(lambdaContext(t), func(ctx context.Context) error { return r.h.Handle(ctx, ev) })
		})
	}
	r.settle(t)
	openedOnce()(t, r.effects(t))
}
