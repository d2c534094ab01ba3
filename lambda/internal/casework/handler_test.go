package casework

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iam4-responder/iam4-responder/internal/memstore"
	"github.com/iam4-responder/iam4-responder/internal/samples"
	"github.com/iam4-responder/iam4-responder/internal/testenv"
	"github.com/iam4-responder/iam4-responder/lambda/internal/advice"
	"github.com/iam4-responder/iam4-responder/lambda/internal/evidence"
	"github.com/iam4-responder/iam4-responder/lambda/internal/finding"
	"github.com/iam4-responder/iam4-responder/lambda/internal/investigation"
	"github.com/iam4-responder/iam4-responder/lambda/internal/ledger"
	"github.com/iam4-responder/iam4-responder/lambda/internal/report"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// sample reads one of the project's shared samples (internal/samples).
func sample(t *testing.T, name string) json.RawMessage {
	t.Helper()
	b, err := samples.File(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// ownEvent reads one of this package's own test events (testdata/, see SOURCES.md there).
func ownEvent(t *testing.T, name string) json.RawMessage {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fakeSink records what it was asked to deliver.
type fakeSink struct {
	name     string
	mu       sync.Mutex
	opened   []string // subjects
	resolved []string // the open refs it resolved
	bodies   []string
	err      error
}

func (s *fakeSink) Name() string { return s.name }
func (s *fakeSink) Open(_ context.Context, r report.Report, _ string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return "", s.err
	}
	subject, body := r.Email()
	s.opened = append(s.opened, subject)
	s.bodies = append(s.bodies, body)
	return fmt.Sprintf("%s-%d", s.name, len(s.opened)), nil
}
func (s *fakeSink) Resolve(_ context.Context, _ report.Report, ref, _ string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return "", s.err
	}
	s.resolved = append(s.resolved, ref)
	return ref, nil
}

type fakeWriteBack struct {
	mu       sync.Mutex
	notified map[string]string // finding id → note
	resolved map[string]string
	err      error
}

func (w *fakeWriteBack) Notified(_ context.Context, f finding.Finding, note string, _ map[string]string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return w.err
	}
	if w.notified == nil {
		w.notified = map[string]string{}
	}
	w.notified[f.ID] = note
	return nil
}
func (w *fakeWriteBack) Resolved(_ context.Context, f finding.Finding, note string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.resolved == nil {
		w.resolved = map[string]string{}
	}
	w.resolved[f.ID] = note
	return nil
}

type fakeRejecter struct {
	mu      sync.Mutex
	reasons []string
	err     error
}

func (r *fakeRejecter) Reject(_ context.Context, _ []byte, reason string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return r.err
	}
	r.reasons = append(r.reasons, reason)
	return nil
}

func quietLog() *slog.Logger { return slog.New(slog.NewJSONHandler(io.Discard, nil)) }

type rig struct {
	h     *Handler
	email *fakeSink
	jira  *fakeSink
	wb    *fakeWriteBack
	dead  *fakeRejecter
	store *memstore.Store[ledger.Case]
}

// memoryLedger is the atomic in-memory store of case records.
func memoryLedger() *memstore.Store[ledger.Case] {
	return memstore.New(memstore.Schema[ledger.Case]{
		Key:      func(c ledger.Case) string { return c.ID },
		Version:  func(c ledger.Case) int64 { return c.Version },
		Absent:   func(id string) ledger.Case { return ledger.Case{ID: id} },
		Conflict: ledger.ErrConflict,
	})
}

func newRig() *rig {
	r := &rig{email: &fakeSink{name: "email"}, jira: &fakeSink{name: "jira"}, wb: &fakeWriteBack{}, dead: &fakeRejecter{}, store: memoryLedger()}
	r.h = &Handler{Log: quietLog(), Ledger: &ledger.Ledger{Store: r.store}, Sinks: []CaseSink{r.email, r.jira}, WriteBack: r.wb, DeadLetter: r.dead,
		// The fakes' errors stand for a channel's refusal: nothing was delivered.
		Refused: func(error) bool { return true }}
	return r
}

