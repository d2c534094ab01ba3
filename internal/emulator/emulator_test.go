package emulator

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	accountapi "github.com/aws/aws-sdk-go-v2/service/account"
	accounttypes "github.com/aws/aws-sdk-go-v2/service/account/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/iam4-responder/iam4-responder/internal/faults"
	"github.com/iam4-responder/iam4-responder/internal/testenv"
)

func start(t *testing.T, name string, edit func(*Scenario)) (*Server, string) {
	t.Helper()
	s, err := LoadScenario(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(s)
	}
	srv, err := New(s, nil)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return srv, hs.URL
}

func config(url, region string) aws.Config {
	cfg := testenv.AWSConfig(url)
	cfg.Region = region
	// No retry of what the emulator answers (the tests see each throttle and error), but a
	// connection the loopback lost under a loaded machine is tried again.
	cfg.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 3
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 10 * time.Millisecond, nil })
			o.Retryables = []retry.IsErrorRetryable{retry.IsErrorRetryableFunc(func(err error) aws.Ternary {
				return aws.BoolTernary(err != nil && strings.Contains(err.Error(), "use of closed network connection"))
			})}
		})
	}
	return cfg
}

func rootLookup(region string) *cloudtrail.LookupEventsInput {
	return &cloudtrail.LookupEventsInput{LookupAttributes: []cttypes.LookupAttribute{{
		AttributeKey: cttypes.LookupAttributeKeyUsername, AttributeValue: aws.String("root"),
	}}}
}

func TestLookupEventsPagesRootEventsNewestFirst(t *testing.T) {
	_, url := start(t, "small.json", func(s *Scenario) { s.Rate = &Rate{PerSecond: 1000, Burst: 1000} })
	client := cloudtrail.NewFromConfig(config(url, "ap-northeast-1"))
	pages := cloudtrail.NewLookupEventsPaginator(client, rootLookup("ap-northeast-1"))
	var sizes []int
	var last time.Time
	for pages.HasMorePages() {
		page, err := pages.NextPage(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(page.Events))
		for _, ev := range page.Events {
			if !last.IsZero() && ev.EventTime.After(last) {
				t.Fatalf("events out of order: %v after %v", ev.EventTime, last)
			}
			last = *ev.EventTime
			if aws.ToString(ev.Username) != "root" || !strings.Contains(aws.ToString(ev.CloudTrailEvent), `"type":"Root"`) {
				t.Fatalf("not a root event: %+v", ev)
			}
		}
	}
	if diff := cmp.Diff([]int{50, 50, 20}, sizes); diff != "" {
		t.Errorf("page sizes (-want +got):\n%s", diff)
	}
}

