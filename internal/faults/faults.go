// Package faults is test support for the delivery protocol: a settable clock, an HTTP transport
// that loses answers after the server acted, an invocation that freezes at a named step without
// running any cleanup (as a Lambda sandbox does), and Lambda's asynchronous retry budget replayed
// on the injected clock. Production code never imports it.
package faults

import (
	"context"
	"errors"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Clock is a settable time source shared by the ledger and the handler under test.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock starts a clock at t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// ErrAnswerLost is what a caller sees when Lossy dropped the answer of a request the server
// processed.
var ErrAnswerLost = errors.New("faults: connection reset after the request was sent")

// Lossy is an http.RoundTripper that sends every request, and for those Lose selects, throws
// the server's answer away and reports a broken connection instead: the side effect happened,
// the caller cannot know.
type Lossy struct {
	Next http.RoundTripper // http.DefaultTransport when nil
	// Lose is asked for every request; true loses its answer. It may be changed between
	// invocations, not during one.
	Lose func(*http.Request) bool
	lost atomic.Int32
}

// RoundTrip implements http.RoundTripper.
func (l *Lossy) RoundTrip(r *http.Request) (*http.Response, error) {
	next := l.Next
	if next == nil {
		next = http.DefaultTransport
	}
	resp, err := next.RoundTrip(r)
	if err != nil || l.Lose == nil || !l.Lose(r) {
		return resp, err
	}
	resp.Body.Close()
	l.lost.Add(1)
	return nil, ErrAnswerLost
}

// Lost counts the answers thrown away.
func (l *Lossy) Lost() int { return int(l.lost.Load()) }

// Once returns a Lose function that loses the first answer matching match, then none.
func Once(match func(*http.Request) bool) func(*http.Request) bool {
	var done atomic.Bool
	return func(r *http.Request) bool { return match(r) && done.CompareAndSwap(false, true) }
}

// Freezer stops an invocation at the n-th time it passes a named step. The invocation's
// goroutine ends there with runtime.Goexit: no return value, no error path, nothing after the
// step runs, as when Lambda freezes or kills the sandbox.
type Freezer struct {
	At    string // the step name; empty never freezes
	Nth   int    // 1 for the first time the step is passed
	seen  atomic.Int32
	fired atomic.Bool
}

// Point is the hook the handler calls at every step.
func (f *Freezer) Point(name string) {
	if f == nil || f.At == "" || name != f.At {
		return
	}
	if int(f.seen.Add(1)) == max(f.Nth, 1) && f.fired.CompareAndSwap(false, true) {
		runtime.Goexit()
	}
}

// Fired says the invocation froze.
func (f *Freezer) Fired() bool { return f != nil && f.fired.Load() }

// Outcome of one invocation.
type Outcome struct {
	Err    error
	Frozen bool
}

// Invoke runs fn on its own goroutine, as the runtime runs a handler, and reports whether it
// returned or froze.
func Invoke(ctx context.Context, fn func(ctx context.Context) error) Outcome {
	done := make(chan Outcome, 1)
	go func() {
		returned := false
		defer func() {
			if !returned {
				done <- Outcome{Frozen: true}
			}
		}()
		err := fn(ctx)
		returned = true
		done <- Outcome{Err: err}
	}()
	return <-done
}

// Lambda's asynchronous invocation, as documented ("Error handling and automatic retries in
// Lambda"): the first attempt and at most 2 retries, the first about a minute after the failed
// attempt ended, the second about two minutes after that; an attempt that times out ends at
// its deadline.
const (
	Timeout     = 15 * time.Minute
	FirstRetry  = time.Minute
	SecondRetry = 2 * time.Minute
)

// Retries is Lambda's retry budget for one event: how long after a failed attempt each retry
// comes.
var Retries = []time.Duration{FirstRetry, SecondRetry}

// Async delivers one event as Lambda does, on the injected clock: attempt, and on an error or a
// freeze wait out the attempt (a frozen attempt lasts until its timeout) and retry, at most
// len(Retries) times. attempt gets the attempt number (0 first). It returns the last outcome: an
// error there means the event went to the on-failure destination.
func Async(ctx context.Context, clock *Clock, attempt func(ctx context.Context, n int) Outcome) Outcome {
	var out Outcome
	for n := 0; n <= len(Retries); n++ {
		if n > 0 {
			clock.Advance(Retries[n-1])
		}
		start := clock.Now()
		out = attempt(ctx, n)
		if out.Frozen {
			// The sandbox froze or died: Lambda reports a timeout once the deadline passes.
			clock.Advance(start.Add(Timeout).Sub(clock.Now()))
			continue
		}
		if out.Err == nil {
			return out
		}
	}
	return out
}
