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

// goList runs go list with a template over the module's packages under lambda/.
func goList(t *testing.T, args ...string) []string {
	t.Helper()
	args = append([]string{"list"}, append(args, "github.com/iam4-responder/iam4-responder/lambda/...")...)
	out, err := exec.CommandContext(t.Context(), "go", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("go %v: %v\n%s", args, err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) < 20 {
		t.Fatalf("go list found %d packages under lambda/: %s", len(lines), out)
	}
	return lines
}

// TestLambdaHoldsProductionCodeOnly keeps test doubles, fixtures and tools out of the code that
// ships: no package under lambda/ (test files aside: go list's Imports leaves them out) depends on
// the samples, the test stores and helpers or the trail generator; the function itself depends
// on nothing of the top-level internal/ at all (the CLI has `iam4 emulator`); and the only
// commands under lambda/ are the function and the CLI.
func TestLambdaHoldsProductionCodeOnly(t *testing.T) {
	const module = "github.com/iam4-responder/iam4-responder/"
	testOnly := []string{"internal/samples", "internal/memstore", "internal/testenv", "internal/faults",
		"internal/localaws", "internal/trailgen"}
	for _, dep := range goList(t, "-deps", "-f", "{{.ImportPath}}") {
		for _, p := range testOnly {
			if dep == module+p || strings.HasPrefix(dep, module+p+"/") {
				t.Errorf("production code under lambda/ depends on %s (tests only)", dep)
			}
		}
	}
	out, err := exec.CommandContext(t.Context(), "go", "list", "-deps", "-f", "{{.ImportPath}}", module+"lambda/cmd/responder").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, module+"internal/") {
			t.Errorf("the Lambda function depends on %s", dep)
		}
	}
	var commands []string
	for _, line := range goList(t, "-f", "{{.Name}} {{.ImportPath}}") {
		if name, path, _ := strings.Cut(line, " "); name == "main" {
			commands = append(commands, strings.TrimPrefix(path, module))
		}
	}
	if want := []string{"lambda/cmd/iam4", "lambda/cmd/responder"}; !slices.Equal(commands, want) {
		t.Errorf("commands under lambda/: %v, want only %v (tools and benches belong under internal/ or in _test.go files)", commands, want)
	}
}
