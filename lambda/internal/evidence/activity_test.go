package evidence

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iam4-responder/iam4-responder/internal/emulator"
)

func TestCallerActivity(t *testing.T) {
	d0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(day, hour int) time.Time {
		return d0.Add(time.Duration(day)*24*time.Hour + time.Duration(hour)*time.Hour)
	}
	tests := []struct {
		name  string
		calls []time.Time
		want  *Activity
	}{
		{"no call has no activity", nil, nil},
		{"a nightly job counts one call a day at 02:00",
			[]time.Time{at(0, 2), at(1, 2), at(3, 2)},
			&Activity{FirstDay: "2026-01-01", PerDay: []int{1, 1, 0, 1}, Hours: hours(map[int]int{2: 3})}},
		{"records in any order give the same days",
			[]time.Time{at(3, 2), at(0, 2), at(1, 2)},
			&Activity{FirstDay: "2026-01-01", PerDay: []int{1, 1, 0, 1}, Hours: hours(map[int]int{2: 3})}},
		{"a year and a day are all kept",
			[]time.Time{at(0, 5), at(365, 6)},
			&Activity{FirstDay: "2026-01-01", PerDay: append(append([]int{1}, make([]int, 364)...), 1), Hours: hours(map[int]int{5: 1, 6: 1})}},
		{"a day pushed out of the ring by a newer one is counted as older",
			[]time.Time{at(0, 5), at(0, 5), at(366, 6)},
			&Activity{FirstDay: "2027-01-02", PerDay: []int{1}, Hours: hours(map[int]int{5: 2, 6: 1}), Older: 2}},
		{"a day older than the ring, read late, is counted as older",
			[]time.Time{at(400, 1), at(10, 1)},
			&Activity{FirstDay: "2027-02-05", PerDay: []int{1}, Hours: hours(map[int]int{1: 2}), Older: 1}},
		{"a jump of years clears the whole ring once",
			[]time.Time{at(0, 0), at(5, 0), at(3000, 0)},
			&Activity{FirstDay: "2034-03-20", PerDay: []int{1}, Hours: hours(map[int]int{0: 3}), Older: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c callerDays
			for _, x := range tt.calls {
				c.add(x, 1)
			}
			if diff := cmp.Diff(tt.want, c.activity()); diff != "" {
				t.Errorf("activity (-want +got):\n%s", diff)
			}
			// Merging the calls split in two gives the same activity as adding them.
			var a, b, m callerDays
			for i, x := range tt.calls {
				if i%2 == 0 {
					a.add(x, 1)
				} else {
					b.add(x, 1)
				}
			}
			m.merge(&a)
			m.merge(&b)
			if tt.want != nil && len(tt.calls) > 0 {
				// A merge sees a's ring before b's days: the days it keeps are the same, and
				// every call is counted once, in Days or in Older.
				got := m.activity()
				if diff := cmp.Diff([]any{tt.want.FirstDay, tt.want.PerDay}, []any{got.FirstDay, got.PerDay}); diff != "" {
					t.Errorf("merged days (-want +got):\n%s", diff)
				}
				if got := total(m.activity()); got != len(tt.calls) {
					t.Errorf("merged calls = %d, want %d", got, len(tt.calls))
				}
			}
		})
	}
}

func total(a *Activity) int {
	n := a.Older
	for _, c := range a.PerDay {
		n += c
	}
	return n
}

func TestActivityFollowsTheKeptAddresses(t *testing.T) {
	u := NewUsage(testRanges(t))
	t0 := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	const n = 2000
	for i := range n {
		// A new address each call, over a whole year of days: far more than are kept.
		u.Add(keyCall("AKIAIOSFODNN7EXAMPLE", fmt.Sprintf("198.51.%d.%d", i/256, i%256),
			"aws-cli/2.15.0", "s3:ListBuckets", t0.Add(-time.Duration(i%366)*24*time.Hour)))
	}
	k := u.Summary().Keys[0]
	if len(k.SourceIPs) != maxIPs+1 {
		t.Fatalf("%d addresses, want %d and (other)", len(k.SourceIPs), maxIPs)
	}
	sum := 0
	for _, ip := range k.SourceIPs {
		if ip.Activity == nil || total(ip.Activity) != ip.Calls {
			t.Fatalf("address %s: %d calls, activity %+v", ip.IP, ip.Calls, ip.Activity)
		}
		if len(ip.Activity.PerDay) > activityDays {
			t.Errorf("address %s: %d days kept, more than %d", ip.IP, len(ip.Activity.PerDay), activityDays)
		}
		sum += ip.Calls
	}
	if sum != n {
		t.Errorf("activity counts %d calls, want %d", sum, n)
	}
}

// BenchmarkCallerActivity measures a call's cost and a caller's size (a year of days).
func BenchmarkCallerActivity(b *testing.B) {
	t0 := time.Date(2026, 1, 1, 2, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	var c callerDays
	for i := 0; b.Loop(); i++ {
		c.add(t0.Add(time.Duration(i%(366*24))*time.Hour), 1)
	}
}

// Event history fills each caller's activity as the records do: every call on its day, spread
// over the window the emulator generates, in two Regions read in parallel.
func TestLookupEventsFillsEachCallersActivity(t *testing.T) {
	s := &emulator.Scenario{Rate: &emulator.Rate{PerSecond: 1000, Burst: 1000}, Generate: []emulator.Generator{
		{Region: "us-east-1", Count: 60, Days: 30, Key: "AKIAIOSFODNN7EXAMPLE", IPs: []string{"203.0.113.7"}, UserAgent: "aws-cli/2.15.0"},
		{Region: "eu-west-1", Count: 45, Days: 45, Key: "AKIAIOSFODNN7EXAMPLE", IPs: []string{"198.51.100.4", "203.0.113.7"}, UserAgent: "aws-cli/2.15.0"},
	}}
	url, _ := emulate(t, s)
	u := NewUsage(nil)
	c := &Collector{Client: clients(url, 3), Regions: []string{"us-east-1", "eu-west-1"}, Rate: 1000, Now: func() time.Time { return scenarioNow }}
	if _, err := c.Collect(t.Context(), u); err != nil {
		t.Fatal(err)
	}
	k := u.Summary().Keys[0]
	for _, ip := range k.SourceIPs {
		a := ip.Activity
		if a == nil {
			t.Fatalf("%s: no activity", ip.IP)
		}
		hours := 0
		for _, n := range a.Hours {
			hours += n
		}
		if total(a) != ip.Calls || hours != ip.Calls || a.Older != 0 {
			t.Errorf("%s: %d calls, activity counts %d by day and %d by hour, %d older", ip.IP, ip.Calls, total(a), hours, a.Older)
		}
		a.Days(func(day time.Time, _ int) {
			if day.Before(scenarioNow.AddDate(0, 0, -46)) || day.After(scenarioNow) {
				t.Errorf("%s: a call on %s, outside the generated window", ip.IP, day.Format(time.DateOnly))
			}
		})
	}
}
