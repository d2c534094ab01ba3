package faults

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestAsyncReplaysLambdasRetryBudget(t *testing.T) {
	t0 := time.Date(2026, 11, 29, 6, 0, 0, 0, time.UTC)
	fail := Outcome{Err: errors.New("sink down")}
	tests := []struct {
		name     string
		outcomes []Outcome // per attempt
		want     []time.Duration
		wantErr  bool
	}{
		{"success needs no retry", []Outcome{{}}, []time.Duration{0}, false},
		{"errors are retried a minute, then two minutes later", []Outcome{fail, fail, {}}, []time.Duration{0, time.Minute, 3 * time.Minute}, false},
		{"after two retries the event is given up", []Outcome{fail, fail, fail}, []time.Duration{0, time.Minute, 3 * time.Minute}, true},
		{"a frozen attempt lasts until its timeout", []Outcome{{Frozen: true}, {}}, []time.Duration{0, Timeout + time.Minute}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewClock(t0)
			var at []time.Duration
			out := Async(t.Context(), c, func(_ context.Context, n int) Outcome {
				at = append(at, c.Now().Sub(t0))
				return tt.outcomes[n]
			})
			if diff := cmp.Diff(tt.want, at); diff != "" {
				t.Errorf("attempt times (-want +got):\n%s", diff)
			}
			if (out.Err != nil || out.Frozen) != tt.wantErr {
				t.Errorf("final outcome %+v, want failure %v", out, tt.wantErr)
			}
		})
	}
}

func TestFreezerStopsTheInvocationAtTheNthStep(t *testing.T) {
	f := &Freezer{At: "b", Nth: 2}
	var ran []string
	out := Invoke(t.Context(), func(context.Context) error {
		for _, s := range []string{"a", "b", "a", "b", "c"} {
			f.Point(s)
			ran = append(ran, s)
		}
		return nil
	})
	if diff := cmp.Diff([]string{"a", "b", "a"}, ran); diff != "" {
		t.Errorf("steps run (-want +got):\n%s", diff)
	}
	if !out.Frozen || !f.Fired() {
		t.Errorf("outcome %+v, fired %v; want frozen", out, f.Fired())
	}
}

func TestLossyActsThenLosesTheAnswer(t *testing.T) {
	var hits atomic.Int32
	hs := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	t.Cleanup(hs.Close)
	l := &Lossy{Lose: Once(func(r *http.Request) bool { return r.Method == http.MethodPost })}
	client := &http.Client{Transport: l}
	for range 2 {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, hs.URL, nil)
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
		}
	}
	if hits.Load() != 2 || l.Lost() != 1 {
		t.Errorf("server hit %d times, %d answers lost; want 2 and 1", hits.Load(), l.Lost())
	}
}