// regionEvent makes the consolidated FAILED sample's finding appear in another Region (another
// finding id), as Security Hub reports an account-level control once per Region.
func regionEvent(t *testing.T, name, region string) json.RawMessage {
	t.Helper()
	var ev map[string]any
	if err := json.Unmarshal(sample(t, name), &ev); err != nil {
		t.Fatal(err)
	}
	f := ev["detail"].(map[string]any)["findings"].([]any)[0].(map[string]any)
	f["Id"] = strings.Replace(f["Id"].(string), "us-west-2", region, 1)
	f["Region"] = region
	b, _ := json.Marshal(ev)
	return b
}

func TestHandlerRunsTheRunbookIntake(t *testing.T) {
	const (
		opened   = "[IAM.4] Root user access key in account 111122223333"
		resolved = "[IAM.4] Resolved: root access key case in account 111122223333"
	)
	tests := []struct {
		name         string
		events       []string
		wantOpened   int
		wantResolved int
	}{
		{"a FAILED finding opens the case", []string{"iam4-consolidated-failed.json"}, 1, 0},
		{"the same event twice opens it once", []string{"iam4-consolidated-failed.json", "iam4-consolidated-failed.json"}, 1, 0},
		{"a per-standard finding of the same case adds nothing", []string{"iam4-consolidated-failed.json", "iam4-fsbp-failed.json"}, 1, 0},
		{"PASSED resolves an open case once", []string{"iam4-consolidated-failed.json", "iam4-consolidated-passed.json", "iam4-fsbp-passed.json"}, 1, 1},
		{"PASSED without an open case sends nothing", []string{"iam4-consolidated-passed.json"}, 0, 0},
		{"a new failure after resolution opens again", []string{"iam4-consolidated-failed.json", "iam4-consolidated-passed.json", "iam4-fsbp-failed.json"}, 2, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig()
			for _, name := range tt.events {
				if err := r.h.Handle(t.Context(), sample(t, name)); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
			}
			for _, s := range []*fakeSink{r.email, r.jira} {
				if len(s.opened) != tt.wantOpened || len(s.resolved) != tt.wantResolved {
					t.Errorf("%s: opened %d, resolved %d; want %d, %d", s.name, len(s.opened), len(s.resolved), tt.wantOpened, tt.wantResolved)
				}
			}
			if tt.wantOpened > 0 && len(r.email.opened) > 0 && r.email.opened[0] != opened {
				t.Errorf("subject %q", r.email.opened[0])
			}
		})
	}
}

func TestOneCaseFromThreeRegionsAndTwoStandardsGivesOneTicketAndSixWriteBacks(t *testing.T) {
	r := newRig()
	var events []json.RawMessage
	for _, region := range []string{"us-west-2", "eu-west-1", "ap-northeast-1"} {
		events = append(events, regionEvent(t, "iam4-consolidated-failed.json", region), regionEvent(t, "iam4-fsbp-failed.json", region))
	}
	for _, ev := range events {
		if err := r.h.Handle(t.Context(), ev); err != nil {
			t.Fatal(err)
		}
	}
	if len(r.email.opened) != 1 || len(r.jira.opened) != 1 {
		t.Errorf("tickets: email %d, jira %d; want one each", len(r.email.opened), len(r.jira.opened))
	}
	if len(r.wb.notified) != 6 {
		t.Errorf("%d findings written back, want all 6", len(r.wb.notified))
	}
	for id, note := range r.wb.notified {
		if !strings.Contains(note, "email email-1") || !strings.Contains(note, "jira jira-1") {
			t.Errorf("note of %s lacks the tickets: %q", id, note)
		}
	}
}

func TestASinkThatIsDownDoesNotStopTheOthersAndTheRetryDeliversOnlyIt(t *testing.T) {
	r := newRig()
	r.jira.err = errors.New("HTTP 500")
	err := r.h.Handle(t.Context(), sample(t, "iam4-consolidated-failed.json"))
	if err == nil || !strings.Contains(err.Error(), "jira") {
		t.Fatalf("Handle = %v, want jira's error so that Lambda retries", err)
	}
	if len(r.email.opened) != 1 || len(r.wb.notified) != 0 {
		t.Fatalf("email %d, written back %d: e-mail must go, write-back must wait", len(r.email.opened), len(r.wb.notified))
	}
	r.jira.err = nil
	if err := r.h.Handle(t.Context(), sample(t, "iam4-consolidated-failed.json")); err != nil {
		t.Fatal(err)
	}
	if len(r.email.opened) != 1 || len(r.jira.opened) != 1 || len(r.wb.notified) != 1 {
		t.Errorf("after the retry: email %d, jira %d, written back %d; want 1 each", len(r.email.opened), len(r.jira.opened), len(r.wb.notified))
	}
}

