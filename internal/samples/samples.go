// Package samples holds the real and documented AWS samples that tests across the project
// share — Security Hub finding events, CloudTrail records, credential reports — in one copy,
// embedded. SOURCES.md says where each one comes from. Tests and the demo read them; the
// function's code never imports it (a test checks).
package samples

import (
	"embed"
	"fmt"
	"path"
)

//go:embed findings/*.json cloudtrail/*.json iam/*.csv signals/*.json
var files embed.FS

// Finding returns the EventBridge finding event findings/<name>.json.
func Finding(name string) ([]byte, error) { return files.ReadFile(path.Join("findings", name+".json")) }

// CloudTrail returns the CloudTrail sample cloudtrail/<name>.json.
func CloudTrail(name string) ([]byte, error) {
	return files.ReadFile(path.Join("cloudtrail", name+".json"))
}

// IAM returns the IAM sample iam/<name> (with its extension, e.g. "credential-report-root.csv").
func IAM(name string) ([]byte, error) { return files.ReadFile(path.Join("iam", name)) }

// File returns the sample whose file name is name ("iam4-consolidated-failed.json",
// "credential-report-root.csv"), whichever folder holds it: the names are unique across folders,
// which TestFileNamesAreUnique keeps true, so tests that used to read a copy under testdata/ keep
// their file names.
func File(name string) ([]byte, error) {
	for _, dir := range folders {
		b, err := files.ReadFile(path.Join(dir, name))
		if err == nil {
			return b, nil
		}
	}
	return nil, fmt.Errorf("samples: no sample named %q in %v", name, folders)
}

// folders are the embedded folders, in the order File searches them.
var folders = []string{"findings", "cloudtrail", "iam", "signals"}

// Findings lists the names of every finding event, without the extension.
func Findings() []string { return list("findings") }

func list(dir string) []string {
	entries, _ := files.ReadDir(dir)
	var out []string
	for _, e := range entries {
		out = append(out, e.Name()[:len(e.Name())-len(path.Ext(e.Name()))])
	}
	return out
}
