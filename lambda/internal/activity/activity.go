// Package activity describes when a caller uses the root key: calls per day over the window as a
// small text chart, and the cadence ("daily around 02:00 UTC", "weekly on Mondays", "ad hoc",
// "once"), so the team knows which job breaks when the key goes and when it would notice.
//
// It holds counts only (a day's and an hour's), so its memory does not grow with the calls. It
// returns codes and numbers; the renderers own the sentences.
package activity

import (
	"strings"
	"time"
)

// Series counts one caller's calls over a window of whole UTC days.
type Series struct {
	Start time.Time // the first day (UTC midnight)
	Days  []int     // calls per day from Start
	hours [24]int
	wdays [7]int
	// days with calls per weekday, and how many distinct days had calls
	activeWdays [7]int
	calls       int
	hourCalls   int // the calls counted in hours (AddHour may count other calls than AddDay)
}

// NewSeries makes an empty series over the days that hold [from, to].
func NewSeries(from, to time.Time) *Series {
	start := from.UTC().Truncate(24 * time.Hour)
	end := to.UTC().Truncate(24 * time.Hour)
	n := int(end.Sub(start)/(24*time.Hour)) + 1
	if n < 1 {
		n = 1
	}
	return &Series{Start: start, Days: make([]int, n)}
}

// Add counts n calls at t; calls outside the window are ignored.
func (s *Series) Add(t time.Time, n int) {
	t = t.UTC()
	i := int(t.Sub(s.Start) / (24 * time.Hour))
	if n <= 0 || t.Before(s.Start) || i >= len(s.Days) {
		return
	}
	s.addDay(i, t.Weekday(), n)
	s.hours[t.Hour()] += n
	s.hourCalls += n
}

// AddDay counts n calls on the UTC day of t without an hour: an aggregate that kept calls per day
// and per hour of day separately (package evidence) rebuilds a series with AddDay and AddHour.
func (s *Series) AddDay(t time.Time, n int) {
	t = t.UTC()
	i := int(t.Sub(s.Start) / (24 * time.Hour))
	if n <= 0 || t.Before(s.Start) || i >= len(s.Days) {
		return
	}
	s.addDay(i, t.Weekday(), n)
}

// AddHour counts n calls at an hour of day (0–23, UTC) for the cadence's favoured hour.
func (s *Series) AddHour(hour, n int) {
	if n <= 0 || hour < 0 || hour > 23 {
		return
	}
	s.hours[hour] += n
	s.hourCalls += n
}

func (s *Series) addDay(i int, wd time.Weekday, n int) {
	if s.Days[i] == 0 {
		s.activeWdays[wd]++
	}
	s.Days[i] += n
	s.wdays[wd] += n
	s.calls += n
}

// Calls is the number of calls counted.
func (s *Series) Calls() int { return s.calls }

// blocks are the eight heights of a sparkline; a day without calls is a space-like dot so that
// the chart keeps its width in proportional fonts too.
var blocks = []rune("▁▂▃▄▅▆▇█")

const idle = '·'

// Sparkline draws the calls per day in at most width columns (several days to a column when the
// window is longer), the tallest column full height. It is plain Unicode text, so it renders in
// e-mail, chat and Jira alike.
func (s *Series) Sparkline(width int) string {
	if width < 1 || len(s.Days) == 0 {
		return ""
	}
	per := (len(s.Days) + width - 1) / width
	var cols []int
	most := 0
	for i := 0; i < len(s.Days); i += per {
		sum := 0
		for j := i; j < i+per && j < len(s.Days); j++ {
			sum += s.Days[j]
		}
		cols = append(cols, sum)
		if sum > most {
			most = sum
		}
	}
	var b strings.Builder
	for _, c := range cols {
		if c == 0 {
			b.WriteRune(idle)
			continue
		}
		h := (c*len(blocks) - 1) / most
		b.WriteRune(blocks[h])
	}
	return b.String()
}

// DaysPerColumn is how many days each column of Sparkline(width) covers.
func (s *Series) DaysPerColumn(width int) int {
	if width < 1 {
		return 0
	}
	return (len(s.Days) + width - 1) / width
}

// Kind is the shape of a caller's cadence.
type Kind string

// Kinds of cadence.
const (
	None   Kind = "none"   // no call in the window
	Once   Kind = "once"   // calls on a single day
	Daily  Kind = "daily"  // calls on (nearly) every day between the first and the last
	Weekly Kind = "weekly" // calls on one weekday, (nearly) every week
	AdHoc  Kind = "ad_hoc" // no pattern
)

// Cadence is when a caller calls: its kind, and the hour (UTC) or weekday it favours, -1 when
// none stands out.
type Cadence struct {
	Kind    Kind `json:"kind"`
	Hour    int  `json:"hour"`    // 0–23 UTC, or -1
	Weekday int  `json:"weekday"` // time.Weekday, or -1
}

// Thresholds of the cadence rules: a share of the days (or weeks) between the first and the last
// call, and the share of calls within the favoured two-hour span.
const (
	regularShare = 0.8
	hourShare    = 0.7
	minDays      = 3 // fewer active days than this is too little to call anything regular
)

// Cadence finds the caller's pattern.
func (s *Series) Cadence() Cadence {
	c := Cadence{Kind: None, Hour: -1, Weekday: -1}
	first, last, active := -1, -1, 0
	for i, n := range s.Days {
		if n > 0 {
			if first < 0 {
				first = i
			}
			last, active = i, active+1
		}
	}
	switch {
	case active == 0:
		return c
	case active == 1:
		c.Kind = Once
		c.Hour = s.favouredHour()
		return c
	}
	span := last - first + 1
	c.Hour = s.favouredHour()
	switch {
	case active >= minDays && float64(active) >= regularShare*float64(span):
		c.Kind = Daily
	case s.weekly(first, last, active) >= 0:
		c.Kind = Weekly
		c.Weekday = int(s.weekly(first, last, active))
	default:
		c.Kind, c.Hour = AdHoc, -1
	}
	return c
}

// weekly returns the weekday that holds (nearly) all the active days, in (nearly) every week
// between the first call and the last, or -1: a weekly job that also ran once by hand on
// another day is still weekly.
func (s *Series) weekly(first, last, active int) time.Weekday {
	best := 0
	for wd := range 7 {
		if s.activeWdays[wd] > s.activeWdays[best] {
			best = wd
		}
	}
	n := float64(s.activeWdays[best])
	weeks := float64((last-first)/7 + 1)
	if active < minDays || n < regularShare*float64(active) || n < regularShare*weeks {
		return -1
	}
	return time.Weekday(best)
}

// favouredHour is the start of the two-hour span (UTC) holding most calls when it holds at least
// hourShare of them, else -1.
func (s *Series) favouredHour() int {
	best, bestN := -1, 0
	for h := range 24 {
		n := s.hours[h] + s.hours[(h+1)%24]
		if n > bestN {
			best, bestN = h, n
		}
	}
	if s.hourCalls == 0 || float64(bestN) < hourShare*float64(s.hourCalls) {
		return -1
	}
	// Of the two hours, name the one with more calls.
	if s.hours[(best+1)%24] > s.hours[best] {
		best = (best + 1) % 24
	}
	return best
}
