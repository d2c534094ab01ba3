package report

import (
	"fmt"
	"strconv"
	"time"

	"github.com/iam4-responder/iam4-responder/lambda/internal/activity"
	"github.com/iam4-responder/iam4-responder/lambda/internal/evidence"
)

// Widths of the per-caller chart. Event history's 90 days span 91 calendar days: the channels
// with room give each day a column; chat and the OpsItem description (2,048 characters in all)
// give a column to two days. A year (Athena) takes four or eight days a column.
const (
	sparkWide   = 91
	sparkNarrow = 46
	// chartDays is the longest window charted: what evidence keeps per caller (366 days).
	chartDays = 366
)

// activityRow is one caller group's chart and cadence.
type activityRow struct {
	label   string
	calls   int
	chart   string
	cadence activity.Cadence
}

// activityWindow is the days the charts cover: the evidence's window (stretched to a last use
// after it, so that no call is left off the end), else the keys' first and last use, at most
// chartDays ending on the last day.
func activityWindow(start, end time.Time, keys []evidence.KeyProfile) (from, to time.Time, ok bool) {
	from, to = start, end
	for _, k := range keys {
		if k.LastUse.After(to) {
			to = k.LastUse
		}
		if start.IsZero() && !k.FirstUse.IsZero() && (from.IsZero() || k.FirstUse.Before(from)) {
			from = k.FirstUse
		}
	}
	if to.IsZero() {
		return time.Time{}, time.Time{}, false
	}
	if from.IsZero() || from.After(to) || to.Sub(from) >= chartDays*24*time.Hour {
		from = to.Add(-(chartDays - 1) * 24 * time.Hour)
	}
	return from.UTC(), to.UTC(), true
}

// activityRows charts each caller group of a key (groupCallers: AWS addresses by service and
// Region, others by network), most calls first; a group whose addresses carry no activity (a
// result from before evidence kept it) has no row. older counts the calls the charts leave out:
// before from, or beyond the days evidence keeps.
func activityRows(k evidence.KeyProfile, from, to time.Time, width int) (rows []activityRow, perColumn, older int) {
	byIP := make(map[string]*evidence.Activity, len(k.SourceIPs))
	for _, ip := range k.SourceIPs {
		if ip.Activity != nil {
			byIP[string(ip.IP)] = ip.Activity
		}
	}
	groups, _ := groupCallers(k.SourceIPs)
	for _, g := range groups {
		s := activity.NewSeries(from, to)
		perColumn = s.DaysPerColumn(width)
		seen := false
		for _, addr := range g.addresses {
			a := byIP[addr]
			if a == nil {
				continue
			}
			seen = true
			a.Days(s.AddDay)
			for h, n := range a.Hours {
				s.AddHour(h, n)
			}
		}
		if !seen {
			continue
		}
		older += max(g.calls-s.Calls(), 0)
		rows = append(rows, activityRow{label: g.label, calls: g.calls, chart: s.Sparkline(width), cadence: s.Cadence()})
	}
	return rows, perColumn, older
}

// cadenceText says a cadence in the report's language.
func (r Report) cadenceText(c activity.Cadence) string {
	code := "cadence." + string(c.Kind)
	params := map[string]string{}
	if c.Hour >= 0 && c.Kind != activity.AdHoc && c.Kind != activity.None {
		code += ".hour"
		params["hour"] = fmt.Sprintf("%02d", c.Hour)
	}
	if c.Kind == activity.Weekly {
		params["weekday"] = r.say("weekday."+strconv.Itoa(c.Weekday), nil)
	}
	return r.say(code, params)
}

// activityLines renders a key's callers' activity for the text channels: a title naming the
// window and the days per column, then one line per caller group (at most shown), then what
// the charts leave out. esc makes a caller's label safe for the channel; chart wraps the chart
// (a code span where the channel has one, for a monospaced font).
func (r Report) activityLines(k evidence.KeyProfile, width, shown int, esc, chart func(string) string) []string {
	ev := r.Evidence
	if ev == nil {
		return nil
	}
	from, to, ok := activityWindow(ev.WindowStart, ev.WindowEnd, ev.Keys)
	if !ok {
		return nil
	}
	return r.activityFor(k, from, to, width, shown, esc, chart)
}

func (r Report) activityFor(k evidence.KeyProfile, from, to time.Time, width, shown int, esc, chart func(string) string) []string {
	rows, per, older := activityRows(k, from, to, width)
	if len(rows) == 0 {
		return nil
	}
	title := r.say("activity.title", map[string]string{"from": day(from), "to": day(to)})
	if per > 1 {
		title = r.say("activity.title.days", map[string]string{"from": day(from), "to": day(to), "days": strconv.Itoa(per)})
	}
	lines := []string{title}
	list, more := head(rows, shown)
	for _, row := range list {
		lines = append(lines, r.say("activity.caller", map[string]string{
			"caller": esc(row.label), "chart": chart(row.chart), "calls": r.callCount(row.calls),
			"cadence": r.cadenceText(row.cadence),
		}))
	}
	if more > 0 {
		lines = append(lines, r.say("activity.more", map[string]string{"count": strconv.Itoa(more)}))
	}
	if older > 0 {
		lines = append(lines, r.say("activity.older", map[string]string{"count": strconv.Itoa(older), "from": day(from)}))
	}
	return lines
}

// callCount says n calls, singular for one.
func (r Report) callCount(n int) string {
	if n == 1 {
		return r.say("activity.calls.one", nil)
	}
	return r.say("activity.calls", map[string]string{"count": strconv.Itoa(n)})
}
