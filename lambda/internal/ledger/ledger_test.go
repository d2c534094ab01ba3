package ledger

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/iam4-responder/iam4-responder/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// newLedger creates a fresh table in moto, shaped as the CDK stack creates it.
func newLedger(t *testing.T, now func() time.Time) *Ledger {
	t.Helper()
	cfg := testenv.AWSConfig(testenv.Moto(t))
	table := testenv.Table(t, cfg, fmt.Sprintf("ledger-%d", time.Now().UnixNano()), Key)
	return &Ledger{API: dynamodb.NewFromConfig(cfg), Table: table, Lease: time.Minute, Now: now}
}

type step struct {
	name string
	do   func(ctx context.Context, l *Ledger, key string) (bool, error)
	want bool
}

func begin(f func(*Ledger, context.Context, string) (Claim, error)) func(context.Context, *Ledger, string) (bool, error) {
	return func(ctx context.Context, l *Ledger, key string) (bool, error) {
		c, err := f(l, ctx, key)
		return c.Won, err
	}
}

func finish(f func(*Ledger, context.Context, string, string) error) func(context.Context, *Ledger, string) (bool, error) {
	return func(ctx context.Context, l *Ledger, key string) (bool, error) { return true, f(l, ctx, key, "ref-1") }
}

func abort(f func(*Ledger, context.Context, string) error) func(context.Context, *Ledger, string) (bool, error) {
	return func(ctx context.Context, l *Ledger, key string) (bool, error) { return true, f(l, ctx, key) }
}

func TestLifecycle(t *testing.T) {
	var (
		beginOpen     = step{"begin open", begin((*Ledger).BeginOpen), true}
		beginOpenNo   = step{"begin open refused", begin((*Ledger).BeginOpen), false}
		finishOpen    = step{"finish open", finish((*Ledger).FinishOpen), true}
		abortOpen     = step{"abort open", abort((*Ledger).AbortOpen), true}
		beginResolve  = step{"begin resolve", begin((*Ledger).BeginResolve), true}
		beginResolveN = step{"begin resolve refused", begin((*Ledger).BeginResolve), false}
		finishResolve = step{"finish resolve", finish((*Ledger).FinishResolve), true}
		abortResolve  = step{"abort resolve", abort((*Ledger).AbortResolve), true}
	)
	tests := []struct {
		name  string
		steps []step
	}{
		{"a ticket opens once", []step{beginOpen, finishOpen, beginOpenNo}},
		{"a live claim keeps a concurrent delivery out", []step{beginOpen, beginOpenNo}},
		{"a failed delivery can be retried at once", []step{beginOpen, abortOpen, beginOpen, finishOpen}},
		{"nothing to resolve before a ticket opens", []step{beginResolveN}},
		{"an open ticket resolves once", []step{beginOpen, finishOpen, beginResolve, finishResolve, beginResolveN}},
		{"a failed resolution can be retried", []step{beginOpen, finishOpen, beginResolve, abortResolve, beginResolve}},
		{"a new failure after resolution opens a new ticket", []step{beginOpen, finishOpen, beginResolve, finishResolve, beginOpen}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newLedger(t, nil)
			for i, s := range tt.steps {
				got, err := s.do(t.Context(), l, "111122223333/IAM.4#sns")
				if err != nil {
					t.Fatalf("step %d (%s): %v", i, s.name, err)
				}
				if got != s.want {
					t.Fatalf("step %d (%s) = %v, want %v", i, s.name, got, s.want)
				}
			}
		})
	}
}

func TestCrashedClaimIsTakenOverAfterItsLease(t *testing.T) {
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	l := newLedger(t, func() time.Time { return now })
	key := "111122223333/IAM.4#sns"
	if c, err := l.BeginOpen(t.Context(), key); err != nil || !c.Won {
		t.Fatalf("first claim = %+v, %v", c, err)
	}
	now = now.Add(30 * time.Second)
	if c, _ := l.BeginOpen(t.Context(), key); c.Won || c.State != Opening {
		t.Fatalf("claim taken over while its lease still runs: %+v", c)
	}
	now = now.Add(31 * time.Second)
	if c, err := l.BeginOpen(t.Context(), key); err != nil || !c.Won {
		t.Fatalf("claim after the lease ran out = %+v, %v", c, err)
	}
}

func TestConcurrentClaimsHaveOneWinner(t *testing.T) {
	l := newLedger(t, nil)
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			c, err := l.BeginOpen(t.Context(), "111122223333/IAM.4#sns")
			if err != nil {
				t.Error(err)
			}
			if c.Won {
				wins.Add(1)
			}
		})
	}
	wg.Wait()
	if got := wins.Load(); got != 1 {
		t.Errorf("%d of 50 concurrent claims won, want exactly 1", got)
	}
}

func TestPlaceholdersAreWholeTokens(t *testing.T) {
	if contains("#state = :opening", ":open") {
		t.Error(`":open" found inside ":opening"`)
	}
	if !contains("#state = :open OR x", ":open") {
		t.Error(`":open" not found`)
	}
}

func TestClaimsCarryTheOpenTicketsReference(t *testing.T) {
	l := newLedger(t, nil)
	ctx := t.Context()
	key := "111122223333/IAM.4#jira"
	if _, err := l.BeginOpen(ctx, key); err != nil {
		t.Fatal(err)
	}
	if err := l.FinishOpen(ctx, key, "SEC-42"); err != nil {
		t.Fatal(err)
	}
	again, err := l.BeginOpen(ctx, key)
	if err != nil || again.Won || again.State != Open || again.OpenRef != "SEC-42" {
		t.Errorf("second BeginOpen = %+v, %v; want the open ticket SEC-42", again, err)
	}
	res, err := l.BeginResolve(ctx, key)
	if err != nil || !res.Won || res.OpenRef != "SEC-42" {
		t.Errorf("BeginResolve = %+v, %v; want the ticket to resolve", res, err)
	}
}
