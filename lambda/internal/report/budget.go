package report

import (
	"strings"
	"unicode/utf8"
)

// budget collects the lines of a text rendering up to its channel's size. Once a line does not
// fit, it and every later line are left out (so the text never skips a part and goes on), and
// counted; the caller then says so in the room it reserved.
type budget struct {
	lines   []string
	size    int
	max     int
	measure func(string) int
	dropped int
}

func runeBudget(max int) *budget { return &budget{max: max, measure: utf8.RuneCountInString} }
func byteBudget(max int) *budget {
	return &budget{max: max, measure: func(s string) int { return len(s) }}
}

// add appends a line if it fits in what is left after reserve; it reports whether it did.
func (b *budget) add(line string, reserve int) bool {
	n := b.measure(line) + 1 // the line break
	if b.dropped > 0 || b.size+n > b.max-reserve {
		b.dropped++
		return false
	}
	b.lines = append(b.lines, line)
	b.size += n
	return true
}

// must appends a line the caller reserved room for.
func (b *budget) must(line string) {
	b.lines = append(b.lines, line)
	b.size += b.measure(line) + 1
}

// cost is what lines take in this budget.
func (b *budget) cost(lines ...string) int {
	n := 0
	for _, l := range lines {
		n += b.measure(l) + 1
	}
	return n
}

func (b *budget) String() string { return strings.Join(b.lines, "\n") }
