package report

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iam4-responder/iam4-responder/lambda/internal/finding"
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

func TestEmailGolden(t *testing.T) {
	tests := []struct {
		file   string
		report Report
	}{
		{"email-opened.txt", New(Opened, sampleFinding(), "")},
		{"email-resolved.txt", New(Resolved, sampleFinding(), "control passed")},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			subject, body := tt.report.Email()
			golden(t, tt.file, "Subject: "+subject+"\n\n"+body)
		})
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
