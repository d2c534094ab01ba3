package advice

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iam4-responder/iam4-responder/internal/samples"
	"github.com/iam4-responder/iam4-responder/lambda/internal/evidence"
)

// reportFile parses one of the shared credential report samples (internal/samples); edit, when
// set, rewrites the CSV first (the test names what it changes).
func reportFile(t *testing.T, name string, edit func(string) string) *evidence.RootReport {
	t.Helper()
	b, err := samples.File(name)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	if edit != nil {
		s = edit(s)
	}
	rep, err := evidence.ParseCredentialReport([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return &rep
}

// activeKey is the sample report's root slot 1: rotated 2015-10-22T14:45Z, last used
// 2017-08-30T13:32Z in eu-west-1 by ec2.
func activeKey(t *testing.T) *evidence.ReportKey {
	t.Helper()
	rep := reportFile(t, "credential-report-root-active-key-ADAPTED.csv", nil)
	if len(rep.Keys) != 1 {
		t.Fatalf("sample report: %d slots, want 1", len(rep.Keys))
	}
	return &rep.Keys[0]
}

// neverUsedKey is the same slot with its last-used columns set to N/A, as IAM writes a key that
// never signed a request.
func neverUsedKey(t *testing.T) *evidence.ReportKey {
	t.Helper()
	rep := reportFile(t, "credential-report-root-active-key-ADAPTED.csv", func(s string) string {
		return strings.Replace(s, "2017-08-30T13:32:00+00:00,eu-west-1,ec2", "N/A,N/A,N/A", 1)
	})
	return &rep.Keys[0]
}

// rootCall is the real-shaped root call signed with AKIAIOSFODNN7EXAMPLE, moved to at.
func rootCall(t *testing.T, at time.Time) evidence.KeyProfile {
	t.Helper()
	b, err := samples.File("cloudtrail-root-accesskey-event-ADAPTED.json")
	if err != nil {
		t.Fatal(err)
	}
	var rec map[string]any
	if err := json.Unmarshal(b, &rec); err != nil {
		t.Fatal(err)
	}
	rec["eventTime"] = at.UTC().Format(time.RFC3339)
	b, _ = json.Marshal(rec)
	var r evidence.Record
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	u := evidence.NewUsage(nil)
	u.Add(&r)
	keys := u.Summary().Keys
	if len(keys) != 1 {
		t.Fatalf("%d keys from the record, want 1", len(keys))
	}
	return keys[0]
}

func TestUnusedRule(t *testing.T) {
	lastUsed := time.Date(2017, 8, 30, 13, 32, 0, 0, time.UTC) // the sample report's last use
	days := func(n int) time.Duration { return time.Duration(n) * 24 * time.Hour }
	tests := []struct {
		name     string
		lookback time.Duration
		now      time.Time
		key      func(t *testing.T) KeyEvidence
		want     VerdictCode
		unused   bool
	}{
		{"last used 45 days ago with a 30-day lookback and complete evidence is unused", days(30), lastUsed.Add(days(45)),
			func(t *testing.T) KeyEvidence {
				return KeyEvidence{ReportRead: true, Slot: activeKey(t), Complete: true}
			},
			UsedBeforeLookback, true},
		{"the same key with a 90-day lookback is used, and nothing seen explains it", days(90), lastUsed.Add(days(45)),
			func(t *testing.T) KeyEvidence {
				return KeyEvidence{ReportRead: true, Slot: activeKey(t), Complete: true}
			},
			UsedUnexplained, false},
		{"a zero lookback is CloudTrail's 90 days", 0, lastUsed.Add(days(45)),
			func(t *testing.T) KeyEvidence {
				return KeyEvidence{ReportRead: true, Slot: activeKey(t), Complete: true}
			},
			UsedUnexplained, false},
		{"never used per the report, complete evidence: unused", days(90), lastUsed,
			func(t *testing.T) KeyEvidence {
				return KeyEvidence{ReportRead: true, Slot: neverUsedKey(t), Complete: true}
			},
			NeverUsed, true},
		{"report unreadable and no calls is not unused", days(30), lastUsed.Add(days(200)),
			func(*testing.T) KeyEvidence { return KeyEvidence{ReportRead: false, Complete: true} },
			ReportUnreadable, false},
		{"report agrees but CloudTrail has a gap is not unused", days(30), lastUsed.Add(days(200)),
			func(t *testing.T) KeyEvidence {
				return KeyEvidence{ReportRead: true, Slot: activeKey(t), Complete: false}
			},
			EvidenceIncomplete, false},
		{"never used per the report but CloudTrail has a gap is not unused", days(30), lastUsed,
			func(t *testing.T) KeyEvidence {
				return KeyEvidence{ReportRead: true, Slot: neverUsedKey(t), Complete: false}
			},
			EvidenceIncomplete, false},
		{"a key without a slot in the report is not unused", days(30), lastUsed,
			func(*testing.T) KeyEvidence { return KeyEvidence{ReportRead: true, Complete: true} },
			NotInReport, false},
		{"CloudTrail's calls reach the report's last use: used, explained", days(90), lastUsed.Add(days(2)),
			func(t *testing.T) KeyEvidence {
				k := rootCall(t, lastUsed.Add(-10*time.Minute))
				return KeyEvidence{ReportRead: true, Slot: activeKey(t), Calls: k.Calls, LastCall: k.LastUse, Complete: true}
			}, UsedSeen, false},
		{"management calls ten days before the report's last use leave the rest unexplained", days(90), lastUsed.Add(days(2)),
			func(t *testing.T) KeyEvidence {
				k := rootCall(t, lastUsed.Add(-days(10)))
				return KeyEvidence{ReportRead: true, Slot: activeKey(t), Calls: k.Calls, LastCall: k.LastUse, Complete: true}
			}, UsedUnexplained, false},
		{"calls in the window with the report unreadable: used", days(90), lastUsed,
			func(t *testing.T) KeyEvidence {
				k := rootCall(t, lastUsed.Add(-days(3)))
				return KeyEvidence{Calls: k.Calls, LastCall: k.LastUse, Complete: true}
			}, UsedSeen, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Rule{Lookback: tt.lookback, Now: tt.now}
			v := r.Judge(tt.key(t))
			if diff := cmp.Diff([]any{tt.want, tt.unused}, []any{v.Code, v.Unused}); diff != "" {
				t.Errorf("verdict (-want +got):\n%s\n%+v", diff, v)
			}
			if v.Explained() != (tt.unused || tt.want == UsedSeen) {
				t.Errorf("Explained() = %v for %s", v.Explained(), v.Code)
			}
		})
	}
}

func TestRuleCompleteness(t *testing.T) {
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	r := Rule{Lookback: 30 * 24 * time.Hour, Now: now}
	full := evidence.Coverage{Start: now.AddDate(0, 0, -30), End: now}
	tests := []struct {
		name string
		cov  *evidence.Coverage
		want bool
	}{
		{"the whole lookback without a gap", &full, true},
		{"no coverage at all (records, not an account)", nil, false},
		{"an empty coverage", &evidence.Coverage{}, false},
		{"shorter than the lookback", &evidence.Coverage{Start: now.AddDate(0, 0, -7), End: now}, false},
		{"a gap in one Region", &evidence.Coverage{Start: full.Start, End: now,
			Gaps: []evidence.Gap{{Region: "eu-west-1", From: full.Start, To: now, Reason: "deadline"}}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := r.Complete(tt.cov); got != tt.want {
				t.Errorf("Complete = %v, want %v", got, tt.want)
			}
		})
	}
}
