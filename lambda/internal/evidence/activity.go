package evidence

import (
	"time"
)

// activityDays is how many UTC days of calls a caller's activity holds: a year and a day, the
// longest window any source reads (Athena's default lookback is a year; event history 90 days).
// Each caller holds a fixed ring of day counts, so memory is bounded by the callers kept:
// (maxIPs+1) callers per key × (366 + 24) counters of 4 bytes ≈ 400 KB per key at most.
const activityDays = 366

// callerDays counts one caller's calls per UTC day (the newest activityDays days seen) and per
// hour of day. Records arrive in any order (exports, several Regions in parallel): a day newer
// than the newest moves the ring on and forgets the days that fall out of it; a day older than
// the ring is counted in older only.
type callerDays struct {
	newest int32 // the newest day counted, in days since 1970-01-01; valid when any
	any    bool
	days   [activityDays]int32 // by day mod activityDays
	hours  [24]int32           // every call counted, by hour of day (UTC)
	older  int                 // calls on days before the ring, or pushed out of it
}

func dayNumber(t time.Time) int32 { return int32(t.UTC().Unix() / 86400) }

// add counts n calls at t.
func (c *callerDays) add(t time.Time, n int) {
	if n <= 0 || t.IsZero() {
		return
	}
	c.hours[t.UTC().Hour()] += int32(n)
	c.addDay(dayNumber(t), n)
}

func (c *callerDays) addDay(d int32, n int) {
	switch {
	case !c.any:
		c.any, c.newest = true, d
	case d > c.newest:
		// Forget the days the ring no longer holds, at most the whole ring.
		for x := c.newest + 1; x <= d && x <= c.newest+activityDays; x++ {
			slot := &c.days[mod(x)]
			c.older += int(*slot)
			*slot = 0
		}
		c.newest = d
	case d <= c.newest-activityDays:
		c.older += n
		return
	}
	c.days[mod(d)] += int32(n)
}

func mod(d int32) int { return int(((d % activityDays) + activityDays) % activityDays) }

// merge adds o's counts to c, as add would have counted them.
func (c *callerDays) merge(o *callerDays) {
	if o == nil || !o.any {
		return
	}
	for i := range c.hours {
		c.hours[i] += o.hours[i]
	}
	c.older += o.older
	for d := o.newest - activityDays + 1; d <= o.newest; d++ {
		if n := o.days[mod(d)]; n > 0 {
			c.addDay(d, int(n))
		}
	}
}

// Activity is when a caller called: calls per UTC day and per hour of day, for the ticket's chart
// and cadence (package activity).
type Activity struct {
	// FirstDay (2006-01-02) is the first day with calls; PerDay counts the calls of each day
	// from it to the last day with calls, at most the 366 days before the newest.
	FirstDay string `json:"first_day"`
	PerDay   []int  `json:"per_day"`
	// Hours are the calls per hour of day (UTC), index 0 to 23, over every call counted.
	Hours []int `json:"hours"`
	// Older are the calls on days before those PerDay holds.
	Older int `json:"older,omitempty"`
}

// Days calls fn with each day that had calls (midnight UTC) and its calls, oldest first.
func (a *Activity) Days(fn func(day time.Time, calls int)) {
	first, err := time.Parse(time.DateOnly, a.FirstDay)
	if err != nil {
		return
	}
	for i, n := range a.PerDay {
		if n > 0 {
			fn(first.AddDate(0, 0, i), n)
		}
	}
}

func (c *callerDays) activity() *Activity {
	if c == nil || !c.any {
		return nil
	}
	a := &Activity{Hours: make([]int, 24), Older: c.older}
	for i, n := range c.hours {
		a.Hours[i] = int(n)
	}
	first := int32(-1)
	for d := c.newest - activityDays + 1; d <= c.newest; d++ {
		n := c.days[mod(d)]
		if n == 0 && first < 0 {
			continue
		}
		if first < 0 {
			first = d
			a.FirstDay = time.Unix(int64(d)*86400, 0).UTC().Format(time.DateOnly)
		}
		a.PerDay = append(a.PerDay, int(n))
	}
	return a
}

// addActivity counts a call of the caller at ip into a key's activity. It follows the key's
// addresses (k.ips, counted first): an address kept there is kept here, any other is "(other)",
// so each address shown has its own activity and the bound is the same.
func (k *keyAgg) addActivity(ip string, t time.Time) { k.callerDays(ip).add(t, 1) }

// mergeActivity adds src's callers' activity to k's, after merge counted src's addresses.
func (k *keyAgg) mergeActivity(src *keyAgg) {
	for ip, o := range src.activity {
		k.callerDays(ip).merge(o)
	}
}

func (k *keyAgg) callerDays(ip string) *callerDays {
	if _, kept := k.ips[ip]; !kept {
		ip = other
	}
	c := k.activity[ip]
	if c == nil {
		c = &callerDays{}
		k.activity[ip] = c
	}
	return c
}