func TestLookupEventsFiltersAndLimits(t *testing.T) {
	_, url := start(t, "small.json", func(s *Scenario) { s.Rate = &Rate{PerSecond: 1000, Burst: 1000} })
	ctx := t.Context()
	count := func(region string, in *cloudtrail.LookupEventsInput) int {
		t.Helper()
		n := 0
		pages := cloudtrail.NewLookupEventsPaginator(cloudtrail.NewFromConfig(config(url, region)), in)
		for pages.HasMorePages() {
			p, err := pages.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			n += len(p.Events)
		}
		return n
	}
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		region string
		in     *cloudtrail.LookupEventsInput
		want   int
	}{
		{"root sign-ins in us-east-1", "us-east-1", rootLookup("us-east-1"), 3},
		{"an IAM user's call is not a root event", "eu-west-1", rootLookup("eu-west-1"), 0},
		{"every event without an attribute", "eu-west-1", &cloudtrail.LookupEventsInput{}, 1},
		{"by access key", "ap-northeast-1", &cloudtrail.LookupEventsInput{LookupAttributes: []cttypes.LookupAttribute{{
			AttributeKey: cttypes.LookupAttributeKeyAccessKeyId, AttributeValue: aws.String("AKIAIOSFODNN7EXAMPLE")}}}, 120},
		{"by event name", "ap-northeast-1", &cloudtrail.LookupEventsInput{LookupAttributes: []cttypes.LookupAttribute{{
			AttributeKey: cttypes.LookupAttributeKeyEventName, AttributeValue: aws.String("CreateSnapshot")}}}, 60},
		// Event history holds management events only: the key's S3 object calls are in the
		// scenario (a trail would log them) but never served.
		{"an S3 data event is never in event history", "ap-northeast-1", &cloudtrail.LookupEventsInput{LookupAttributes: []cttypes.LookupAttribute{{
			AttributeKey: cttypes.LookupAttributeKeyEventName, AttributeValue: aws.String("PutObject")}}}, 0},
		{"insights are asked for apart, and there are none", "ap-northeast-1", &cloudtrail.LookupEventsInput{
			EventCategory: cttypes.EventCategoryInsight}, 0},
		{"last 5 days of 30", "ap-northeast-1", &cloudtrail.LookupEventsInput{
			LookupAttributes: rootLookup("").LookupAttributes, StartTime: aws.Time(now.Add(-5 * 24 * time.Hour))}, 20},
		{"another Region has its own history", "eu-central-1", rootLookup("eu-central-1"), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := count(tt.region, tt.in); got != tt.want {
				t.Errorf("events = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestLookupEventsRejectsWhatCloudTrailRejects(t *testing.T) {
	_, url := start(t, "small.json", func(s *Scenario) { s.Rate = &Rate{PerSecond: 1000, Burst: 1000} })
	client := cloudtrail.NewFromConfig(config(url, "us-east-1"))
	tests := []struct {
		name string
		in   *cloudtrail.LookupEventsInput
		code string
	}{
		{"two attributes", &cloudtrail.LookupEventsInput{LookupAttributes: []cttypes.LookupAttribute{
			{AttributeKey: cttypes.LookupAttributeKeyUsername, AttributeValue: aws.String("root")},
			{AttributeKey: cttypes.LookupAttributeKeyEventName, AttributeValue: aws.String("x")},
		}}, "InvalidLookupAttributesException"},
		{"more than 50 a page", &cloudtrail.LookupEventsInput{MaxResults: aws.Int32(51)}, "InvalidMaxResultsException"},
		{"start after end", &cloudtrail.LookupEventsInput{StartTime: aws.Time(time.Now()), EndTime: aws.Time(time.Now().Add(-time.Hour))}, "InvalidTimeRangeException"},
		{"forged token", &cloudtrail.LookupEventsInput{NextToken: aws.String("Zm9yZ2Vk")}, "InvalidNextTokenException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := client.LookupEvents(t.Context(), tt.in)
			var apiErr smithy.APIError
			if !errors.As(err, &apiErr) || apiErr.ErrorCode() != tt.code {
				t.Errorf("error = %v, want %s", err, tt.code)
			}
		})
	}
}

func TestLookupEventsThrottlesAboveTwoPerSecondPerRegion(t *testing.T) {
	srv, url := start(t, "small.json", nil)
	clock := faults.NewClock(time.Now()) // stopped: the calls come at one instant, however slow
	srv.SetClock(clock.Now)
	ctx := t.Context()
	client := cloudtrail.NewFromConfig(config(url, "ap-northeast-1"))
	// allowed counts the server's own decisions: a call the client tries again after the loopback
	// lost its answer takes a token too, so the count of calls is not the count of tokens.
	allowed := func() int64 { return srv.Requests.Load() - srv.Throttled.Load() }
	burst := func(calls int) (throttled int) {
		t.Helper()
		for range calls {
			_, err := client.LookupEvents(ctx, rootLookup(""))
			var apiErr smithy.APIError
			if errors.As(err, &apiErr) && apiErr.ErrorCode() == "ThrottlingException" {
				throttled++
				if !retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err).Bool() {
					t.Error("the SDK does not see the error as throttling")
				}
			} else if err != nil {
				t.Fatal(err)
			}
		}
		return throttled
	}
	if throttled := burst(5); allowed() != 2 || throttled < 3 {
		t.Errorf("5 back-to-back calls: %d allowed, %d throttled; want 2 allowed (a bucket of 2), the others throttled", allowed(), throttled)
	}
	// Regions have their own buckets.
	if _, err := cloudtrail.NewFromConfig(config(url, "eu-west-1")).LookupEvents(ctx, rootLookup("")); err != nil {
		t.Errorf("another Region was throttled too: %v", err)
	}
	// A second later the bucket holds two tokens again, and only two.
	clock.Advance(time.Second)
	before := allowed()
	if throttled := burst(3); allowed()-before != 2 || throttled < 1 {
		t.Errorf("a second later: %d allowed, %d throttled; want 2 allowed", allowed()-before, throttled)
	}
}

func TestIAMServesTheRootRowOfTheCredentialReport(t *testing.T) {
	srv, url := start(t, "small.json", func(s *Scenario) { s.ReportDelay = Duration(200 * time.Millisecond) })
	clock := faults.NewClock(time.Now())
	srv.SetClock(clock.Now)
	client := iam.NewFromConfig(config(url, "us-east-1"))
	ctx := t.Context()
	sum, err := client.GetAccountSummary(ctx, &iam.GetAccountSummaryInput{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.SummaryMap["AccountAccessKeysPresent"] != 1 {
		t.Errorf("AccountAccessKeysPresent = %d", sum.SummaryMap["AccountAccessKeysPresent"])
	}
	if _, err := client.GetCredentialReport(ctx, &iam.GetCredentialReportInput{}); !isCode(err, "ReportNotPresent") {
		t.Errorf("report before generation: %v", err)
	}
	// The report takes 200 ms to generate on the server's clock, which the test moves.
	var states []string
	generate := func() {
		t.Helper()
		out, err := client.GenerateCredentialReport(ctx, &iam.GenerateCredentialReportInput{})
		if err != nil {
			t.Fatal(err)
		}
		states = append(states, string(out.State))
	}
	generate()
	generate()
	if _, err := client.GetCredentialReport(ctx, &iam.GetCredentialReportInput{}); !isCode(err, "ReportInProgress") {
		t.Errorf("report while generating: %v", err)
	}
	clock.Advance(200 * time.Millisecond)
	generate()
	if diff := cmp.Diff([]string{"STARTED", "INPROGRESS", "COMPLETE"}, states); diff != "" {
		t.Errorf("GenerateCredentialReport states (-want +got):\n%s", diff)
	}
	rep, err := client.GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(rep.Content)), "\n")
	want := "<root_account>,arn:aws:iam::111122223333:root,"
	if len(lines) != 2 || !strings.HasPrefix(lines[1], want) ||
		!strings.Contains(lines[1], ",true,2024-01-10T09:00:00+00:00,2026-10-31T23:50:00+00:00,ap-northeast-1,s3,true,2023-03-01T09:00:00+00:00,N/A,N/A,N/A,") {
		t.Errorf("report:\n%s", rep.Content)
	}
}

func TestListRegions(t *testing.T) {
	_, url := start(t, "small.json", nil)
	out, err := accountapi.NewFromConfig(config(url, "us-east-1")).ListRegions(t.Context(), &accountapi.ListRegionsInput{
		RegionOptStatusContains: []accounttypes.RegionOptStatus{accounttypes.RegionOptStatusEnabled, accounttypes.RegionOptStatusEnabledByDefault},
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range out.Regions {
		got = append(got, aws.ToString(r.RegionName))
	}
	if diff := cmp.Diff([]string{"ap-northeast-1", "eu-west-1", "us-east-1"}, got); diff != "" {
		t.Errorf("regions (-want +got):\n%s", diff)
	}
}

// TestAWSCLIReadsTheEmulator runs the AWS CLI itself against the emulator, as an ops engineer
// would: lookup-events with the documented root attribute and get-credential-report.
func TestAWSCLIReadsTheEmulator(t *testing.T) {
	cli, err := exec.LookPath("aws")
	if err != nil {
		testenv.Missing(t, "aws (AWS CLI)", err)
	}
	_, url := start(t, "small.json", nil)
	run := func(args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, cli, append(args, "--endpoint-url", url, "--output", "text")...)
		cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY=test",
			"AWS_DEFAULT_REGION=us-east-1", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	out := run("cloudtrail", "lookup-events", "--region", "ap-northeast-1",
		"--lookup-attributes", "AttributeKey=Username,AttributeValue=root",
		"--query", "length(Events)")
	// The CLI pages by itself and applies --query to each page.
	total := 0
	for _, f := range strings.Fields(out) {
		n, err := strconv.Atoi(f)
		if err != nil {
			t.Fatalf("aws cloudtrail lookup-events: %q", out)
		}
		total += n
	}
	if total != 120 {
		t.Errorf("aws cloudtrail lookup-events counted %d root events (%q), want 120", total, out)
	}
	run("iam", "generate-credential-report")
	out = run("iam", "get-credential-report", "--query", "Content")
	csv, err := base64.StdEncoding.DecodeString(strings.TrimSpace(out))
	if err != nil || !strings.Contains(string(csv), "\n<root_account>,arn:aws:iam::111122223333:root,") {
		t.Errorf("aws iam get-credential-report: %v %s", err, csv)
	}
}

func isCode(err error, code string) bool {
	var apiErr smithy.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode() == code
}

func TestScenarioErrorsNameTheField(t *testing.T) {
	tests := []struct {
		name string
		s    Scenario
		want string
	}{
		{"short account", Scenario{Account: "1"}, "account:"},
		{"three keys", Scenario{Account: "111122223333", Root: Root{Keys: make([]RootKey, 3)}}, "root.keys"},
		{"bad kind", Scenario{Account: "111122223333", Generate: []Generator{{Kind: "x", Region: "r", Days: 1, IPs: []string{"i"}}}}, "generate[0].kind"},
		{"key-less access-key calls", Scenario{Account: "111122223333", Generate: []Generator{{Region: "r", Days: 1, IPs: []string{"i"}}}}, "generate[0].key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(&tt.s, nil); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New error = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestLookupEventsServesManagementEventsOnly(t *testing.T) {
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	record := func(id, name, extra string) json.RawMessage {
		return json.RawMessage(`{"eventVersion": "1.09", "userIdentity": {"type": "Root", "accountId": "111122223333",
			"accessKeyId": "AKIAIOSFODNN7EXAMPLE"}, "eventTime": "2026-10-31T12:00:00Z", "eventSource": "s3.amazonaws.com",
			"eventName": "` + name + `", "awsRegion": "eu-west-1", "sourceIPAddress": "203.0.113.7", "eventID": "` + id + `"` + extra + `}`)
	}
	s := &Scenario{Account: "111122223333", Now: now, Events: []json.RawMessage{
		record("mgmt", "ListBuckets", `, "managementEvent": true, "eventCategory": "Management"`),
		record("data-by-category", "GetObject", `, "managementEvent": false, "eventCategory": "Data"`),
		record("data-by-flag", "PutObject", `, "managementEvent": false`),
		record("data-by-name", "DeleteObject", ``), // eventVersion < 1.07 records lack both fields
		record("mgmt-by-name", "CreateBucket", ``),
	}}
	srv, err := New(s, nil)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	out, err := cloudtrail.NewFromConfig(config(hs.URL, "eu-west-1")).LookupEvents(t.Context(), rootLookup("eu-west-1"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ev := range out.Events {
		got = append(got, aws.ToString(ev.EventId))
	}
	if diff := cmp.Diff([]string{"mgmt", "mgmt-by-name"}, got); diff != "" {
		t.Errorf("served events (-want +got):\n%s", diff)
	}
}
