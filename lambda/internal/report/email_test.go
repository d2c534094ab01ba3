package report

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iam4-responder/iam4-responder/lambda/internal/evidence/awsip"
	"github.com/iam4-responder/iam4-responder/lambda/internal/finding"
	"github.com/iam4-responder/iam4-responder/lambda/internal/investigation"
	"github.com/iam4-responder/iam4-responder/lambda/internal/trailread"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", name, diff)
	}
}

func sampleFinding() finding.Finding {
	return finding.Finding{
		ID:          "arn:aws:securityhub:us-west-2:111122223333:security-control/IAM.4/finding/09876543-p0o9-i8u7-y6t5-098765432109",
		ProductARN:  "arn:aws:securityhub:us-west-2::product/aws/securityhub",
		GeneratorID: "security-control/IAM.4",
		AccountID:   "111122223333",
		Region:      "us-west-2",
		Control:     "IAM.4",
		IAM4:        true,
		Compliance:  "FAILED",
		RecordState: "ACTIVE",
		Workflow:    "NEW",
		Severity:    "CRITICAL",
		UpdatedAt:   time.Date(2023, 11, 2, 11, 59, 15, 0, time.UTC),
	}
}

func TestEmailKeepsHostileTextInert(t *testing.T) {
	f := sampleFinding()
	// Intake has already checked the Region's shape and capped the id at ASFF's 512 characters.
	f.ID = "id\r\nBcc: victim@example.com\x1b[31m" + strings.Repeat("x", 480)
	subject, body := New(Resolved, f, "passed\n\nClick http://evil.example").Email()
	if strings.ContainsAny(subject, "\r\n") || len(subject) >= 100 {
		t.Errorf("subject breaks SNS's rules: %q", subject)
	}
	for _, bad := range []string{"\nBcc:", "\x1b", "\nClick"} {
		if strings.Contains(body, bad) {
			t.Errorf("body carries %q:\n%s", bad, body)
		}
	}
	for _, l := range strings.Split(body, "\n") {
		if len([]rune(l)) > 2048 {
			t.Errorf("line not capped (%d runes)", len([]rune(l)))
		}
	}
}

// sampleEvidence analyzes a small history: one key used daily from EC2 with an SDK and now and
// then from an office with the AWS CLI, and a console sign-in.
func sampleEvidence(t *testing.T, agent string) investigation.Result {
	t.Helper()
	if agent == "" {
		agent = "aws-cli/2.15.0 Python/3.11.6 Linux/6.1"
	}
	var lines []string
	rec := func(at time.Time, ip, ua, source, name, arn string) {
		r := map[string]any{
			"eventVersion": "1.09", "eventTime": at.Format(time.RFC3339), "eventSource": source, "eventName": name,
			"awsRegion": "ap-northeast-1", "sourceIPAddress": ip, "userAgent": ua, "eventType": "AwsApiCall",
			"userIdentity": map[string]any{"type": "Root", "accessKeyId": "AKIAIOSFODNN7EXAMPLE", "accountId": "111122223333"},
		}
		if arn != "" {
			r["resources"] = []any{map[string]any{"ARN": arn, "type": "AWS::S3::Object"}}
		}
		b, _ := json.Marshal(r)
		lines = append(lines, string(b))
	}
	t0 := time.Date(2026, 10, 1, 3, 0, 0, 0, time.UTC)
	for i := range 30 {
		rec(t0.AddDate(0, 0, i), "54.250.10.11", "aws-sdk-go-v2/1.30.0 os/linux lang/go#1.22", "s3.amazonaws.com", "PutObject", "arn:aws:s3:::example-backups/db.dump")
	}
	for i := range 3 {
		rec(t0.AddDate(0, 0, 7*i).Add(6*time.Hour), "203.0.113.7", agent, "ec2.amazonaws.com", "DescribeInstances", "")
	}
	// Read as `iam4 analyze` reads an export: the file through trailread, one summary per account.
	path := filepath.Join(t.TempDir(), "trail.jsonl")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	listing, err := trailread.Expand(t.Context(), []string{path}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ranges := testRanges(t)
	acc := trailread.NewAccounts(ranges)
	stats, err := trailread.Read(t.Context(), listing, trailread.Options{Strict: true}, acc.Add)
	if err != nil {
		t.Fatal(err)
	}
	res := investigation.FromLogs(acc.Summaries(), stats, ranges, t0)
	res.WindowStart, res.WindowEnd = time.Date(2026, 8, 3, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	return res
}

func testRanges(t *testing.T) *awsip.Ranges {
	r, err := awsip.Parse(strings.NewReader(`{"createDate":"2026-11-01-00-00-00","prefixes":[{"ip_prefix":"54.250.0.0/16","region":"ap-northeast-1","service":"EC2"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestEmailKeepsHostileEvidenceInert(t *testing.T) {
	r := New(Opened, sampleFinding(), "")
	ev := sampleEvidence(t, "aws-cli/2.0\r\nBcc: victim@example.com\x1b[2J @here <!channel>")
	r.Evidence = &ev
	_, body := r.Email()
	for _, bad := range []string{"\nBcc:", "\x1b", "\r"} {
		if strings.Contains(body, bad) {
			t.Errorf("body carries %q", bad)
		}
	}
}

func TestFindingURLEscapesTheID(t *testing.T) {
	f := sampleFinding()
	f.ID = "a b&c#d"
	u := New(Opened, f, "").FindingURL()
	if strings.ContainsAny(u[strings.Index(u, "search="):], " &") || strings.Count(u, "#") != 1 {
		t.Errorf("finding id not escaped in %s", u)
	}
}

func TestPartitionPicksTheConsole(t *testing.T) {
	f := sampleFinding()
	f.ProductARN = "arn:aws-cn:securityhub:cn-north-1::product/aws/securityhub"
	if got := New(Opened, f, "").CredentialsURL(); got != "https://console.amazonaws.cn/iam/home#/security_credentials" {
		t.Errorf("CredentialsURL = %s", got)
	}
}
