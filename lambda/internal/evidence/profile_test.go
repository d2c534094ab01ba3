package evidence

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iam4-responder/iam4-responder/lambda/internal/evidence/awsip"
)

func testRanges(t testing.TB) *awsip.Ranges {
	t.Helper()
	r, err := awsip.Parse(strings.NewReader(`{"createDate":"2026-11-01-00-00-00","prefixes":[
		{"ip_prefix":"54.250.0.0/16","region":"ap-northeast-1","service":"EC2"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func keyCall(key, ip, agent, action string, at time.Time) *Record {
	service, name, _ := strings.Cut(action, ":")
	return &Record{
		EventTime: at, EventSource: service + ".amazonaws.com", EventName: name, AWSRegion: "ap-northeast-1",
		SourceIP: ip, UserAgent: agent, EventType: "AwsApiCall",
		UserIdentity: Identity{Type: "Root", AccessKeyID: key},
	}
}

func TestUsageProfilesEachKey(t *testing.T) {
	u := NewUsage(testRanges(t))
	t0 := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	sdk := "aws-sdk-go-v2/1.30.0 os/linux lang/go#1.22"
	for i := range 10 {
		r := keyCall("AKIAIOSFODNN7EXAMPLE", "54.250.10.11", sdk, "s3:PutObject", t0.Add(time.Duration(i)*time.Hour))
		r.Resources = append(r.Resources, struct {
			ARN  string `json:"ARN"`
			Type string `json:"type"`
		}{"arn:aws:s3:::backups/db.dump", "AWS::S3::Object"})
		u.Add(r)
	}
	failed := keyCall("AKIAIOSFODNN7EXAMPLE", "203.0.113.9", "aws-cli/2.15.0 Python/3.11", "iam:ListUsers", t0.Add(-time.Hour))
	failed.ErrorCode = "AccessDenied"
	u.Add(failed)
	u.Add(record(t, "root-console-signin.json", nil))
	u.Add(record(t, "cloudtrail-iamuser-longterm-key-apicall.json", nil))

	got := u.Summary()
	want := Summary{
		RootRecords: 12, AccessKeyCalls: 11, SignIns: 1,
		ConsoleIPs: []Count{{"192.0.2.0", 1}},
		Keys: []KeyProfile{{
			ID: "AKIA…MPLE", KeyID: "AKIAIOSFODNN7EXAMPLE", Calls: 11, Errors: 1, FirstUse: t0.Add(-time.Hour), LastUse: t0.Add(9 * time.Hour),
			Regions: []Count{{"ap-northeast-1", 11}},
			SourceIPs: []IPCount{
				{IP: "54.250.10.11", Calls: 10, InsideAWS: true, AWSRegion: "ap-northeast-1", AWSService: "EC2", IPRanges: "2026-11-01-00-00-00",
					Activity: &Activity{FirstDay: "2026-10-01", PerDay: []int{10}, Hours: hours(map[int]int{0: 1, 1: 1, 2: 1, 3: 1, 4: 1, 5: 1, 6: 1, 7: 1, 8: 1, 9: 1})}},
				{IP: "203.0.113.9", Calls: 1, IPRanges: "2026-11-01-00-00-00",
					Activity: &Activity{FirstDay: "2026-09-30", PerDay: []int{1}, Hours: hours(map[int]int{23: 1})}},
			},
			Tools: []Count{{"AWS SDK for Go", 10}, {"AWS CLI", 1}},
			UserAgents: []AgentCount{
				{Tool: ToolGo, Agent: Text(sdk), Calls: 10},
				{Tool: ToolCLI, Agent: "aws-cli/2.15.0 Python/3.11", Calls: 1},
			},
			Actions: []ActionCount{
				{Action: "s3:PutObject", Calls: 10, Resources: []Text{"arn:aws:s3:::backups/db.dump"}, AllNamed: true,
					Callers: []ActionCaller{{IP: "54.250.10.11", Calls: 10, Resources: []Text{"arn:aws:s3:::backups/db.dump"}, AllNamed: true}}},
				{Action: "iam:ListUsers", Calls: 1, Errors: 1, Callers: []ActionCaller{{IP: "203.0.113.9", Calls: 1, Errors: 1}}},
			},
			InsideCalls: 10, OutsideCalls: 1,
		}},
		SkippedRecords: []Skipped{},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Summary (-want +got):\n%s", diff)
	}
}

// hours is a caller's calls per hour of day from the hours that had any.
func hours(m map[int]int) []int {
	out := make([]int, 24)
	for h, n := range m {
		out[h] = n
	}
	return out
}

func TestUsageKeepsHostileStringsCappedAndCountsExact(t *testing.T) {
	u := NewUsage(testRanges(t))
	t0 := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	long := "<!channel> @here [click](http://evil.example) " + strings.Repeat("A", 5000)
	const n = 2000
	for i := range n {
		// Every call a new user agent and address: far more than are kept.
		u.Add(keyCall("AKIAIOSFODNN7EXAMPLE", fmt.Sprintf("198.51.%d.%d", i/256, i%256),
			fmt.Sprintf("%s-%d\x00\x1b[31m", long, i), "s3:GetObject", t0))
	}
	k := u.Summary().Keys[0]
	if k.Calls != n {
		t.Fatalf("calls = %d, want %d", k.Calls, n)
	}
	sum := func(f func(i int) int, m int) int {
		s := 0
		for i := range m {
			s += f(i)
		}
		return s
	}
	if got := sum(func(i int) int { return k.SourceIPs[i].Calls }, len(k.SourceIPs)); got != n || len(k.SourceIPs) > maxIPs+1 {
		t.Errorf("source IPs: %d entries counting %d calls", len(k.SourceIPs), got)
	}
	if got := sum(func(i int) int { return k.UserAgents[i].Calls }, len(k.UserAgents)); got != n || len(k.UserAgents) > maxAgents+1 {
		t.Errorf("user agents: %d entries counting %d calls", len(k.UserAgents), got)
	}
	for _, a := range k.UserAgents {
		if len([]rune(string(a.Agent))) > capUserAgent {
			t.Errorf("user agent not capped: %d runes", len([]rune(string(a.Agent))))
		}
	}
}

func TestMaskKey(t *testing.T) {
	for in, want := range map[string]string{"AKIAIOSFODNN7EXAMPLE": "AKIA…MPLE", "short": "…", "": "…"} {
		if got := MaskKey(in); got != want {
			t.Errorf("MaskKey(%q) = %q, want %q", in, got, want)
		}
	}
}

// Two keys of one summary that end alike are masked apart, and sorted by calls then mask.
func TestUsageMasksItsKeysApart(t *testing.T) {
	u := NewUsage(testRanges(t))
	t0 := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	for i, key := range []string{"AKIAIOSFODNN7EXAMPLE", "AKIAI44QH8DHBEXAMPLE", "AKIAI44QH8DHBEXAMPLE"} {
		u.Add(keyCall(key, "203.0.113.9", "aws-cli/2.15.0", "iam:ListUsers", t0.Add(time.Duration(i)*time.Hour)))
	}
	var got []string
	for _, k := range u.Summary().Keys {
		got = append(got, fmt.Sprintf("%s %d", k.ID, k.Calls))
	}
	if diff := cmp.Diff([]string{"AKIA…BEXAMPLE 2", "AKIA…7EXAMPLE 1"}, got); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
}