func TestAReimportWhileTheKeyIsDeactivatedSendsNothingNew(t *testing.T) {
	r := newRig()
	if err := r.h.Handle(t.Context(), sample(t, "iam4-consolidated-failed.json")); err != nil {
		t.Fatal(err)
	}
	// The key is inactive but exists: IAM.4 stays FAILED, and Security Hub re-imports the
	// finding, NOTIFIED after our write-back, or NEW if someone reset it.
	for _, status := range []string{"NOTIFIED", "NEW"} {
		var ev map[string]any
		_ = json.Unmarshal(sample(t, "iam4-consolidated-failed.json"), &ev)
		ev["detail"].(map[string]any)["findings"].([]any)[0].(map[string]any)["Workflow"] = map[string]any{"Status": status}
		b, _ := json.Marshal(ev)
		if err := r.h.Handle(t.Context(), b); err != nil {
			t.Fatal(err)
		}
	}
	if len(r.email.opened) != 1 || len(r.jira.opened) != 1 || len(r.wb.notified) != 1 {
		t.Errorf("email %d, jira %d, written back %d; want 1 each", len(r.email.opened), len(r.jira.opened), len(r.wb.notified))
	}
}

func TestLifecycleResolvesEverySinkAndNotesTheFindings(t *testing.T) {
	r := newRig()
	for _, ev := range []string{"iam4-consolidated-failed.json", "iam4-fsbp-failed.json", "iam4-consolidated-passed.json", "iam4-fsbp-passed.json", "iam4-consolidated-passed.json"} {
		if err := r.h.Handle(t.Context(), sample(t, ev)); err != nil {
			t.Fatal(err)
		}
	}
	if diff := cmp.Diff([]string{"email-1"}, r.email.resolved); diff != "" {
		t.Errorf("email resolutions (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"jira-1"}, r.jira.resolved); diff != "" {
		t.Errorf("jira resolutions (-want +got):\n%s", diff)
	}
	if len(r.wb.resolved) != 2 {
		t.Errorf("%d findings noted as resolved, want both written-back findings", len(r.wb.resolved))
	}
}

func TestAFindingOfACaseOwnedElsewhereIsAttachedNotRetried(t *testing.T) {
	r := newRig()
	// Another invocation owns the case with a live lease.
	other := ledger.Arrival{Want: ledger.WantOpen, Finding: "other", Encoded: "{}", Owner: "elsewhere", Until: time.Now().Add(time.Hour)}
	if _, role, err := r.h.Ledger.Arrive(t.Context(), "111122223333/IAM.4", other); err != nil || role != ledger.Owner {
		t.Fatalf("Arrive = %v, %v", role, err)
	}
	if err := r.h.Handle(t.Context(), sample(t, "iam4-consolidated-failed.json")); err != nil {
		t.Errorf("Handle = %v, want nil: the owner writes the finding back, no Lambda retry needed", err)
	}
	if len(r.email.opened) != 0 || len(r.wb.notified) != 0 {
		t.Error("delivered despite the other invocation's ownership")
	}
	c, err := r.h.Ledger.Load(t.Context(), "111122223333/IAM.4")
	if err != nil {
		t.Fatal(err)
	}
	if p := c.Pending(); len(p) != 2 || !slices.Contains(p, "other") {
		t.Errorf("pending findings = %v, want the owner's and this one", p)
	}
}

func TestHandlerErrors(t *testing.T) {
	down := errors.New("service unavailable")
	tests := []struct {
		name        string
		event       json.RawMessage
		ledgerErr   error
		sinkErr     error
		rejectErr   error
		wantErr     string // empty: no error, so no Lambda retry
		wantRejects int
	}{
		{"malformed event goes to the dead-letter queue without a retry", json.RawMessage(`{"source":"aws.securityhub"`), nil, nil, nil, "", 1},
		{"malformed event whose dead-letter send fails is retried", json.RawMessage(`[]`), nil, nil, down, "keeping it in the dead-letter queue failed", 0},
		{"a sink that is down is retried", sample(t, "iam4-consolidated-failed.json"), nil, down, nil, "service unavailable", 0},
		{"a ledger that is down is retried", sample(t, "iam4-consolidated-failed.json"), down, nil, nil, "service unavailable", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig()
			r.email.err, r.dead.err = tt.sinkErr, tt.rejectErr
			if tt.ledgerErr != nil {
				r.store.Fail = func(string) error { return tt.ledgerErr }
			}
			err := r.h.Handle(t.Context(), tt.event)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("Handle = %v, want no error", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("Handle = %v, want an error containing %q", err, tt.wantErr)
			}
			if len(r.dead.reasons) != tt.wantRejects {
				t.Errorf("dead-lettered %d events, want %d", len(r.dead.reasons), tt.wantRejects)
			}
		})
	}
}

