package memstore

import (
	"errors"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type rec struct {
	ID      string `dynamodbav:"pk"`
	Version int64  `dynamodbav:"version"`
	Note    string `dynamodbav:"note,omitempty"`
}

var errConflict = errors.New("conflict")

func newStore() *Store[rec] {
	return New(Schema[rec]{
		Key:      func(r rec) string { return r.ID },
		Version:  func(r rec) int64 { return r.Version },
		Absent:   func(id string) rec { return rec{ID: id} },
		Conflict: errConflict,
	})
}

func TestSaveIsACompareAndSwapOnTheVersion(t *testing.T) {
	ctx := t.Context()
	tests := []struct {
		name    string
		prev    int64
		wantErr error
		want    rec
	}{
		{"the version read", 1, nil, rec{ID: "a", Version: 2, Note: "second"}},
		{"a stale version", 0, errConflict, rec{ID: "a", Version: 1, Note: "first"}},
		{"a version from the future", 5, errConflict, rec{ID: "a", Version: 1, Note: "first"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore()
			if got, err := s.Load(ctx, "a"); err != nil || got != (rec{ID: "a"}) {
				t.Fatalf("absent record read as %+v, %v", got, err)
			}
			if err := s.Save(ctx, rec{ID: "a", Version: 1, Note: "first"}, 0); err != nil {
				t.Fatal(err)
			}
			if err := s.Save(ctx, rec{ID: "a", Version: 2, Note: "second"}, tt.prev); !errors.Is(err, tt.wantErr) {
				t.Fatalf("Save = %v, want %v", err, tt.wantErr)
			}
			got, err := s.Load(ctx, "a")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("stored (-want +got):\n%s", diff)
			}
		})
	}
}

// Of many writers that read the same version, exactly one wins: what moto's DynamoDB cannot
// promise and the ledger's concurrency tests rely on.
func TestOneWriterWinsARace(t *testing.T) {
	s := newStore()
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for i := range 64 {
		wg.Go(func() {
			if s.Save(t.Context(), rec{ID: "a", Version: 1, Note: string(rune('A' + i%26))}, 0) == nil {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if wins != 1 {
		t.Errorf("%d writers won, want 1", wins)
	}
}

func TestBlobsAreWrittenOnce(t *testing.T) {
	ctx := t.Context()
	s := newStore()
	if _, ok, _ := s.GetBlob(ctx, "k"); ok {
		t.Fatal("a blob before any write")
	}
	first, _ := s.PutBlob(ctx, "k", []byte("first"))
	second, _ := s.PutBlob(ctx, "k", []byte("second"))
	got, ok, _ := s.GetBlob(ctx, "k")
	if string(first) != "first" || string(second) != "first" || !ok || string(got) != "first" {
		t.Errorf("put first %q, put second %q, get %q %v: want the first writer's blob each time", first, second, got, ok)
	}
}

func TestCasesInKeyOrderAndFaults(t *testing.T) {
	ctx := t.Context()
	s := newStore()
	for _, id := range []string{"c", "a", "b"} {
		if err := s.Save(ctx, rec{ID: id, Version: 1}, 0); err != nil {
			t.Fatal(err)
		}
	}
	all, err := s.Cases(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]rec{{ID: "a", Version: 1}, {ID: "b", Version: 1}, {ID: "c", Version: 1}}, all); diff != "" {
		t.Errorf("Cases (-want +got):\n%s", diff)
	}
	boom := errors.New("throttled")
	var ops []string
	s.Fail = func(op string) error { ops = append(ops, op); return boom }
	_, errLoad := s.Load(ctx, "a")
	errSave := s.Save(ctx, rec{ID: "a", Version: 2}, 1)
	_, errPut := s.PutBlob(ctx, "k", nil)
	_, _, errGet := s.GetBlob(ctx, "k")
	_, errCases := s.Cases(ctx)
	for _, err := range []error{errLoad, errSave, errPut, errGet, errCases} {
		if !errors.Is(err, boom) {
			t.Errorf("an operation under Fail returned %v, want the injected error", err)
		}
	}
	if diff := cmp.Diff([]string{"load", "save", "putblob", "getblob", "cases"}, ops); diff != "" {
		t.Errorf("Fail saw (-want +got):\n%s", diff)
	}
}
