package samples

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

func TestEveryFindingSampleIsAnEventBridgeEvent(t *testing.T) {
	names := Findings()
	if len(names) < 8 {
		t.Fatalf("found %d finding samples, want at least 8", len(names))
	}
	for _, name := range names {
		raw, err := Finding(name)
		if err != nil {
			t.Fatal(err)
		}
		var ev struct {
			Source     string          `json:"source"`
			DetailType string          `json:"detail-type"`
			Detail     json.RawMessage `json:"detail"`
		}
		if err := json.Unmarshal(raw, &ev); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if name == "ocsf-finding-v2-iam1-pass" || name == "ocsf-finding-v2-sqs1-fail" {
			continue // bare OCSF findings, not events
		}
		if ev.Source != "aws.securityhub" || ev.DetailType == "" || len(ev.Detail) == 0 {
			t.Errorf("%s: source %q, detail-type %q: not a Security Hub event", name, ev.Source, ev.DetailType)
		}
	}
}

func TestFileNamesAreUnique(t *testing.T) {
	seen := map[string]string{}
	for _, dir := range folders {
		entries, err := files.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if other, ok := seen[e.Name()]; ok {
				t.Errorf("%s is in both %s and %s: File could not tell them apart", e.Name(), other, dir)
			}
			seen[e.Name()] = dir
		}
	}
}

func TestFileFindsEverySampleByItsName(t *testing.T) {
	tests := []struct {
		name    string
		read    func() ([]byte, error)
		wantErr bool
	}{
		{"iam4-consolidated-failed.json", func() ([]byte, error) { return Finding("iam4-consolidated-failed") }, false},
		{"root-console-signin.json", func() ([]byte, error) { return CloudTrail("root-console-signin") }, false},
		{"credential-report-root.csv", func() ([]byte, error) { return IAM("credential-report-root.csv") }, false},
		{"no-such-sample.json", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := File(tt.name)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("File(%q) = %d bytes, want an error", tt.name, len(got))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want, err := tt.read()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(want, got) {
				t.Errorf("File(%q) differs from the folder's own reader", tt.name)
			}
		})
	}
}

// TestTheFunctionNeverImportsSamples keeps the samples out of the function and the CLI: only test
// files under lambda/ may import this package (go list's Imports leaves test imports out).
func TestTheFunctionNeverImportsSamples(t *testing.T) {
	const self = "github.com/iam4-responder/iam4-responder/internal/samples"
	out, err := exec.CommandContext(t.Context(), "go", "list", "-deps", "-f", "{{.ImportPath}}",
		"github.com/iam4-responder/iam4-responder/lambda/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 20 {
		t.Fatalf("go list found %d packages under lambda/: %s", len(deps), out)
	}
	if slices.Contains(deps, self) {
		t.Errorf("production code under lambda/ imports %s (tests only)", self)
	}
}
