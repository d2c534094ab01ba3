package report

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iam4-responder/iam4-responder/lambda/internal/evidence"
	"github.com/iam4-responder/iam4-responder/lambda/internal/evidence/awsip"
	"github.com/iam4-responder/iam4-responder/lambda/internal/investigation"
	"github.com/iam4-responder/iam4-responder/lambda/internal/trailread"
)

func terminalRanges(t *testing.T) *awsip.Ranges {
	t.Helper()
	r, err := awsip.Parse(strings.NewReader(`{"createDate":"2026-11-01-00-00-00","prefixes":[` +
		`{"ip_prefix":"54.250.0.0/16","region":"ap-northeast-1","service":"EC2"},` +
		`{"ip_prefix":"3.5.0.0/16","region":"us-east-1","service":"AMAZON"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

var t0 = time.Date(2026, 10, 1, 9, 30, 0, 0, time.FixedZone("JST", 9*3600))

// keyCall is a root call signed with the documentation's long-term key.
func keyCall(ip, agent, action string, at time.Time) *evidence.Record {
	service, name, _ := strings.Cut(action, ":")
	return &evidence.Record{EventTime: at, EventSource: service + ".amazonaws.com", EventName: name, AWSRegion: "us-east-1",
		SourceIP: ip, UserAgent: agent, EventType: "AwsApiCall",
		UserIdentity: evidence.Identity{Type: "Root", AccountID: "111122223333", AccessKeyID: "AKIAIOSFODNN7EXAMPLE"}}
}

func signIn(ip string, at time.Time) *evidence.Record {
	return &evidence.Record{EventTime: at, EventSource: "signin.amazonaws.com", EventName: "ConsoleLogin",
		EventType: "AwsConsoleSignIn", SourceIP: ip, UserAgent: "Mozilla/5.0", UserIdentity: evidence.Identity{Type: "Root"}}
}

// busyAccount is an account whose key is called from EC2 in Tokyo, from one IPv6 address once,
// and then from 300 addresses outside AWS: more than evidence keeps one by one.
func busyAccount(t *testing.T, u *evidence.Usage) {
	t.Helper()
	for i := range 40 {
		u.Add(keyCall(fmt.Sprintf("54.250.10.%d", i%3), "Boto3/1.34.100", "ec2:DescribeInstances", t0.Add(time.Duration(i)*time.Hour)))
	}
	u.Add(keyCall("2001:db8:1234:5678::7", "terraform/1.7", "iam:ListUsers", t0.Add(48*time.Hour)))
	for i := range 300 {
		// 70 versions of the CLI: more user agents than evidence keeps.
		u.Add(keyCall(fmt.Sprintf("198.51.%d.%d", 100+i/200, i%200), fmt.Sprintf("aws-cli/2.15.%d Python/3.11.6", i%70),
			"s3:ListBuckets", t0.Add(time.Duration(i)*time.Minute)))
	}
	u.Add(signIn("203.0.113.7", t0))
	u.Add(signIn("203.0.113.9", t0.Add(time.Hour)))
}

func TestTerminalReport(t *testing.T) {
	ranges := terminalRanges(t)
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	one := evidence.NewUsage(ranges)
	busyAccount(t, one)
	quiet := evidence.NewUsage(ranges)
	quiet.Add(keyCall("3.5.1.1", "aws-sdk-go-v2/1.30.0", "s3:GetObject", t0))
	stats := trailread.Stats{FilesRead: 12, FilesSkipped: 3, DigestFiles: 1, OtherFiles: 1, BrokenFiles: 1,
		Skipped: []trailread.Skip{{File: "AWSLogs/111122223333/CloudTrail/us-east-1/2026/10/01/x.json.gz", Reason: "truncated (unexpected end of file)"}},
		Records: 400_000, RootRecords: 343, FirstEvent: t0, LastEvent: t0.Add(72 * time.Hour)}
	tests := []struct {
		name   string
		golden string
		lang   Lang
		res    investigation.Result
	}{
		{"one account", "terminal-one-account.txt", English,
			investigation.FromLogs(map[string]evidence.Summary{"111122223333": one.Summary()}, stats, ranges, now)},
		{"one account in Japanese", "terminal-one-account-ja.txt", Japanese,
			investigation.FromLogs(map[string]evidence.Summary{"111122223333": one.Summary()}, stats, ranges, now)},
		{"an organization trail, interrupted", "terminal-accounts-partial.txt", English,
			investigation.FromLogs(map[string]evidence.Summary{"111122223333": one.Summary(), "444455556666": quiet.Summary()},
				trailread.Stats{FilesRead: 2, Records: 10, RootRecords: 344, Interrupted: true, FirstEvent: t0, LastEvent: t0}, ranges, now)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := Terminal(&b, tt.res, tt.lang); err != nil {
				t.Fatal(err)
			}
			got := b.String()
			path := filepath.Join("testdata", tt.golden)
			if *update {
				if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", path, diff)
			}
		})
	}
}

func TestTerminalReportReadsWell(t *testing.T) {
	ranges := terminalRanges(t)
	u := evidence.NewUsage(ranges)
	busyAccount(t, u)
	res := investigation.FromLogs(map[string]evidence.Summary{"111122223333": u.Summary()},
		trailread.Stats{FilesRead: 1, Records: 343, RootRecords: 343}, ranges, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	var b bytes.Buffer
	if err := Terminal(&b, res, English); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	checks := []struct {
		name string
		ok   bool
	}{
		{"console sign-in addresses are shown", strings.Contains(out, "203.0.113.7") && strings.Contains(out, "203.0.113.9")},
		{"no (other) caller", !strings.Contains(out, "(other)")},
		{"addresses outside AWS grouped by /24", strings.Contains(out, "198.51.100.0/24") && strings.Contains(out, "198.51.101.0/24")},
		{"IPv6 grouped by /48", strings.Contains(out, "2001:db8:1234::/48")},
		{"AWS addresses by service and Region", strings.Contains(out, "AWS EC2 ap-northeast-1")},
		{"calls beyond the kept addresses are counted", strings.Contains(out, "further addresses")},
		{"calls beyond the kept user agents are counted", strings.Contains(out, "further user agents")},
		{"one call is singular", strings.Contains(out, " 1 call from ") && !strings.Contains(out, " 1 calls")},
		{"times are UTC and say so", strings.Contains(out, "2026-10-01 00:30 UTC") && !strings.Contains(out, "09:30")},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s:\n%s", c.name, out)
		}
	}
	for _, line := range strings.Split(out, "\n") {
		if !strings.HasPrefix(line, "  ") && len([]rune(line)) > 200 && !strings.Contains(line, "[ ]") {
			t.Errorf("line of %d characters:\n%s", len([]rune(line)), line)
		}
	}
}
