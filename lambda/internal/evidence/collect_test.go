package evidence

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/account"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/google/go-cmp/cmp"

	"github.com/iam4-responder/iam4-responder/internal/emulator"
	"github.com/iam4-responder/iam4-responder/internal/testenv"
)

var scenarioNow = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// emulate serves a scenario and returns its URL and server.
func emulate(t testing.TB, s *emulator.Scenario) (string, *emulator.Server) {
	t.Helper()
	if s.Account == "" {
		s.Account = "111122223333"
	}
	if s.Now.IsZero() {
		s.Now = scenarioNow
	}
	srv, err := emulator.New(s, nil)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return hs.URL, srv
}

// clients builds per-Region CloudTrail clients with the adaptive retry mode the function uses.
func clients(url string, attempts int) func(string) cloudtrail.LookupEventsAPIClient {
	return func(region string) cloudtrail.LookupEventsAPIClient {
		cfg := testenv.AWSConfig(url)
		cfg.Region = region
		cfg.Retryer = func() aws.Retryer {
			return retry.NewAdaptiveMode(func(o *retry.AdaptiveModeOptions) {
				o.StandardOptions = append(o.StandardOptions, func(so *retry.StandardOptions) { so.MaxAttempts = attempts })
			})
		}
		return cloudtrail.NewFromConfig(cfg)
	}
}

func regionsN(n int) []string {
	all := []string{"us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "eu-west-1", "eu-west-2",
		"eu-west-3", "eu-central-1", "eu-north-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
		"ap-southeast-1", "ap-southeast-2", "ap-south-1", "sa-east-1"}
	return all[:n]
}

