package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var updateRender = flag.Bool("update", false, "rewrite the golden files in testdata/render/")

// resultFile is `iam4 analyze --format json` of the shared CloudTrail samples and testdata's
// fixture (see testdata/render/SOURCES.md).
const resultFile = "testdata/render/result.json"

// TestRenderGolden previews every channel in both languages, for an opened and a resolved case,
// from an analyze result; go test -update rewrites the golden files.
func TestRenderGolden(t *testing.T) {
	ext := map[string]string{"email": "txt", "chat": "json", "jira": "json", "opsitem": "json", "note": "txt"}
	for _, channel := range []string{"email", "chat", "jira", "opsitem", "note"} {
		for _, lang := range []string{"en", "ja"} {
			for _, kind := range []string{"opened", "resolved"} {
				e := ext[channel]
				if channel == "opsitem" && kind == "resolved" {
					e = "txt" // the resolution note
				}
				name := fmt.Sprintf("%s-%s-%s.%s", channel, kind, lang, e)
				t.Run(name, func(t *testing.T) {
					out, stderr, code := runCLI(t, "render", "--channel", channel, "--lang", lang, "--kind", kind,
						"--account", "111122223333", "--region", "eu-west-1", "--tickets", "jira=SEC-42,opsitem=oi-1a2b3c4d5e6f", resultFile)
					if code != exitClean {
						t.Fatalf("exit %d\n%s", code, stderr)
					}
					renderGolden(t, name, out)
				})
			}
		}
	}
}

func renderGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "render", name)
	if *updateRender {
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

func TestRenderWritesTheJiraAttachments(t *testing.T) {
	dir := t.TempDir()
	if _, stderr, code := runCLI(t, "render", "--channel", "jira", "--account", "111122223333", "--attachments", dir, resultFile); code != exitClean {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	var got []string
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if diff := cmp.Diff([]string{"evidence.json", "policy-iam4-root-key-user-1.json"}, got); diff != "" {
		t.Errorf("attachments (-want +got):\n%s", diff)
	}
}

func TestRenderRefusesWhatItCannotRender(t *testing.T) {
	// A result of logs that named no recipient account.
	var res map[string]any
	raw, err := os.ReadFile(resultFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &res); err != nil {
		t.Fatal(err)
	}
	delete(res, "account")
	noAccount := filepath.Join(t.TempDir(), "no-account.json")
	raw, _ = json.Marshal(res)
	if err := os.WriteFile(noAccount, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown channel", []string{"--channel", "fax", "--account", "111122223333", resultFile}, `--channel "fax"`},
		{"unknown language", []string{"--lang", "fr", "--account", "111122223333", resultFile}, `language "fr"`},
		{"unknown kind", []string{"--kind", "closed", "--account", "111122223333", resultFile}, `--kind "closed"`},
		{"a result that names no account", []string{noAccount}, "pass --account"},
		{"not a JSON result", []string{"--account", "111122223333", "testdata/FIXTURES.md"}, "is not an analyze or investigate JSON result"},
		{"bad ticket list", []string{"--tickets", "jira", "--account", "111122223333", resultFile}, "want sink=ref"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, stderr, code := runCLI(t, append([]string{"render"}, tc.args...)...)
			if code == exitClean || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q, want a failure saying %q", code, stderr, tc.want)
			}
		})
	}
}
