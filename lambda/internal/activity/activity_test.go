package activity

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var from = time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC) // a Tuesday
var to = from.Add(89 * 24 * time.Hour)

func TestCadence(t *testing.T) {
	tests := []struct {
		name string
		add  func(s *Series)
		want Cadence
	}{
		{"nothing is none", func(*Series) {}, Cadence{None, -1, -1}},
		{"one call is once, at its hour", func(s *Series) { s.Add(from.Add(40*24*time.Hour+15*time.Hour), 1) },
			Cadence{Once, 15, -1}},
		{"a nightly backup is daily around 02:00", func(s *Series) {
			for d := range 90 {
				s.Add(from.Add(time.Duration(d)*24*time.Hour+2*time.Hour+time.Duration(d%50)*time.Minute), 3)
			}
		}, Cadence{Daily, 2, -1}},
		{"a nightly job that missed a few nights is still daily", func(s *Series) {
			for d := range 90 {
				if d%10 != 0 {
					s.Add(from.Add(time.Duration(d)*24*time.Hour+23*time.Hour+30*time.Minute), 1)
				}
			}
		}, Cadence{Daily, 23, -1}},
		{"calls all day long every day are daily with no hour", func(s *Series) {
			for d := range 30 {
				for h := range 24 {
					s.Add(from.Add(time.Duration(d)*24*time.Hour+time.Duration(h)*time.Hour), 1)
				}
			}
		}, Cadence{Daily, -1, -1}},
		{"a Monday report is weekly on Mondays", func(s *Series) {
			monday := from.Add(6 * 24 * time.Hour)
			for w := range 12 {
				s.Add(monday.Add(time.Duration(w)*7*24*time.Hour+9*time.Hour), 20)
			}
		}, Cadence{Weekly, 9, int(time.Monday)}},
		{"a person now and then is ad hoc", func(s *Series) {
			for _, d := range []int{3, 4, 17, 30, 31, 58, 77} {
				s.Add(from.Add(time.Duration(d)*24*time.Hour+time.Duration(d%24)*time.Hour), 2)
			}
		}, Cadence{AdHoc, -1, -1}},
		{"calls outside the window do not count", func(s *Series) {
			s.Add(from.Add(-time.Hour), 5)
			s.Add(to.Add(25*time.Hour), 5)
		}, Cadence{None, -1, -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewSeries(from, to)
			tt.add(s)
			if diff := cmp.Diff(tt.want, s.Cadence()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestSparkline(t *testing.T) {
	tests := []struct {
		name  string
		days  int
		calls map[int]int
		width int
		want  string
	}{
		{"one column a day, the busiest full height", 7, map[int]int{0: 1, 1: 8, 3: 4, 6: 8}, 30, "▁█·▄··█"},
		{"ninety days in thirty columns add three days each", 90, map[int]int{0: 1, 1: 1, 2: 1, 89: 3}, 30,
			"█" + repeat('·', 28) + "█"},
		{"no calls is a row of dots", 5, nil, 30, "·····"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewSeries(from, from.Add(time.Duration(tt.days-1)*24*time.Hour))
			for d, n := range tt.calls {
				s.Add(from.Add(time.Duration(d)*24*time.Hour+time.Hour), n)
			}
			got := s.Sparkline(tt.width)
			if got != tt.want {
				t.Errorf("Sparkline(%d) = %q, want %q", tt.width, got, tt.want)
			}
			if n := len([]rune(got)); n > tt.width {
				t.Errorf("%d columns, more than %d", n, tt.width)
			}
		})
	}
}

func repeat(r rune, n int) string {
	out := make([]rune, n)
	for i := range out {
		out[i] = r
	}
	return string(out)
}

func BenchmarkAdd(b *testing.B) {
	s := NewSeries(from, to)
	t := from.Add(time.Hour)
	for i := 0; b.Loop(); i++ {
		s.Add(t.Add(time.Duration(i%(89*24))*time.Hour), 1)
	}
}

// TestCadenceFromDayAndHourCounts reads cadences from what evidence keeps (calls per day and per
// hour of day, separately), with the series real jobs and people make.
func TestCadenceFromDayAndHourCounts(t *testing.T) {
	monday := time.Date(2026, 8, 3, 0, 0, 0, 0, time.UTC)
	window := func() *Series { return NewSeries(monday, monday.Add(90*24*time.Hour)) }
	day := func(d int) time.Time { return monday.Add(time.Duration(d) * 24 * time.Hour) }
	tests := []struct {
		name string
		fill func(s *Series)
		want Cadence
	}{
		{"a nightly 02:00 backup that missed one night is daily around 02:00", func(s *Series) {
			for d := range 91 {
				if d == 40 {
					continue // the night the host was down
				}
				s.AddDay(day(d), 4) // a few calls per run: list, put, put, put
				s.AddHour(2, 4)
			}
		}, Cadence{Daily, 2, -1}},
		{"a nightly job with a person's calls now and then is still daily around 02:00", func(s *Series) {
			for d := range 91 {
				s.AddDay(day(d), 3)
				s.AddHour(2, 3)
			}
			for _, d := range []int{5, 19, 60} {
				s.AddDay(day(d), 2)
				s.AddHour(14, 2)
			}
		}, Cadence{Daily, 2, -1}},
		{"a Monday-morning report over thirteen weeks, one Monday a holiday, is weekly on Mondays", func(s *Series) {
			for w := range 13 {
				if w == 6 {
					continue
				}
				s.AddDay(day(7*w), 12)
				s.AddHour(7, 12)
			}
		}, Cadence{Weekly, 7, int(time.Monday)}},
		{"one call is once, at its hour", func(s *Series) {
			s.AddDay(day(63), 1)
			s.AddHour(16, 1)
		}, Cadence{Once, 16, -1}},
		{"calls on a handful of scattered days at scattered hours are ad hoc", func(s *Series) {
			for i, d := range []int{2, 9, 11, 30, 31, 47, 70, 88} {
				s.AddDay(day(d), 1+i%3)
				s.AddHour((5*i+3)%24, 1+i%3)
			}
		}, Cadence{AdHoc, -1, -1}},
		{"a weekly job that someone also ran once on a Wednesday is still weekly on Mondays", func(s *Series) {
			for w := range 13 {
				s.AddDay(day(7*w), 1)
				s.AddHour(7, 1)
			}
			s.AddDay(day(9), 1)
			s.AddHour(7, 1)
		}, Cadence{Weekly, 7, int(time.Monday)}},
		{"calls on Mondays and Thursdays alike are not weekly on either", func(s *Series) {
			for w := range 13 {
				s.AddDay(day(7*w), 1)
				s.AddDay(day(7*w+3), 1)
				s.AddHour(7, 2)
			}
		}, Cadence{AdHoc, -1, -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := window()
			tt.fill(s)
			if diff := cmp.Diff(tt.want, s.Cadence()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
