package ledger

import (
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/google/go-cmp/cmp"

	"github.com/iam4-responder/iam4-responder/internal/faults"
	"github.com/iam4-responder/iam4-responder/internal/testenv"
	"github.com/iam4-responder/iam4-responder/lambda/internal/followup"
)

// openCase opens caseID with finding f1 and finishes the opening, as a delivered ticket leaves it.
func openCase(t *testing.T, l *Ledger, c *clock) {
	t.Helper()
	ctx := t.Context()
	if _, role, err := l.Arrive(ctx, caseID, Arrival{Want: WantOpen, Finding: "f1", Encoded: "{}", Owner: "A", Until: c.Now().Add(time.Minute)}); err != nil || role != Owner {
		t.Fatalf("open: %s, %v", role, err)
	}
	if _, err := l.WrittenBack(ctx, caseID, 1, []string{"f1"}); err != nil {
		t.Fatal(err)
	}
	if _, done, err := l.Finish(ctx, caseID, "A"); err != nil || !done {
		t.Fatalf("finish: %v, %v", done, err)
	}
}

var (
	day0     = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	created  = day0.Add(-30 * 24 * time.Hour)
	startFU  = followup.Start(day0, []followup.Key{{Slot: 1, Created: created, Active: true}})
	inactive = []followup.Key{{Slot: 1, Created: created, Active: false}}
)

func recheck(d int, keys []followup.Key) Observed {
	at := day0.Add(time.Duration(d) * 24 * time.Hour)
	return Observed{ID: "recheck/" + at.Format(time.DateOnly), Obs: followup.Observation{At: at, Keys: keys, KeysKnown: true},
		Start: &startFU, Recheck: true}
}