func TestDeadLetterKeepsUnsafeBytesReadable(t *testing.T) {
	tests := []struct {
		name string
		in   string
		safe bool
	}{
		{"json", `{"a":1}`, true},
		{"empty", "", false},
		{"nul byte", "a\x00b", false},
		{"invalid utf-8", "a\xffb", false},
		{"tab and newline", "a\tb\nc", true},
	}
	for _, tt := range tests {
		if got := sqsSafe(tt.in); got != tt.safe {
			t.Errorf("%s: sqsSafe = %v, want %v", tt.name, got, tt.safe)
		}
	}
	if got := validPrefix("aé", 2); got != "a" {
		t.Errorf("validPrefix split a rune: %q", got)
	}
}

type fakeInvestigator struct {
	mu    sync.Mutex
	calls int
	err   error
}

func (f *fakeInvestigator) Investigate(_ context.Context, account string) (investigation.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.err != nil {
		return investigation.Result{}, f.err
	}
	return investigation.Result{Account: account, Summary: evidence.Summary{AccessKeyCalls: 7},
		Advice: advice.Advice{Decision: advice.ReplaceWithRole}}, nil
}

func TestEvidenceIsGatheredOncePerCaseAndNeverBlocksTheTicket(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		wantBody string
	}{
		{"evidence in the ticket", nil, "Decision: callers run on AWS: replace the key with an IAM role"},
		{"failed evidence is said, and the ticket still goes out", errors.New("cross-account evidence needs an evidence role"),
			"Evidence could not be gathered: cross-account evidence needs an evidence role"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := &fakeInvestigator{err: tt.err}
			r := newRig()
			r.h.Evidence = inv
			for _, ev := range []string{"iam4-consolidated-failed.json", "iam4-fsbp-failed.json", "iam4-consolidated-passed.json"} {
				if err := r.h.Handle(t.Context(), sample(t, ev)); err != nil {
					t.Fatal(err)
				}
			}
			if inv.calls != 1 {
				t.Errorf("investigated %d times for one case, want 1", inv.calls)
			}
			if len(r.email.bodies) != 1 || len(r.email.resolved) != 1 {
				t.Fatalf("bodies: %d, resolved %d; want 1 each", len(r.email.bodies), len(r.email.resolved))
			}
			if !strings.Contains(r.email.bodies[0], tt.wantBody) {
				t.Errorf("body lacks %q:\n%s", tt.wantBody, r.email.bodies[0])
			}
		})
	}
}

func TestBadFindingsAreDeadLetteredOneByOne(t *testing.T) {
	var ev map[string]any
	if err := json.Unmarshal(regionEvent(t, "iam4-consolidated-failed.json", "eu-west-1"), &ev); err != nil {
		t.Fatal(err)
	}
	detail := ev["detail"].(map[string]any)
	good := detail["findings"].([]any)[0].(map[string]any)
	var other map[string]any
	_ = json.Unmarshal(regionEvent(t, "iam4-consolidated-failed.json", "us-west-2"), &other)
	second := other["detail"].(map[string]any)["findings"].([]any)[0].(map[string]any)
	bad := map[string]any{}
	for k, v := range good {
		bad[k] = v
	}
	delete(bad, "AwsAccountId")
	bad["Id"] = "bad-finding"
	detail["findings"] = []any{good, bad, second}
	raw, _ := json.Marshal(ev)

	r := newRig()
	if err := r.h.Handle(t.Context(), raw); err != nil {
		t.Fatalf("Handle = %v, want the good findings handled and the bad one dead-lettered", err)
	}
	if len(r.dead.reasons) != 1 || !strings.HasPrefix(r.dead.reasons[0], "finding 2 of 3:") {
		t.Errorf("dead letters = %q, want the second finding alone", r.dead.reasons)
	}
	if len(r.email.opened) != 1 || len(r.wb.notified) != 2 {
		t.Errorf("email %d, written back %d; want 1 and the 2 good findings", len(r.email.opened), len(r.wb.notified))
	}
}

