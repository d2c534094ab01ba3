package followup

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var day0 = time.Date(2026, 11, 1, 2, 0, 0, 0, time.UTC)

func at(d int) time.Time { return day0.Add(time.Duration(d) * 24 * time.Hour) }

func ptr(t time.Time) *time.Time { return &t }

var created = day0.Add(-400 * 24 * time.Hour)

func key(active bool, lastUsed *time.Time) Key {
	return Key{Slot: 1, Created: created, Active: active, LastUsed: lastUsed}
}

func seen(d int, keys ...Key) Observation { return Observation{At: at(d), Keys: keys, KeysKnown: true} }

// moves reduces transitions to their from → to and reason, the part each case pins.
type move struct {
	From, To State
	Reason   Reason
}

func TestCaseWalksTheRunbook(t *testing.T) {
	used := ptr(at(0).Add(-time.Hour))
	tests := []struct {
		name  string
		steps []Observation
		want  [][]move // per step
		final State
	}{
		{
			name: "deactivated, verified for seven days, ready to delete, then closed when the control passes",
			steps: []Observation{
				seen(1, key(true, used)),
				seen(2, key(false, used)),
				seen(3, key(false, used)),
				seen(8, key(false, used)),
				seen(9, key(false, used)),
				{At: at(10), Passed: true},
				{At: at(11), Passed: true},
			},
			want: [][]move{
				nil,
				{{Open, Deactivated, ReasonAllInactive}},
				{{Deactivated, Verifying, ReasonWindowBegun}},
				nil,
				{{Verifying, ReadyToDelete, ReasonWindowDone}},
				{{ReadyToDelete, Closed, ReasonPassed}},
				nil,
			},
			final: Closed,
		},
		{
			name: "a key reactivated during verification is used again, and the window starts over",
			steps: []Observation{
				seen(1, key(false, used)),
				seen(2, key(false, used)),
				seen(4, key(true, used)),
				seen(5, key(true, ptr(at(5)))),
				seen(6, key(false, ptr(at(5)))),
				seen(7, key(false, ptr(at(5)))),
				seen(12, key(false, ptr(at(5)))),
				seen(13, key(false, ptr(at(5)))),
			},
			want: [][]move{
				{{Open, Deactivated, ReasonAllInactive}},
				{{Deactivated, Verifying, ReasonWindowBegun}},
				{{Verifying, UsedAgain, ReasonReactivated}},
				nil,
				{{UsedAgain, Deactivated, ReasonAllInactive}},
				{{Deactivated, Verifying, ReasonWindowBegun}},
				nil,
				{{Verifying, ReadyToDelete, ReasonWindowDone}},
			},
			final: ReadyToDelete,
		},
		{
			name: "a call after deactivation seen in real time is used again once",
			steps: []Observation{
				seen(1, key(false, used)),
				{At: at(2), CalledAt: at(2).Add(-time.Minute)},
				{At: at(2).Add(time.Hour), CalledAt: at(2).Add(-time.Minute)},
				seen(3, key(false, used)),
			},
			want: [][]move{
				{{Open, Deactivated, ReasonAllInactive}},
				{{Deactivated, UsedAgain, ReasonCalled}},
				nil,
				{{UsedAgain, Deactivated, ReasonAllInactive}},
			},
			final: Deactivated,
		},
		{
			name: "a key not seen before moves the case to new key, then the main line again",
			steps: []Observation{
				seen(1, key(false, used)),
				seen(2, key(false, used), Key{ID: "AKIAIOSFODNN7EXAMPLE", Slot: 2, Created: at(2), Active: true}),
				seen(3, key(false, used), Key{ID: "AKIAIOSFODNN7EXAMPLE", Slot: 2, Created: at(2), Active: false}),
			},
			want: [][]move{
				{{Open, Deactivated, ReasonAllInactive}},
				{{Deactivated, NewKey, ReasonNewKey}},
				{{NewKey, Deactivated, ReasonAllInactive}},
			},
			final: Deactivated,
		},
		{
			name: "no progress for fourteen days is stalled once; deactivation moves it on",
			steps: []Observation{
				seen(13, key(true, used)),
				seen(14, key(true, used)),
				seen(15, key(true, used)),
				seen(20, key(false, used)),
			},
			want: [][]move{
				nil,
				{{Open, Stalled, ReasonNoProgress}},
				nil,
				{{Stalled, Deactivated, ReasonAllInactive}},
			},
			final: Deactivated,
		},
		{
			name: "no key left closes the case",
			steps: []Observation{
				seen(1),
			},
			want:  [][]move{{{Open, Closed, ReasonNoKey}}},
			final: Closed,
		},
		{
			name: "an unreadable credential report concludes nothing about keys",
			steps: []Observation{
				{At: at(1)},
				{At: at(2)},
			},
			want:  [][]move{nil, nil},
			final: Open,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Start(day0, []Key{key(true, used)})
			for i, o := range tt.steps {
				var ts []Transition
				c, ts = Step(c, o, Settings{})
				var got []move
				for _, tr := range ts {
					got = append(got, move{tr.From, tr.To, tr.Reason})
					if !tr.At.Equal(o.At) {
						t.Errorf("step %d: transition at %v, want %v", i, tr.At, o.At)
					}
				}
				if diff := cmp.Diff(tt.want[i], got); diff != "" {
					t.Errorf("step %d (%v) (-want +got):\n%s", i, o.At, diff)
				}
			}
			if c.State != tt.final {
				t.Errorf("final state %s, want %s", c.State, tt.final)
			}
		})
	}
}