func TestCollectReadsEveryRegionToTheEnd(t *testing.T) {
	s := &emulator.Scenario{Rate: &emulator.Rate{PerSecond: 1000, Burst: 1000}}
	for i, r := range regionsN(17) {
		s.Generate = append(s.Generate, emulator.Generator{Region: r, Count: 10 * (i + 1), Days: 60,
			Key: "AKIAIOSFODNN7EXAMPLE", IPs: []string{"203.0.113.7"}, UserAgent: "aws-cli/2.15.0"})
	}
	// A sign-in, and an IAM user's call, in us-east-1: neither is key use.
	s.Generate = append(s.Generate, emulator.Generator{Region: "us-east-1", Count: 2, Days: 5, Kind: "signin", IPs: []string{"198.51.100.1"}})
	url, _ := emulate(t, s)
	u := NewUsage(nil)
	c := &Collector{Client: clients(url, 3), Regions: regionsN(17), Rate: 1000, Now: func() time.Time { return scenarioNow }}
	cov, err := c.Collect(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	if cov.Partial() {
		t.Fatalf("gaps: %+v", cov.Gaps)
	}
	sum := u.Summary()
	if want := 10 * 17 * 18 / 2; sum.AccessKeyCalls != want || sum.SignIns != 2 {
		t.Errorf("access-key calls = %d (want %d), sign-ins = %d (want 2)", sum.AccessKeyCalls, want, sum.SignIns)
	}
	if len(sum.Keys) != 1 || len(sum.Keys[0].Regions) != 17 {
		t.Errorf("keys = %+v", sum.Keys)
	}
	if len(cov.Regions) != 17 || cov.Regions[0].Region != "ap-northeast-1" {
		t.Errorf("coverage regions = %+v", cov.Regions)
	}
}

func TestCollectLooksBackNinetyDaysAtMost(t *testing.T) {
	s := &emulator.Scenario{Rate: &emulator.Rate{PerSecond: 1000, Burst: 1000}, Generate: []emulator.Generator{
		{Region: "us-east-1", Count: 200, Days: 200, Key: "AKIAIOSFODNN7EXAMPLE", IPs: []string{"203.0.113.7"}},
	}}
	url, _ := emulate(t, s)
	u := NewUsage(nil)
	c := &Collector{Client: clients(url, 3), Regions: []string{"us-east-1"}, Lookback: 365 * 24 * time.Hour,
		Rate: 1000, Now: func() time.Time { return scenarioNow }}
	cov, err := c.Collect(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	if got := cov.End.Sub(cov.Start); got != MaxLookback {
		t.Errorf("window = %v, want 90 days", got)
	}
	// One call every day for 200 days: the last 90 days hold 90 of them (give or take the edge).
	if n := u.Summary().AccessKeyCalls; n < 89 || n > 91 {
		t.Errorf("read %d calls from a 90-day window", n)
	}
}

func TestCollectSurvivesForcedThrottling(t *testing.T) {
	// CloudTrail allows 1 request a second here, the collector asks for 4: the SDK's adaptive
	// retry has to absorb the ThrottlingExceptions.
	s := &emulator.Scenario{Rate: &emulator.Rate{PerSecond: 4, Burst: 1}, Generate: []emulator.Generator{
		{Region: "eu-west-1", Count: 400, Days: 30, Key: "AKIAIOSFODNN7EXAMPLE", IPs: []string{"203.0.113.7"}},
		{Region: "eu-west-2", Count: 400, Days: 30, Key: "AKIAIOSFODNN7EXAMPLE", IPs: []string{"203.0.113.7"}},
	}}
	url, srv := emulate(t, s)
	u := NewUsage(nil)
	c := &Collector{Client: clients(url, 20), Regions: []string{"eu-west-1", "eu-west-2"}, Rate: 40,
		Now: func() time.Time { return scenarioNow }}
	cov, err := c.Collect(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	if cov.Partial() {
		t.Fatalf("throttling surfaced as gaps: %+v", cov.Gaps)
	}
	if n := u.Summary().AccessKeyCalls; n != 800 {
		t.Errorf("read %d calls, want 800", n)
	}
	if srv.Throttled.Load() == 0 {
		t.Error("the emulator never throttled: the test proves nothing")
	}
}

// deadlineAt is a context whose deadline passes when the test says so, not when a clock does:
// Err is context.DeadlineExceeded once trip was called, as it is for a Lambda's deadline.
type deadlineAt struct {
	context.Context
	when time.Time
	done chan struct{}
	once sync.Once
}

func newDeadlineAt(parent context.Context, when time.Time) *deadlineAt {
	return &deadlineAt{Context: parent, when: when, done: make(chan struct{})}
}

func (c *deadlineAt) Deadline() (time.Time, bool) { return c.when, true }
func (c *deadlineAt) Done() <-chan struct{}       { return c.done }
func (c *deadlineAt) trip()                       { c.once.Do(func() { close(c.done) }) }
func (c *deadlineAt) Err() error {
	select {
	case <-c.done:
		return context.DeadlineExceeded
	default:
		return nil
	}
}

func TestCollectStopsAtTheDeadlineAndSaysWhatIsMissing(t *testing.T) {
	s := &emulator.Scenario{Generate: []emulator.Generator{
		{Region: "ap-northeast-1", Count: 2000, Days: 30, Key: "AKIAIOSFODNN7EXAMPLE", IPs: []string{"203.0.113.7"}},
		{Region: "us-east-1", Count: 20, Days: 30, Key: "AKIAIOSFODNN7EXAMPLE", IPs: []string{"203.0.113.7"}},
	}}
	url, _ := emulate(t, s)
	u := NewUsage(nil)
	// The deadline passes once us-east-1 is read (one page) and ap-northeast-1 has given three of
	// its forty pages, however slowly the machine runs.
	ctx := newDeadlineAt(t.Context(), time.Now().Add(time.Hour))
	var mu sync.Mutex
	pages := map[string]int{}
	c := &Collector{Client: clients(url, 3), Regions: []string{"ap-northeast-1", "us-east-1"},
		Margin: 500 * time.Millisecond, Now: func() time.Time { return scenarioNow },
		Progress: func(region string, n, _ int) {
			mu.Lock()
			defer mu.Unlock()
			pages[region] = n
			if pages["ap-northeast-1"] >= 3 && pages["us-east-1"] >= 1 {
				ctx.trip()
			}
		}}
	cov, err := c.Collect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	if len(cov.Gaps) != 1 {
		t.Fatalf("gaps = %+v, want one, in ap-northeast-1", cov.Gaps)
	}
	g := cov.Gaps[0]
	if g.Region != "ap-northeast-1" || !g.From.Equal(cov.Start) || !g.To.After(g.From) || !g.To.Before(cov.End) ||
		!strings.Contains(g.Reason, "deadline") {
		t.Errorf("gap = %+v (window %v – %v)", g, cov.Start, cov.End)
	}
	// Every page read is counted, and only those: 50 calls a page in ap-northeast-1 (at least the
	// three before the deadline, and not all forty) and us-east-1's 20.
	got := map[string]int{}
	for _, r := range cov.Regions {
		got[r.Region] = r.Pages
	}
	if ap := got["ap-northeast-1"]; ap < 3 || ap >= 40 || got["us-east-1"] != 1 {
		t.Fatalf("pages read = %v, want 3 to 39 in ap-northeast-1 and 1 in us-east-1", got)
	}
	if read, want := u.Summary().AccessKeyCalls, 50*got["ap-northeast-1"]+20; read != want {
		t.Errorf("read %d calls, want %d (the pages read)", read, want)
	}
}

func TestInventoryAgainstTheEmulator(t *testing.T) {
	s := &emulator.Scenario{ReportDelay: emulator.Duration(300 * time.Millisecond), Root: emulator.Root{Keys: []emulator.RootKey{
		{ID: "AKIAIOSFODNN7EXAMPLE", Active: true, Created: scenarioNow.Add(-400 * 24 * time.Hour)},
	}}}
	url, _ := emulate(t, s)
	cfg := testenv.AWSConfig(url)
	inv, err := ReadInventory(t.Context(), iam.NewFromConfig(cfg))
	if err != nil {
		t.Fatal(err)
	}
	if !inv.KeysPresent || inv.Report == nil || len(inv.Report.Keys) != 1 || !inv.Report.Keys[0].Active || inv.Report.Keys[0].LastUsed != nil {
		t.Errorf("inventory = %+v (report error %q)", inv, inv.ReportError)
	}
	regions, err := EnabledRegions(t.Context(), account.NewFromConfig(cfg))
	if err != nil || fmt.Sprint(regions) != "[us-east-1]" {
		t.Errorf("EnabledRegions = %v, %v", regions, err)
	}
}

// fakeLookup is a LookupEvents client that answers one page, for records no emulator scenario
// can hold (a CloudTrailEvent that is not JSON, a bad eventTime).
type fakeLookup struct{ events []cttypes.Event }

func (f fakeLookup) LookupEvents(context.Context, *cloudtrail.LookupEventsInput, ...func(*cloudtrail.Options)) (*cloudtrail.LookupEventsOutput, error) {
	return &cloudtrail.LookupEventsOutput{Events: f.events}, nil
}

func TestCollectSkipsAndCountsUnreadableRecords(t *testing.T) {
	good := string(readFile(t, "cloudtrail-root-accesskey-event-ADAPTED.json"))
	events := []cttypes.Event{
		{CloudTrailEvent: aws.String(good)},
		{CloudTrailEvent: aws.String(good)}, // the same record twice
		{CloudTrailEvent: aws.String(`{"eventVersion": "1.08", "userIdentity": {"type": "Root"`)},
		{CloudTrailEvent: aws.String(strings.Replace(good, `"eventTime": "`, `"eventTime": "x`, 1))},
	}
	u := NewUsage(nil)
	c := &Collector{Client: func(string) cloudtrail.LookupEventsAPIClient { return fakeLookup{events} },
		Regions: []string{"us-east-1"}, Now: func() time.Time { return scenarioNow }}
	cov, err := c.Collect(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	s := u.Summary()
	got := struct {
		Events, Keys, Dups int
		Skipped            []Skipped
	}{cov.Regions[0].Events, s.AccessKeyCalls, s.DuplicateRecords, s.SkippedRecords}
	want := struct {
		Events, Keys, Dups int
		Skipped            []Skipped
	}{4, 1, 1, []Skipped{{"CloudTrailEvent is not JSON", 1}, {"eventTime is not an RFC 3339 time", 1}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
