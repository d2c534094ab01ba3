package report

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iam4-responder/iam4-responder/lambda/internal/activity"
	"github.com/iam4-responder/iam4-responder/lambda/internal/evidence"
)

func TestActivityWindow(t *testing.T) {
	end := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	key := func(first, last time.Time) evidence.KeyProfile {
		return evidence.KeyProfile{FirstUse: first, LastUse: last}
	}
	tests := []struct {
		name       string
		start, end time.Time
		keys       []evidence.KeyProfile
		from, to   time.Time
		ok         bool
	}{
		{"event history's 90 days are the window", end.AddDate(0, 0, -90), end, []evidence.KeyProfile{key(end.AddDate(0, 0, -30), end.AddDate(0, 0, -1))},
			end.AddDate(0, 0, -90), end, true},
		{"an export without a window spans the keys' first and last use", time.Time{}, time.Time{},
			[]evidence.KeyProfile{key(end.AddDate(0, 0, -10), end.AddDate(0, 0, -5)), key(end.AddDate(0, 0, -20), end.AddDate(0, 0, -15))},
			end.AddDate(0, 0, -20), end.AddDate(0, 0, -5), true},
		{"two years are cut to the 366 days evidence keeps", end.AddDate(-2, 0, 0), end, nil,
			end.AddDate(0, 0, -365), end, true},
		{"a call after the window's end stretches it", end.AddDate(0, 0, -90), end, []evidence.KeyProfile{key(end, end.Add(3*time.Hour))},
			end.AddDate(0, 0, -90), end.Add(3 * time.Hour), true},
		{"no window and no key has nothing to chart", time.Time{}, time.Time{}, nil, time.Time{}, time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			from, to, ok := activityWindow(tt.start, tt.end, tt.keys)
			if diff := cmp.Diff([]any{tt.from, tt.to, tt.ok}, []any{from, to, ok}); diff != "" {
				t.Errorf("from, to, ok (-want +got):\n%s", diff)
			}
		})
	}
}

// daily is an address's activity: one call at hour on each of days, counted from first.
func daily(first time.Time, hour int, days ...int) *evidence.Activity {
	a := &evidence.Activity{FirstDay: first.Format(time.DateOnly), Hours: make([]int, 24)}
	for _, d := range days {
		for len(a.PerDay) <= d {
			a.PerDay = append(a.PerDay, 0)
		}
		a.PerDay[d]++
		a.Hours[hour]++
	}
	return a
}

