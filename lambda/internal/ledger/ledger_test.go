package ledger

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/google/go-cmp/cmp"

	"github.com/iam4-responder/iam4-responder/internal/memstore"
	"github.com/iam4-responder/iam4-responder/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

const caseID = "111122223333/IAM.4"

// clock is a settable time source.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

func memLedger(c *clock) *Ledger { return &Ledger{Store: newMemory(), Now: c.Now} }

// newMemory is the atomic in-memory store of case records.
func newMemory() *memstore.Store[Case] {
	return memstore.New(memstore.Schema[Case]{
		Key:      func(c Case) string { return c.ID },
		Version:  func(c Case) int64 { return c.Version },
		Absent:   func(id string) Case { return Case{ID: id} },
		Conflict: ErrConflict,
	})
}

// op is one call in a lifecycle scenario.
type op struct {
	name string
	do   func(t *testing.T, l *Ledger, c *clock) string // returns the outcome to compare
}

func arriveOp(want Want, finding, owner string) op {
	return op{fmt.Sprintf("%s %s by %s", want, finding, owner), func(t *testing.T, l *Ledger, c *clock) string {
		t.Helper()
		got, role, err := l.Arrive(t.Context(), caseID, Arrival{Want: want, Finding: finding, Encoded: "{" + finding + "}",
			Reason: "control passed", Owner: owner, Until: c.Now().Add(time.Minute)})
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("%s %s e%d", role, got.State, got.Epoch)
	}}
}