func TestFollowMakesEachTransitionOnce(t *testing.T) {
	used := Observed{ID: "event/e1", Obs: followup.Observation{At: day0.Add(50 * time.Hour), CalledAt: day0.Add(50 * time.Hour)},
		Throttle: "used/198.51.100.7/aws-cli/2026-11-03T14"}
	usedSameHour := used
	usedSameHour.ID, usedSameHour.Obs.At, usedSameHour.Obs.CalledAt = "event/e2", used.Obs.At.Add(time.Minute), used.Obs.At.Add(time.Minute)
	steps := []struct {
		name string
		o    Observed
		want []followup.State // the states entered by this observation
	}{
		{"the first re-check sees the key inactive", recheck(1, inactive), []followup.State{followup.Deactivated}},
		{"the same re-check again moves nothing", recheck(1, inactive), nil},
		{"the next day's re-check begins verification", recheck(2, inactive), []followup.State{followup.Verifying}},
		{"a key call after deactivation is used again", used, []followup.State{followup.UsedAgain}},
		{"Lambda's retry of the same event moves nothing", used, nil},
		{"another call of the same caller in the hour is throttled", usedSameHour, nil},
		{"inactive again starts the window over", recheck(3, inactive), []followup.State{followup.Deactivated}},
		{"the window is over after verifyDays", recheck(11, inactive), []followup.State{followup.Verifying, followup.ReadyToDelete}},
		{"no key left closes", recheck(12, nil), []followup.State{followup.Closed}},
		{"a closed follow-up stays closed", recheck(13, []followup.Key{{Slot: 1, Created: day0, Active: true}}), nil},
	}
	c := newClock()
	l := memLedger(c)
	openCase(t, l, c)
	seq := 0
	for _, s := range steps {
		_, made, _, err := l.Follow(t.Context(), caseID, s.o, followup.Defaults)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		var got []followup.State
		for _, tr := range made {
			got = append(got, tr.To)
		}
		if diff := cmp.Diff(s.want, got); diff != "" {
			t.Errorf("%s: states entered (-want +got):\n%s", s.name, diff)
		}
		seq += len(made)
	}
	stored, err := l.Load(t.Context(), caseID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.FollowUp.Seq != seq || len(stored.FollowUp.Pending) != seq {
		t.Errorf("seq %d, %d pending; want %d transitions, all pending", stored.FollowUp.Seq, len(stored.FollowUp.Pending), seq)
	}
	ann, err := stored.FollowUp.Announcements()
	if err != nil {
		t.Fatal(err)
	}
	var order []followup.State
	for i, a := range ann {
		if a.Seq != i+1 {
			t.Errorf("announcement %d has seq %d", i, a.Seq)
		}
		order = append(order, a.T.To)
	}
	want := []followup.State{followup.Deactivated, followup.Verifying, followup.UsedAgain, followup.Deactivated,
		followup.Verifying, followup.ReadyToDelete, followup.Closed}
	if diff := cmp.Diff(want, order); diff != "" {
		t.Errorf("announcements (-want +got):\n%s", diff)
	}
}

func TestFollowNeedsAnOpenTicket(t *testing.T) {
	c := newClock()
	l := memLedger(c)
	if _, _, _, err := l.Follow(t.Context(), caseID, recheck(1, inactive), followup.Defaults); err != ErrNotOpen {
		t.Errorf("follow without a case = %v, want ErrNotOpen", err)
	}
	if _, _, err := l.Arrive(t.Context(), caseID, Arrival{Want: WantOpen, Finding: "f1", Owner: "A", Until: c.Now().Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := l.Follow(t.Context(), caseID, recheck(1, inactive), followup.Defaults); err != ErrNotOpen {
		t.Errorf("follow while opening = %v, want ErrNotOpen", err)
	}
}

// TestConcurrentObservationsMakeEachTransitionOnce races re-checks (the same day's, duplicated)
// and a real-time deactivation of the same key: exactly one "deactivated" is made and one
// invocation holds the lease to announce it.
func TestConcurrentObservationsMakeEachTransitionOnce(t *testing.T) {
	for round := range 50 {
		c := newClock()
		l := memLedger(c)
		openCase(t, l, c)
		var mu sync.Mutex
		var states []followup.State
		var owners []string
		var wg sync.WaitGroup
		for i := range 32 {
			o := recheck(1, inactive)
			if i%2 == 1 {
				// The real-time UpdateAccessKey … Inactive of the key, seen by its creation time.
				o = Observed{ID: fmt.Sprintf("event/deactivate-%d", i%4), Obs: followup.Observation{At: day0.Add(24 * time.Hour),
					Keys: inactive, KeysKnown: true, Partial: true}, Start: &startFU}
			}
			o.Owner, o.Until = fmt.Sprintf("inv-%d", i), c.Now().Add(time.Minute)
			wg.Go(func() {
				_, made, role, err := l.Follow(t.Context(), caseID, o, followup.Defaults)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				defer mu.Unlock()
				for _, tr := range made {
					states = append(states, tr.To)
				}
				if role == Announce && !slices.Contains(owners, o.Owner) {
					owners = append(owners, o.Owner)
				}
			})
		}
		wg.Wait()
		if diff := cmp.Diff([]followup.State{followup.Deactivated}, states); diff != "" {
			t.Fatalf("round %d: transitions made (-want +got):\n%s", round, diff)
		}
		if len(owners) != 1 {
			t.Fatalf("round %d: %d invocations announce, want 1: %v", round, len(owners), owners)
		}
	}
}

func TestFollowUpDeliveryIsFencedAndSwept(t *testing.T) {
	c := newClock()
	l := memLedger(c)
	ctx := t.Context()
	openCase(t, l, c)
	o := recheck(1, inactive)
	o.Owner, o.Until = "A", c.Now().Add(time.Minute)
	if _, _, role, err := l.Follow(ctx, caseID, o, followup.Defaults); err != nil || role != Announce {
		t.Fatalf("follow = %s, %v; want announce", role, err)
	}
	step := UpdateStep(1, "jira")
	if _, err := l.RecordUpdate(ctx, caseID, "A", step, Intent, ""); err != nil {
		t.Fatal(err)
	}
	// A frozen owner: its lease ends and the sweep takes the delivery over.
	if stale, _ := l.StaleFollowUps(ctx); len(stale) != 0 {
		t.Errorf("stale while the lease runs: %d", len(stale))
	}
	c.Advance(2 * time.Minute)
	if stale, _ := l.StaleFollowUps(ctx); len(stale) != 1 {
		t.Fatalf("stale after the lease: %d, want 1", len(stale))
	}
	if _, ok, err := l.TakeOverFollowUp(ctx, caseID, "B", c.Now().Add(time.Minute)); err != nil || !ok {
		t.Fatalf("take over = %v, %v", ok, err)
	}
	if _, err := l.RecordUpdate(ctx, caseID, "A", step, Done, "late"); err != ErrFenced {
		t.Errorf("the old owner's write = %v, want ErrFenced", err)
	}
	got, err := l.RecordUpdate(ctx, caseID, "B", step, Done, "ISSUE-1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Step{Status: Done, Ref: "ISSUE-1", Epoch: 1, At: c.Now().Unix()}, got.Steps[step]); diff != "" {
		t.Errorf("step (-want +got):\n%s", diff)
	}
	if _, done, err := l.FinishFollowUp(ctx, caseID, "B"); err != nil || done {
		t.Errorf("finish with a pending transition = %v, %v; want not done", done, err)
	}
	if _, err := l.Delivered(ctx, caseID, "B", 1); err != nil {
		t.Fatal(err)
	}
	got, done, err := l.FinishFollowUp(ctx, caseID, "B")
	if err != nil || !done || got.FollowUp.Owner != "" {
		t.Errorf("finish = %v, %v, owner %q; want done and released", done, err, got.FollowUp.Owner)
	}
}

func TestSignalOpensOnlyWhereNoCaseIs(t *testing.T) {
	c := newClock()
	l := memLedger(c)
	ctx := t.Context()
	sig := Arrival{Want: WantSignal, Finding: "cloudtrail/e1", Encoded: "{}", Owner: "S", Until: c.Now().Add(time.Minute)}
	got, role, err := l.Arrive(ctx, caseID, sig)
	if err != nil || role != Owner || got.State != Opening {
		t.Fatalf("signal on no case = %s %s, %v; want owner opening", role, got.State, err)
	}
	if p := got.Pending(); len(p) != 0 {
		t.Errorf("the event is pending a Security Hub write-back: %v", p)
	}
	if _, done, err := l.Finish(ctx, caseID, "S"); err != nil || !done {
		t.Fatalf("finish = %v, %v", done, err)
	}
	sig.Owner = "T"
	if _, role, err := l.Arrive(ctx, caseID, sig); err != nil || role != Idle {
		t.Errorf("signal on an open case = %s, %v; want idle", role, err)
	}
	// IAM.4's own FAILED finding attaches to the case the signal opened.
	got, role, err = l.Arrive(ctx, caseID, Arrival{Want: WantOpen, Finding: "f1", Encoded: "{}", Owner: "U", Until: c.Now().Add(time.Minute)})
	if err != nil || role != WriteBack || got.Epoch != 1 {
		t.Errorf("finding on the signal's case = %s e%d, %v; want write back in epoch 1", role, got.Epoch, err)
	}
}

func TestPassedClosesTheFollowUpWithoutAnAnnouncement(t *testing.T) {
	c := newClock()
	l := memLedger(c)
	ctx := t.Context()
	openCase(t, l, c)
	if _, _, _, err := l.Follow(ctx, caseID, recheck(1, inactive), followup.Defaults); err != nil {
		t.Fatal(err)
	}
	got, role, err := l.Arrive(ctx, caseID, Arrival{Want: WantResolve, Finding: "p1", Encoded: "{}", Owner: "R", Until: c.Now().Add(time.Minute)})
	if err != nil || role != Owner {
		t.Fatalf("resolve = %s, %v", role, err)
	}
	fc, err := got.FollowUp.State()
	if err != nil {
		t.Fatal(err)
	}
	if fc.State != followup.Closed || got.FollowUp.Seq != 1 {
		t.Errorf("follow-up %s with %d transitions; want closed, the resolution being its announcement", fc.State, got.FollowUp.Seq)
	}
	if _, made, _, err := l.Follow(ctx, caseID, recheck(2, inactive), followup.Defaults); err != nil || made != nil {
		t.Errorf("follow while resolving = %v, %v; want nothing", made, err)
	}
}

func TestFollowingListsOpenCasesNotCheckedSince(t *testing.T) {
	c := newClock()
	l := memLedger(c)
	ctx := t.Context()
	openCase(t, l, c)
	round := c.Now()
	if got, _ := l.Following(ctx, round); len(got) != 1 {
		t.Fatalf("following = %d cases, want 1", len(got))
	}
	if _, _, _, err := l.Follow(ctx, caseID, recheck(1, inactive), followup.Defaults); err != nil {
		t.Fatal(err)
	}
	if got, _ := l.Following(ctx, round); len(got) != 0 {
		t.Errorf("following after the re-check = %d cases, want 0", len(got))
	}
	c.Advance(24 * time.Hour)
	if got, _ := l.Following(ctx, c.Now()); len(got) != 1 {
		t.Errorf("following the next day = %d cases, want 1", len(got))
	}
}

func TestDynamoStoreKeepsTheFollowUp(t *testing.T) {
	d := newDynamo(t)
	c := newClock()
	l := &Ledger{Store: d, Now: c.Now}
	ctx := t.Context()
	openCase(t, l, c)
	for _, o := range []Observed{recheck(1, inactive), recheck(1, inactive), recheck(2, inactive), recheck(9, inactive)} {
		o.Owner, o.Until = "A", c.Now().Add(time.Minute)
		if _, _, _, err := l.Follow(ctx, caseID, o, followup.Defaults); err != nil {
			t.Fatal(err)
		}
	}
	// The stored announcements, not Follow's return, are what delivery sends: when DynamoDB's
	// answer to a save is lost and the SDK retries it, the retry meets its own write, and Follow
	// rightly returns no transition for an observation already applied.
	stored, entered := announced(t, d)
	if diff := cmp.Diff([]string{"1 deactivated", "2 verifying", "3 ready_to_delete"}, entered); diff != "" {
		t.Errorf("announcements (-want +got):\n%s", diff)
	}
	fc, err := stored.FollowUp.State()
	if err != nil {
		t.Fatal(err)
	}
	if fc.State != followup.ReadyToDelete || stored.FollowUp.Owner != "A" {
		t.Errorf("stored follow-up: %s, owner %q", fc.State, stored.FollowUp.Owner)
	}
	for seq := 1; seq <= 3; seq++ {
		if _, err := l.Delivered(ctx, caseID, "A", seq); err != nil {
			t.Fatal(err)
		}
	}
	if _, done, err := l.FinishFollowUp(ctx, caseID, "A"); err != nil || !done {
		t.Errorf("finish = %v, %v", done, err)
	}
}

// DynamoDB saves a follow-up transition and the answer is lost (a reset connection); the SDK
// retries the PutItem, whose condition now fails on the version the first attempt wrote. The
// ledger reloads, finds the observation applied, and still hands the announcement to its owner:
// nothing is lost and nothing is applied twice.
func TestALostSaveAnswerStillAnnouncesTheTransition(t *testing.T) {
	cfg := testenv.AWSConfig(testenv.Moto(t))
	lossy := &faults.Lossy{}
	cfg.HTTPClient = &http.Client{Transport: lossy}
	d := Dynamo{API: dynamodb.NewFromConfig(cfg), Table: testenv.Table(t, cfg, testenv.Name("ledger"), Key)}
	c := newClock()
	l := &Ledger{Store: d, Now: c.Now}
	ctx := t.Context()
	openCase(t, l, c)
	follow := func(o Observed) FollowRole {
		t.Helper()
		o.Owner, o.Until = "A", c.Now().Add(time.Minute)
		_, _, role, err := l.Follow(ctx, caseID, o, followup.Defaults)
		if err != nil {
			t.Fatal(err)
		}
		return role
	}
	follow(recheck(1, inactive))
	lossy.Lose = faults.Once(func(r *http.Request) bool { return r.Header.Get("X-Amz-Target") == "DynamoDB_20120810.PutItem" })
	if role := follow(recheck(2, inactive)); role != Announce || lossy.Lost() != 1 {
		t.Fatalf("follow with its answer lost: role %s, %d answers lost; want announce, 1", role, lossy.Lost())
	}
	if _, entered := announced(t, d); !slices.Equal(entered, []string{"1 deactivated", "2 verifying"}) {
		t.Errorf("announcements = %q, want deactivated and verifying", entered)
	}
}

// announced loads the case as stored and lists its pending announcements, "seq state", oldest
// first: what delivery will send.
func announced(t *testing.T, d Dynamo) (Case, []string) {
	t.Helper()
	stored, err := d.Load(t.Context(), caseID)
	if err != nil {
		t.Fatal(err)
	}
	pending, err := stored.FollowUp.Announcements()
	if err != nil {
		t.Fatal(err)
	}
	var entered []string
	for _, a := range pending {
		entered = append(entered, fmt.Sprintf("%d %s", a.Seq, a.T.To))
	}
	return stored, entered
}
