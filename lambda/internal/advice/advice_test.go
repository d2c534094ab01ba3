package advice

import (
	"flag"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iam4-responder/iam4-responder/lambda/internal/evidence"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

var now = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

func ptr(t time.Time) *time.Time { return &t }

func key(id string, ips ...evidence.IPCount) evidence.KeyProfile {
	k := evidence.KeyProfile{ID: id, SourceIPs: ips, Tools: []evidence.Count{{Value: "AWS CLI", Calls: 1}},
		FirstUse: now.AddDate(0, 0, -30), LastUse: now}
	for _, ip := range ips {
		k.Calls += ip.Calls
		if ip.InsideAWS {
			k.InsideCalls += ip.Calls
		} else {
			k.OutsideCalls += ip.Calls
		}
	}
	return k
}

var (
	ec2    = evidence.IPCount{IP: "54.250.10.11", Calls: 900, InsideAWS: true, AWSRegion: "ap-northeast-1", AWSService: "EC2"}
	office = evidence.IPCount{IP: "203.0.113.7", Calls: 12}
)

func report(keys ...evidence.ReportKey) evidence.Inventory {
	return evidence.Inventory{KeysPresent: len(keys) > 0, Report: &evidence.RootReport{Keys: keys}}
}

// complete is CloudTrail read for the whole default lookback in two Regions, without a gap.
var complete = evidence.Coverage{Start: now.Add(-evidence.MaxLookback), End: now,
	Regions: []evidence.RegionCoverage{{Region: "us-east-1"}, {Region: "ap-northeast-1"}}}

func TestDecisions(t *testing.T) {
	tests := []struct {
		name string
		in   Input
		want Decision
		keys []Decision
	}{
		{"no key anywhere", Input{Inventory: report()}, None, nil},
		{"key never used per the report, no calls", Input{Coverage: complete, Inventory: report(evidence.ReportKey{Slot: 1, Active: true, LastRotated: ptr(now.AddDate(-1, 0, 0))})},
			Unused, []Decision{Unused}},
		{"key last used 200 days ago", Input{Coverage: complete, Inventory: report(evidence.ReportKey{Slot: 1, Active: true, LastUsed: ptr(now.AddDate(0, 0, -200))})},
			Unused, []Decision{Unused}},
		{"key never used per the report, but CloudTrail was not read, is not unused",
			Input{Inventory: report(evidence.ReportKey{Slot: 1, Active: true, LastRotated: ptr(now.AddDate(-1, 0, 0))})},
			Insufficient, []Decision{Insufficient}},
		{"key used last week per the report but not in CloudTrail is never called unused",
			Input{Coverage: complete, Inventory: report(evidence.ReportKey{Slot: 1, Active: true, LastUsed: ptr(now.AddDate(0, 0, -7)), LastUsedService: "s3"})},
			Unexplained, []Decision{Unexplained}},
		{"used only from EC2", Input{Usage: evidence.Summary{Keys: []evidence.KeyProfile{key("AKIA…MPLE", ec2)}},
			Inventory: report(evidence.ReportKey{Slot: 1, Active: true, LastUsed: ptr(now)})}, ReplaceWithRole, []Decision{ReplaceWithRole}},
		{"used only from an office", Input{Usage: evidence.Summary{Keys: []evidence.KeyProfile{key("AKIA…MPLE", office)}}},
			ReplaceWithUser, []Decision{ReplaceWithUser}},
		{"one key used from both", Input{Usage: evidence.Summary{Keys: []evidence.KeyProfile{key("AKIA…MPLE", ec2, office)}}},
			Mixed, []Decision{Mixed}},
		{"one key on EC2, the second unused for 200 days",
			Input{Usage: evidence.Summary{Keys: []evidence.KeyProfile{key("AKIA…MPLE", ec2)}}, Coverage: complete,
				Inventory: report(evidence.ReportKey{Slot: 1, Active: true, LastUsed: ptr(now)},
					evidence.ReportKey{Slot: 2, Active: true, LastUsed: ptr(now.AddDate(0, 0, -200))})},
			ReplaceWithRole, []Decision{ReplaceWithRole, Unused}},
		{"a key on EC2 and a key in the office", Input{Usage: evidence.Summary{Keys: []evidence.KeyProfile{key("AKIA…AAAA", ec2), key("AKIA…BBBB", office)}}},
			Mixed, []Decision{ReplaceWithRole, ReplaceWithUser}},
		{"IAM says a key exists, the report is unreadable, no calls", Input{Coverage: complete, Inventory: evidence.Inventory{KeysPresent: true, ReportError: "denied"}},
			Insufficient, []Decision{Insufficient}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.in.Now = now
			a := Advise(tt.in)
			var got []Decision
			for _, k := range a.Keys {
				got = append(got, k.Decision)
				if !slices.Contains(Codes(), k.Reason.Code) {
					t.Errorf("key %s: reason %q is no listed code", k.Key, k.Reason.Code)
				}
			}
			if a.Decision != tt.want {
				t.Errorf("decision = %s, want %s", a.Decision, tt.want)
			}
			if diff := cmp.Diff(tt.keys, got); diff != "" {
				t.Errorf("key decisions (-want +got):\n%s", diff)
			}
			if len(a.Steps) == 0 || a.Policies.Reference == "" {
				t.Errorf("steps %d, policies %+v", len(a.Steps), a.Policies)
			}
		})
	}
}

func TestPartialEvidenceCautions(t *testing.T) {
	a := Advise(Input{Now: now, Inventory: report(evidence.ReportKey{Slot: 1, Active: true}),
		Coverage: evidence.Coverage{Gaps: []evidence.Gap{{Region: "eu-west-1", From: now.AddDate(0, 0, -90), To: now.AddDate(0, 0, -30), Reason: "deadline"}}}})
	want := []Message{Msg(CautionGap, "region", "eu-west-1", "from", now.AddDate(0, 0, -90).Format(time.DateOnly),
		"to", now.AddDate(0, 0, -30).Format(time.DateOnly), "error", "deadline")}
	if diff := cmp.Diff(want, a.Cautions); !a.Partial || diff != "" {
		t.Errorf("partial = %v, cautions (-want +got):\n%s", a.Partial, diff)
	}
}