func writtenOp(ids ...string) op {
	return op{fmt.Sprint("written back ", ids), func(t *testing.T, l *Ledger, _ *clock) string {
		t.Helper()
		c, err := l.Load(t.Context(), caseID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.WrittenBack(t.Context(), caseID, c.Epoch, ids); err != nil {
			t.Fatal(err)
		}
		return "ok"
	}}
}

func finishOp(owner string) op {
	return op{"finish by " + owner, func(t *testing.T, l *Ledger, _ *clock) string {
		t.Helper()
		c, done, err := l.Finish(t.Context(), caseID, owner)
		if errors.Is(err, ErrFenced) {
			return "fenced"
		}
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("%v %s e%d pending %v", done, c.State, c.Epoch, c.Pending())
	}}
}

func recordOp(owner, step string) op {
	return op{"record " + step + " by " + owner, func(t *testing.T, l *Ledger, _ *clock) string {
		t.Helper()
		_, err := l.Record(t.Context(), caseID, owner, step, Intent, "")
		if errors.Is(err, ErrFenced) {
			return "fenced"
		}
		if err != nil {
			t.Fatal(err)
		}
		return "ok"
	}}
}

func wait(d time.Duration) op {
	return op{"wait " + d.String(), func(_ *testing.T, _ *Ledger, c *clock) string { c.Advance(d); return "ok" }}
}

func TestTransitions(t *testing.T) {
	tests := []struct {
		name string
		ops  []op
		want []string
	}{
		{"the first failure owns the case and opens it once",
			[]op{arriveOp(WantOpen, "f1", "A"), writtenOp("f1"), finishOp("A"), arriveOp(WantOpen, "f1", "B")},
			[]string{"owner opening e1", "ok", "true open e1 pending []", "idle open e1"}},
		{"a finding arriving while opening is attached, and the owner cannot finish before writing it back",
			[]op{arriveOp(WantOpen, "f1", "A"), arriveOp(WantOpen, "f2", "B"), writtenOp("f1"), finishOp("A"), writtenOp("f2"), finishOp("A")},
			[]string{"owner opening e1", "attached opening e1", "ok", "false opening e1 pending [f2]", "ok", "true open e1 pending []"}},
		{"a finding arriving at an open case is written back by its own invocation",
			[]op{arriveOp(WantOpen, "f1", "A"), writtenOp("f1"), finishOp("A"), arriveOp(WantOpen, "f2", "B")},
			[]string{"owner opening e1", "ok", "true open e1 pending []", "writeback open e1"}},
		{"an owner that froze is taken over when its lease ends, and fenced off after",
			[]op{arriveOp(WantOpen, "f1", "A"), wait(30 * time.Second), arriveOp(WantOpen, "f1", "B"), wait(31 * time.Second),
				arriveOp(WantOpen, "f1", "C"), recordOp("A", "open/email"), recordOp("C", "open/email"), finishOp("A")},
			[]string{"owner opening e1", "ok", "attached opening e1", "ok", "owner opening e1", "fenced", "ok", "fenced"}},
		{"a PASSED while opening becomes a pending resolution the owner applies",
			[]op{arriveOp(WantOpen, "f1", "A"), arriveOp(WantResolve, "p1", "B"), writtenOp("f1", "p1"), finishOp("A"),
				writtenOp("f1", "p1"), finishOp("A")},
			[]string{"owner opening e1", "attached opening e1", "ok", "true resolving e1 pending [f1 p1]", "ok", "true resolved e1 pending []"}},
		{"PASSED without an open case does nothing",
			[]op{arriveOp(WantResolve, "p1", "A")},
			[]string{"idle  e0"}},
		{"an open case resolves once and a new failure opens the next epoch",
			[]op{arriveOp(WantOpen, "f1", "A"), writtenOp("f1"), finishOp("A"), arriveOp(WantResolve, "p1", "B"),
				arriveOp(WantResolve, "p2", "C"), writtenOp("f1", "p1", "p2"), finishOp("B"), arriveOp(WantOpen, "f1", "D")},
			[]string{"owner opening e1", "ok", "true open e1 pending []", "owner resolving e1", "attached resolving e1", "ok",
				"true resolved e1 pending []", "owner opening e2"}},
		{"a failure arriving while resolving reopens the case after the resolution",
			[]op{arriveOp(WantOpen, "f1", "A"), writtenOp("f1"), finishOp("A"), arriveOp(WantResolve, "p1", "B"),
				arriveOp(WantOpen, "f9", "C"), writtenOp("f1", "p1"), finishOp("B"), writtenOp("f9"), finishOp("B")},
			[]string{"owner opening e1", "ok", "true open e1 pending []", "owner resolving e1", "attached resolving e1", "ok",
				"true opening e2 pending [f9]", "ok", "true open e2 pending []"}},
		{"the sweeper takes over only an unfinished case whose lease ended",
			[]op{arriveOp(WantOpen, "f1", "A"), arriveOp(WantTakeOver, "", "S"), wait(2 * time.Minute), arriveOp(WantTakeOver, "", "S"),
				writtenOp("f1"), finishOp("S"), arriveOp(WantTakeOver, "", "S")},
			[]string{"owner opening e1", "idle opening e1", "ok", "owner opening e1", "ok", "true open e1 pending []", "idle open e1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClock()
			l := memLedger(c)
			var got []string
			for _, o := range tt.ops {
				got = append(got, o.do(t, l, c))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("outcomes (-want +got):\n%s", diff)
			}
		})
	}
}

// TestConcurrentArrivalsHaveOneOwnerAndLoseNoFinding is the property the delivery relies on: any
// number of concurrent findings of one case give exactly one owner, and every finding is
// attached to the record that owner finishes.
func TestConcurrentArrivalsHaveOneOwnerAndLoseNoFinding(t *testing.T) {
	for round := range 50 {
		c := newClock()
		l := memLedger(c)
		const n = 64
		var owners atomic.Int32
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				want := WantOpen
				if i%7 == 3 {
					want = WantResolve
				}
				_, role, err := l.Arrive(context.Background(), caseID, Arrival{Want: want, Finding: fmt.Sprint("f", i),
					Owner: fmt.Sprint("inv", i), Until: c.Now().Add(time.Minute)})
				if err != nil {
					t.Error(err)
				}
				if role == Owner {
					owners.Add(1)
				}
			})
		}
		wg.Wait()
		got, err := l.Load(t.Context(), caseID)
		if err != nil {
			t.Fatal(err)
		}
		if owners.Load() != 1 {
			t.Fatalf("round %d: %d owners, want exactly 1", round, owners.Load())
		}
		// A resolution that arrived before the first failure found no case: it is idle by the
		// table. Every other finding must be on the record.
		for i := range n {
			id := fmt.Sprint("f", i)
			if _, ok := got.Findings[id]; !ok && i%7 != 3 {
				t.Fatalf("round %d: finding %s lost", round, id)
			}
		}
	}
}

// TestRandomInterleavingsNeverHaveTwoLiveOwners runs random schedules of arrivals, clock steps,
// write-backs, finishes and sweeps, checking after every step that at most one invocation believes
// it owns the case with a live lease, and that an owner's writes are refused once it lost the case.
func TestRandomInterleavingsNeverHaveTwoLiveOwners(t *testing.T) {
	for seed := range uint64(200) {
		r := rand.New(rand.NewPCG(seed, 7))
		c := newClock()
		l := memLedger(c)
		owners := map[string]time.Time{} // invocations that were told they own the case → lease end
		for step := range 60 {
			inv := fmt.Sprint("inv", step)
			switch r.IntN(5) {
			case 0, 1:
				want := []Want{WantOpen, WantResolve, WantTakeOver}[r.IntN(3)]
				until := c.Now().Add(time.Duration(1+r.IntN(3)) * time.Minute)
				_, role, err := l.Arrive(t.Context(), caseID, Arrival{Want: want, Finding: fmt.Sprint("f", r.IntN(5)), Owner: inv, Until: until})
				if err != nil {
					t.Fatal(err)
				}
				if role == Owner {
					owners[inv] = until
				}
			case 2:
				c.Advance(time.Duration(r.IntN(90)) * time.Second)
			case 3:
				cur, _ := l.Load(t.Context(), caseID)
				if _, err := l.WrittenBack(t.Context(), caseID, cur.Epoch, cur.Pending()); err != nil {
					t.Fatal(err)
				}
			case 4:
				for o := range owners {
					_, _, err := l.Finish(t.Context(), caseID, o)
					cur, _ := l.Load(t.Context(), caseID)
					if err == nil && cur.Owner != o && cur.Owner != "" {
						t.Fatalf("seed %d: %s finished a case owned by %s", seed, o, cur.Owner)
					}
				}
			}
			cur, _ := l.Load(t.Context(), caseID)
			live := 0
			for o, until := range owners {
				if cur.Owner == o && !c.Now().After(until) {
					live++
				}
			}
			if live > 1 {
				t.Fatalf("seed %d step %d: %d live owners", seed, step, live)
			}
		}
	}
}