// A job on EC2 whose address changes every night is one daily caller, not three callers seen
// on scattered days: the chart follows the callers' groups (callers.go), as the policies do.
func TestActivityFollowsTheCallerGroups(t *testing.T) {
	start := time.Date(2026, 8, 3, 0, 0, 0, 0, time.UTC)
	end := start.AddDate(0, 0, 90)
	var ec2 [3][]int
	for d := 60; d < 90; d++ {
		ec2[d%3] = append(ec2[d%3], d)
	}
	k := evidence.KeyProfile{SourceIPs: []evidence.IPCount{
		{IP: "54.250.10.1", Calls: 10, InsideAWS: true, AWSService: "EC2", AWSRegion: "ap-northeast-1", Activity: daily(start, 2, ec2[0]...)},
		{IP: "54.250.10.2", Calls: 10, InsideAWS: true, AWSService: "EC2", AWSRegion: "ap-northeast-1", Activity: daily(start, 2, ec2[1]...)},
		{IP: "54.250.10.3", Calls: 10, InsideAWS: true, AWSService: "EC2", AWSRegion: "ap-northeast-1", Activity: daily(start, 3, ec2[2]...)},
		{IP: "203.0.113.7", Calls: 1, Activity: daily(start, 16, 45)},
		// An address from before evidence kept activity has no row.
		{IP: "198.51.100.9", Calls: 4},
		// Calls beyond the addresses kept are never a caller.
		{IP: "(other)", Calls: 7, Activity: daily(start, 5, 1, 2, 3)},
	}}
	rows, per, older := activityRows(k, start, end, sparkNarrow)
	type row struct {
		Label   string
		Calls   int
		Cadence activity.Cadence
	}
	var got []row
	for _, r := range rows {
		got = append(got, row{r.label, r.calls, r.cadence})
		if n := len([]rune(r.chart)); n > sparkNarrow {
			t.Errorf("%s: chart of %d columns, more than %d", r.label, n, sparkNarrow)
		}
	}
	want := []row{
		{"AWS EC2 ap-northeast-1", 30, activity.Cadence{Kind: activity.Daily, Hour: 2, Weekday: -1}},
		{"203.0.113.0/24", 1, activity.Cadence{Kind: activity.Once, Hour: 16, Weekday: -1}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	if per != 2 || older != 0 {
		t.Errorf("days per column %d, calls not charted %d; want 2, 0", per, older)
	}
}

func TestCadenceSaysItInBothLanguages(t *testing.T) {
	tests := []struct {
		c      activity.Cadence
		en, ja string
	}{
		{activity.Cadence{Kind: activity.Daily, Hour: 2, Weekday: -1}, "daily around 02:00 UTC", "毎日 02:00 UTC ごろ"},
		{activity.Cadence{Kind: activity.Daily, Hour: -1, Weekday: -1}, "daily, at no set hour", "毎日 (時刻は不定)"},
		{activity.Cadence{Kind: activity.Weekly, Hour: -1, Weekday: 1}, "weekly on Mondays", "毎週月曜日"},
		{activity.Cadence{Kind: activity.Weekly, Hour: 9, Weekday: 4}, "weekly on Thursdays around 09:00 UTC", "毎週木曜日 09:00 UTC ごろ"},
		{activity.Cadence{Kind: activity.AdHoc, Hour: -1, Weekday: -1}, "ad hoc", "不定期"},
		{activity.Cadence{Kind: activity.Once, Hour: 23, Weekday: -1}, "once, at 23:00 UTC", "1 回のみ (23:00 UTC ごろ)"},
		{activity.Cadence{Kind: activity.None, Hour: -1, Weekday: -1}, "no call in the window", "期間内の呼び出しなし"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.c), func(t *testing.T) {
			got := []string{Report{Lang: English}.cadenceText(tt.c), Report{Lang: Japanese}.cadenceText(tt.c)}
			if diff := cmp.Diff([]string{tt.en, tt.ja}, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestEventHistoryURLIsTheRootsInItsPartition(t *testing.T) {
	tests := []struct {
		name, productARN, region, want string
	}{
		{"aws", "arn:aws:securityhub:us-west-2::product/aws/securityhub", "us-west-2",
			"https://us-west-2.console.aws.amazon.com/cloudtrail/home?region=us-west-2#/events?Username=root"},
		{"China", "arn:aws-cn:securityhub:cn-north-1::product/aws/securityhub", "cn-north-1",
			"https://cn-north-1.console.amazonaws.cn/cloudtrail/home?region=cn-north-1#/events?Username=root"},
		{"GovCloud", "arn:aws-us-gov:securityhub:us-gov-west-1::product/aws/securityhub", "us-gov-west-1",
			"https://us-gov-west-1.console.amazonaws-us-gov.com/cloudtrail/home?region=us-gov-west-1#/events?Username=root"},
		{"a Region without a Region's shape gives the console's default Region", "arn:aws:securityhub:us-west-2::product/aws/securityhub",
			"us-west-2#/x?<script>", "https://console.aws.amazon.com/cloudtrail/home#/events?Username=root"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := sampleFinding()
			f.ProductARN, f.Region = tt.productARN, tt.region
			if got := New(Opened, f, "").EventHistoryURL(); got != tt.want {
				t.Errorf("EventHistoryURL() = %q, want %q", got, tt.want)
			}
		})
	}
}