func TestReadyToDeleteSaysWhatWasVerified(t *testing.T) {
	lastUsed := at(0)
	c := Start(day0, []Key{key(true, &lastUsed)})
	c, _ = Step(c, seen(1, key(false, &lastUsed)), Settings{})
	c, _ = Step(c, seen(2, key(false, &lastUsed)), Settings{})
	_, ts := Step(c, seen(8, key(false, &lastUsed)), Settings{VerifyDays: 7})
	want := []Transition{{From: Verifying, To: ReadyToDelete, At: at(8), Reason: ReasonWindowDone,
		DaysInactive: 7, LastUsed: &lastUsed}}
	if diff := cmp.Diff(want, ts); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestReplayingAnObservationMovesNothing(t *testing.T) {
	// The daily re-check may run twice (a retry, two schedules): the second run sees the state
	// the first stored and must announce nothing again.
	used := ptr(at(0))
	obs := []Observation{seen(1, key(false, used)), seen(2, key(false, used)), seen(9, key(false, used)),
		{At: at(9), CalledAt: at(9).Add(-time.Hour)}, {At: at(10), Passed: true}}
	c := Start(day0, []Key{key(true, used)})
	for i, o := range obs {
		c, _ = Step(c, o, Settings{})
		again, ts := Step(c, o, Settings{})
		if len(ts) != 0 {
			t.Errorf("observation %d replayed: %+v", i, ts)
		}
		if diff := cmp.Diff(c, again); diff != "" {
			t.Errorf("observation %d replayed changed the case (-first +again):\n%s", i, diff)
		}
	}
}

func TestRealTimeSignalsMoveTheCase(t *testing.T) {
	used := ptr(at(0))
	const id = "AKIAIOSFODNN7EXAMPLE"
	realtime := func(d int, keys ...Key) Observation {
		return Observation{At: at(d), Keys: keys, KeysKnown: true, Partial: true}
	}
	tests := []struct {
		name  string
		open  []Key
		steps []Observation
		want  [][]move
		final State
	}{
		{
			name: "a key created in real time is new once, and the report's later view of it is the same key",
			open: []Key{key(false, used)},
			steps: []Observation{
				realtime(1, Key{ID: id, Created: at(1), Active: true}),
				seen(2, key(false, used), Key{Slot: 2, Created: at(1).Add(time.Second), Active: true}),
			},
			want:  [][]move{{{Open, NewKey, ReasonNewKey}}, nil},
			final: NewKey,
		},
		{
			name: "deactivating the only key in the console is deactivated at once",
			open: []Key{{ID: id, Created: created, Active: true}},
			steps: []Observation{
				realtime(1, Key{ID: id, Active: false}),
			},
			want:  [][]move{{{Open, Deactivated, ReasonAllInactive}}},
			final: Deactivated,
		},
		{
			name: "reactivating a key during verification is used again",
			open: []Key{{ID: id, Created: created, Active: true}},
			steps: []Observation{
				realtime(1, Key{ID: id, Active: false}),
				seen(2, Key{Slot: 1, Created: created, Active: false}),
				realtime(3, Key{ID: id, Active: true}),
			},
			want: [][]move{
				{{Open, Deactivated, ReasonAllInactive}},
				{{Deactivated, Verifying, ReasonWindowBegun}},
				{{Verifying, UsedAgain, ReasonReactivated}},
			},
			final: UsedAgain,
		},
		{
			name: "deleting the last key in real time waits for the re-check to close",
			open: []Key{{ID: id, Created: created, Active: false}},
			steps: []Observation{
				{At: at(1), KeysKnown: true, Partial: true, Deleted: []Key{{ID: id}}},
				seen(2),
			},
			want:  [][]move{nil, {{Open, Closed, ReasonNoKey}}},
			final: Closed,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Start(day0, tt.open)
			for i, o := range tt.steps {
				var ts []Transition
				c, ts = Step(c, o, Settings{})
				var got []move
				for _, tr := range ts {
					got = append(got, move{tr.From, tr.To, tr.Reason})
				}
				if diff := cmp.Diff(tt.want[i], got); diff != "" {
					t.Errorf("step %d (-want +got):\n%s", i, diff)
				}
			}
			if c.State != tt.final {
				t.Errorf("final state %s, want %s", c.State, tt.final)
			}
			for _, kn := range c.Keys {
				if kn.Fingerprint == id {
					t.Errorf("the case keeps a key id in the clear: %+v", kn)
				}
			}
		})
	}
}