func TestKeepStoresTheFirstWritersDataCompressed(t *testing.T) {
	l := memLedger(newClock())
	first := bytes.Repeat([]byte(`{"evidence":"first"}`), 1000)
	got, err := l.Keep(t.Context(), EvidenceKey(caseID, 1), first)
	if err != nil {
		t.Fatal(err)
	}
	again, err := l.Keep(t.Context(), EvidenceKey(caseID, 1), []byte("second"))
	if err != nil {
		t.Fatal(err)
	}
	read, ok, err := l.Kept(t.Context(), EvidenceKey(caseID, 1))
	if err != nil || !ok {
		t.Fatalf("Kept = %v, %v", ok, err)
	}
	for name, b := range map[string][]byte{"first keep": got, "second keep": again, "read": read} {
		if !bytes.Equal(b, first) {
			t.Errorf("%s returned %d bytes, want the first writer's %d", name, len(b), len(first))
		}
	}
}

// newDynamo creates a fresh table in moto, shaped as the CDK stack creates it. moto's conditional
// writes are not atomic under concurrency: these tests check the wire, not races.
func newDynamo(t *testing.T) Dynamo {
	t.Helper()
	cfg := testenv.AWSConfig(testenv.Moto(t))
	table := testenv.Table(t, cfg, testenv.Name("ledger"), Key)
	return Dynamo{API: dynamodb.NewFromConfig(cfg), Table: table}
}

func TestDynamoStoreRunsTheSameLifecycle(t *testing.T) {
	d := newDynamo(t)
	c := newClock()
	l := &Ledger{Store: d, Now: c.Now}
	ops := []op{arriveOp(WantOpen, "f1", "A"), arriveOp(WantOpen, "f2", "B"), recordOp("A", "open/jira"), writtenOp("f1", "f2"),
		finishOp("A"), arriveOp(WantResolve, "p1", "C"), writtenOp("f1", "f2", "p1"), finishOp("C")}
	want := []string{"owner opening e1", "attached opening e1", "ok", "ok", "true open e1 pending []", "owner resolving e1", "ok",
		"true resolved e1 pending []"}
	var got []string
	for _, o := range ops {
		got = append(got, o.do(t, l, c))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
	stored, err := d.Load(t.Context(), caseID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Step{Status: Intent, Epoch: 1, At: c.Now().Unix()}, stored.Steps["open/jira"]); diff != "" {
		t.Errorf("step (-want +got):\n%s", diff)
	}
	if err := d.Save(t.Context(), stored, stored.Version-1); !errors.Is(err, ErrConflict) {
		t.Errorf("save on a stale version = %v, want ErrConflict", err)
	}
	cases, err := d.Cases(t.Context())
	if err != nil || len(cases) != 1 || cases[0].ID != caseID {
		t.Errorf("Cases = %v, %v; want the one case", cases, err)
	}
}

func TestDynamoBlobsSpanItemsOverTheItemLimit(t *testing.T) {
	d := newDynamo(t)
	big := make([]byte, maxChunk*2+123)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range big {
		big[i] = byte(r.UintN(256))
	}
	if _, err := d.PutBlob(t.Context(), "k", big); err != nil {
		t.Fatal(err)
	}
	kept, err := d.PutBlob(t.Context(), "k", []byte("late"))
	if err != nil || !bytes.Equal(kept, big) {
		t.Fatalf("second PutBlob = %d bytes, %v; want the first writer's", len(kept), err)
	}
	got, ok, err := d.GetBlob(t.Context(), "k")
	if err != nil || !ok || !bytes.Equal(got, big) {
		t.Errorf("GetBlob = %d bytes, %v, %v; want %d", len(got), ok, err, len(big))
	}
	if _, err := d.PutBlob(t.Context(), "huge", make([]byte, maxChunks*maxChunk+1)); err == nil {
		t.Error("a blob over the bound was accepted")
	}
}
