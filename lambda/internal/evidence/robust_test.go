package evidence

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestUnreadableRecordsAreSkippedAndCounted(t *testing.T) {
	good := string(readFile(t, "cloudtrail-root-accesskey-event-ADAPTED.json"))
	tests := []struct {
		name   string
		record string
		want   string // the reason; "" for a readable record
	}{
		{"a readable record", good, ""},
		{"eventTime that is not a time", strings.Replace(good, `"eventTime": "`, `"eventTime": "yesterday`, 1), "eventTime is not an RFC 3339 time"},
		{"eventTime a number", `{"eventTime": 1700000000, "userIdentity": {"type": "Root"}}`, "eventTime is not an RFC 3339 time"},
		{"eventTime missing", `{"eventName": "ListUsers", "userIdentity": {"type": "Root"}}`, "eventTime is missing"},
		{"userIdentity a string", `{"eventTime": "2026-10-01T00:00:00Z", "userIdentity": "root"}`, "userIdentity has the wrong type: a JSON string"},
		{"accessKeyId a number", `{"eventTime": "2026-10-01T00:00:00Z", "userIdentity": {"type": "Root", "accessKeyId": 7}}`, "userIdentity.accessKeyId has the wrong type: a JSON number"},
		{"an array, not a record", `[1, 2]`, "not a record: a JSON array where an object belongs"},
		{"sessionCredentialFromConsole as a boolean is readable", `{"eventTime": "2026-10-01T00:00:00Z", "sessionCredentialFromConsole": true, "userIdentity": {"type": "Root"}}`, ""},
		{"an odd responseElements is readable", `{"eventTime": "2026-10-01T00:00:00Z", "responseElements": {"credentials": [1]}, "userIdentity": {"type": "Root"}}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r Record
			if err := json.Unmarshal([]byte(tt.record), &r); err != nil {
				t.Fatalf("decoding failed instead of marking the record: %v", err)
			}
			if r.Unreadable != tt.want {
				t.Errorf("Unreadable = %q, want %q", r.Unreadable, tt.want)
			}
		})
	}
}

func TestUsageCountsSkippedAndDuplicateRecords(t *testing.T) {
	good := readFile(t, "cloudtrail-root-accesskey-event-ADAPTED.json")
	bad := `{"Records": [{"eventTime": "not a time", "userIdentity": {"type": "Root"}},
		{"eventTime": "still not", "userIdentity": {"type": "Root"}}, {"eventTime": 1}]}`
	u := NewUsage(nil)
	for _, in := range []string{string(good), string(good), bad} { // the same record read twice
		for _, r := range decodeRecords(t, in) {
			u.Add(r)
		}
	}
	u.Skip("CloudTrailEvent is not JSON")
	s := u.Summary()
	got := struct {
		Root, Key, Dups, Skipped int
		Reasons                  []Skipped
	}{s.RootRecords, s.AccessKeyCalls, s.DuplicateRecords, s.Skipped(), s.SkippedRecords}
	want := struct {
		Root, Key, Dups, Skipped int
		Reasons                  []Skipped
	}{1, 1, 1, 4, []Skipped{{"eventTime is not an RFC 3339 time", 3}, {"CloudTrailEvent is not JSON", 1}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// decodeRecords reads a log file ({"Records": [...]}) or one record, as CloudTrail writes them
// (the CLI's reader of every export shape is tested in trailread).
func decodeRecords(t *testing.T, in string) []*Record {
	t.Helper()
	var file struct{ Records []*Record }
	if err := json.Unmarshal([]byte(in), &file); err == nil && file.Records != nil {
		return file.Records
	}
	var r Record
	if err := json.Unmarshal([]byte(in), &r); err != nil {
		t.Fatal(err)
	}
	return []*Record{&r}
}

func TestPlaceholderEventIDsDoNotHideDistinctRecords(t *testing.T) {
	// Fixtures and user-guide examples reuse eventIDs such as "1"; real duplicates match on
	// every field the de-duplication reads.
	t0 := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	a := keyCall("AKIAIOSFODNN7EXAMPLE", "203.0.113.9", "aws-cli/2.15.0", "iam:ListUsers", t0)
	b := keyCall("AKIAIOSFODNN7EXAMPLE", "203.0.113.9", "aws-cli/2.15.0", "iam:ListRoles", t0.Add(time.Minute))
	a.EventID, b.EventID = "1", "1"
	again := *a
	u := NewUsage(nil)
	for _, r := range []*Record{a, b, &again} {
		u.Add(r)
	}
	if s := u.Summary(); s.AccessKeyCalls != 2 || s.DuplicateRecords != 1 {
		t.Errorf("access-key calls %d, duplicates %d; want 2 and 1", s.AccessKeyCalls, s.DuplicateRecords)
	}
}
