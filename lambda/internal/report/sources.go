package report

import (
	"strconv"
	"time"

	"github.com/iam4-responder/iam4-responder/lambda/internal/investigation"
)

// sourceLines says, one short line per evidence source, which dates it covered and whether it
// could see data events (S3 object calls and the like, which event history never holds); a
// source not read to the end of its window is said as a gap, never as coverage. esc makes the
// source's own words (its table, query and error) safe for the channel. Every renderer calls
// this one function, so the channels cannot disagree on what was read.
func (r Report) sourceLines(sources []investigation.Source, esc func(string) string) []string {
	var lines []string
	for _, s := range sources {
		params := map[string]string{"from": when(s.From, s.To, s.From), "to": when(s.From, s.To, s.To)}
		switch {
		case !s.Read:
			params["source"] = r.say("source.name."+s.Name, nil)
			params["why"] = esc(s.Detail)
			lines = append(lines, r.say("source.gap", params))
		case s.DataEvents:
			params["calls"] = strconv.Itoa(s.DataEventCalls)
			lines = append(lines, r.say("source."+s.Name+".data", params))
		default:
			lines = append(lines, r.say("source."+s.Name, params))
		}
	}
	return lines
}

// when shows t as a day, or as a minute when the window is shorter than a day (event history
// read only for the hours the trail has not delivered yet).
func when(from, to, t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	if to.Sub(from) < 24*time.Hour {
		return utc(t)
	}
	return day(t)
}

// testMark starts the title of a smoke test's ticket (`iam4 smoke`), in every channel, so that
// nobody acts on a synthetic finding; "" for a real one.
func (r Report) testMark() string {
	if !r.Finding.Test {
		return ""
	}
	return r.say("test.mark", nil)
}

// asciiTestMark is testMark for SNS subjects, which stay ASCII and English.
func (r Report) asciiTestMark() string {
	if !r.Finding.Test {
		return ""
	}
	return messagesEN["test.mark"]
}
