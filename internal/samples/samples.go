// Package samples holds the real and documented AWS samples that tests across the project
// share — Security Hub finding events, CloudTrail records, credential reports — in one copy,
// embedded. SOURCES.md says where each one comes from. Tests only: production code never
// imports it.
package samples

import (
	"embed"
	"path"
)

//go:embed findings/*.json cloudtrail/*.json iam/*.csv
var files embed.FS

// Finding returns the EventBridge finding event findings/<name>.json.
func Finding(name string) ([]byte, error) { return files.ReadFile(path.Join("findings", name+".json")) }

// CloudTrail returns the CloudTrail sample cloudtrail/<name>.json.
func CloudTrail(name string) ([]byte, error) {
	return files.ReadFile(path.Join("cloudtrail", name+".json"))
}

// IAM returns the IAM sample iam/<name> (with its extension, e.g. "credential-report-root.csv").
func IAM(name string) ([]byte, error) { return files.ReadFile(path.Join("iam", name)) }

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