// TestConcurrentFindingsWithJitterDeliverOnce sends the case's findings from eight Regions, each
// five times, from concurrent invocations whose ledger calls yield at random: one ticket per
// sink, every finding written back, none dead-lettered.
func TestConcurrentFindingsWithJitterDeliverOnce(t *testing.T) {
	for round := range 20 {
		r := newRig()
		rng := rand.New(rand.NewPCG(uint64(round), 11))
		var mu sync.Mutex
		r.store.Fail = func(string) error {
			mu.Lock()
			n := rng.IntN(4)
			mu.Unlock()
			for range n {
				runtime.Gosched()
			}
			return nil
		}
		regions := []string{"us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-northeast-1", "ap-southeast-2"}
		var events []json.RawMessage
		for _, region := range regions {
			events = append(events, regionEvent(t, "iam4-consolidated-failed.json", region))
		}
		var wg sync.WaitGroup
		errs := make([]error, len(events)*5)
		for i := range errs {
			wg.Go(func() { errs[i] = r.h.Handle(t.Context(), events[i%len(events)]) })
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		got := []int{len(r.email.opened), len(r.jira.opened), len(r.wb.notified), len(r.dead.reasons)}
		if diff := cmp.Diff([]int{1, 1, len(regions), 0}, got); diff != "" {
			t.Fatalf("round %d: email, jira, written back, dead letters (-want +got):\n%s", round, diff)
		}
	}
}

// TestTheScheduledSweepFinishesACaseItsOwnerLeft leaves a case opening with an owner whose
// lease ended (a sandbox frozen after Lambda's retries were used up): the scheduled event
// delivers it and writes the finding back.
func TestTheScheduledSweepFinishesACaseItsOwnerLeft(t *testing.T) {
	r := newRig()
	now := time.Date(2026, 11, 29, 7, 0, 0, 0, time.UTC)
	r.h.Now, r.h.Ledger.Now = func() time.Time { return now }, func() time.Time { return now }
	ev, err := finding.Parse(sample(t, "iam4-consolidated-failed.json"))
	if err != nil {
		t.Fatal(err)
	}
	f := ev.Findings[0]
	enc, _ := json.Marshal(f)
	left := ledger.Arrival{Want: ledger.WantOpen, Finding: f.ID, Encoded: string(enc), Owner: "frozen", Until: now.Add(15 * time.Minute)}
	if _, _, err := r.h.Ledger.Arrive(t.Context(), f.Case(), left); err != nil {
		t.Fatal(err)
	}
	sweep, err := os.ReadFile(filepath.Join("testdata", "eventbridge-scheduled-event-ADAPTED.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.h.Handle(t.Context(), sweep); err != nil {
		t.Fatal(err)
	}
	if len(r.email.opened) != 0 {
		t.Fatal("the sweep took a case whose lease still runs")
	}
	now = now.Add(16 * time.Minute)
	if err := r.h.Handle(t.Context(), sweep); err != nil {
		t.Fatal(err)
	}
	got := []int{len(r.email.opened), len(r.jira.opened), len(r.wb.notified)}
	if diff := cmp.Diff([]int{1, 1, 1}, got); diff != "" {
		t.Errorf("email, jira, written back after the sweep (-want +got):\n%s", diff)
	}
	c, err := r.h.Ledger.Load(t.Context(), f.Case())
	if err != nil || c.State != ledger.Open || c.Owner != "" {
		t.Errorf("case after the sweep: state %q owner %q (%v)", c.State, c.Owner, err)
	}
}
