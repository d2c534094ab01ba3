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
