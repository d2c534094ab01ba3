package advice

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iam4-responder/iam4-responder/lambda/internal/evidence"
)

// outline is the part of the advice an ops engineer acts on: the decision, each key's verdict
// and the checklist's steps with what step 1 asks to read.
type outline struct {
	Decision Decision
	Verdicts []VerdictCode
	Steps    []string // "id kind"
	Look     []string
	Regions  []string
}

func outlineOf(a Advice) outline {
	o := outline{Decision: a.Decision}
	for _, k := range a.Keys {
		if k.Verdict != nil {
			o.Verdicts = append(o.Verdicts, k.Verdict.Code)
		}
	}
	for _, s := range a.Steps {
		o.Steps = append(o.Steps, s.ID+" "+s.Kind)
		if s.ID == "1" {
			o.Look, o.Regions = s.Look, s.Regions
		}
	}
	return o
}

// The issue's "unused" scenarios (issue 12, "Unused, delete it without a basis" and "Two
// definitions of unused"), on the sample credential report's root row and the real-shaped root
// key record, moved in time as each scenario says.
func TestUnusedScenarios(t *testing.T) {
	// The sample report's slot: rotated 2015-10-22, last used 2017-08-30T13:32Z, eu-west-1, ec2.
	lastUsed := time.Date(2017, 8, 30, 13, 32, 0, 0, time.UTC)
	days := func(n int) time.Duration { return time.Duration(n) * 24 * time.Hour }
	coverage := func(now time.Time, lookback time.Duration, regions ...string) evidence.Coverage {
		c := evidence.Coverage{Start: now.Add(-lookback), End: now}
		for _, r := range regions {
			c.Regions = append(c.Regions, evidence.RegionCoverage{Region: r})
		}
		return c
	}
	withReport := func(rep *evidence.RootReport) evidence.Inventory {
		return evidence.Inventory{KeysPresent: true, Report: rep}
	}
	unreadable := evidence.Inventory{KeysPresent: true, ReportError: "AccessDenied: iam:GetCredentialReport"}
	// the slot edited so that its key was created 30 days before the scenario's now, last used
	// yesterday by S3 in eu-west-1 (a key rotated a month ago, used daily for object calls)
	rotated := func(t *testing.T, now time.Time) *evidence.RootReport {
		return reportFile(t, "credential-report-root-active-key-ADAPTED.csv", func(s string) string {
			s = strings.Replace(s, "2015-10-22T14:45:00+00:00", now.Add(-days(30)).Format(time.RFC3339), 1)
			return strings.Replace(s, "2017-08-30T13:32:00+00:00,eu-west-1,ec2", now.Add(-days(1)).Format(time.RFC3339)+",eu-west-1,s3", 1)
		})
	}
	hold := []string{"1 find-more", "3 hold"}
	tests := []struct {
		name string
		in   func(t *testing.T) Input
		want outline
	}{
		{"credential report unreadable, no calls in the window: evidence insufficient, not unused",
			func(*testing.T) Input {
				now := lastUsed.Add(days(200))
				return Input{Now: now, Inventory: unreadable, Coverage: coverage(now, days(90), "us-east-1", "eu-west-1")}
			},
			outline{Decision: Insufficient, Verdicts: []VerdictCode{ReportUnreadable}, Steps: hold, Look: []string{"credential_report"}}},
		{"credential report unreadable and a CloudTrail gap: still insufficient, the gap named",
			func(*testing.T) Input {
				now := lastUsed.Add(days(200))
				cov := coverage(now, days(90), "us-east-1")
				cov.Gaps = []evidence.Gap{{Region: "eu-west-1", From: cov.Start, To: now, Reason: "deadline"}}
				return Input{Now: now, Inventory: unreadable, Coverage: cov}
			},
			outline{Decision: Insufficient, Verdicts: []VerdictCode{ReportUnreadable}, Steps: hold,
				Look: []string{"cloudtrail_gaps", "credential_report"}, Regions: []string{"eu-west-1"}}},
		{"report shows use CloudTrail cannot explain (data events): deactivation held, step 1 names data events and the org trail",
			func(t *testing.T) Input {
				now := lastUsed.Add(days(3))
				return Input{Now: now, Inventory: withReport(reportFile(t, "credential-report-root-active-key-ADAPTED.csv", nil)),
					Coverage: coverage(now, days(90), "us-east-1", "eu-west-1")}
			},
			outline{Decision: Unexplained, Verdicts: []VerdictCode{UsedUnexplained}, Steps: hold,
				Look: []string{"data_events", "organization_trail"}}},
		{"report shows use in a Region not read: step 1 names it",
			func(t *testing.T) Input {
				now := lastUsed.Add(days(3))
				return Input{Now: now, Inventory: withReport(reportFile(t, "credential-report-root-active-key-ADAPTED.csv", nil)),
					Coverage: coverage(now, days(90), "us-east-1")}
			},
			outline{Decision: Unexplained, Verdicts: []VerdictCode{UsedUnexplained}, Steps: hold,
				Look: []string{"data_events", "organization_trail", "regions_not_read"}, Regions: []string{"eu-west-1"}}},
		{"a few management calls seen, the key's later use is data events: the seen callers are not the whole story",
			func(t *testing.T) Input {
				now := lastUsed.Add(days(3))
				seen := rootCall(t, lastUsed.Add(-days(10))) // from 192.0.2.0, outside AWS
				return Input{Now: now, Usage: evidence.Summary{Keys: []evidence.KeyProfile{seen}},
					Inventory: withReport(reportFile(t, "credential-report-root-active-key-ADAPTED.csv", nil)),
					Coverage:  coverage(now, days(90), "us-east-1", "eu-west-1")}
			},
			outline{Decision: Unexplained, Verdicts: []VerdictCode{UsedUnexplained},
				Steps: []string{"1 find-more", "2.2 user", "3 hold"}, Look: []string{"data_events", "organization_trail"}}},
		{"rotated key: the old key in CloudTrail, the current one used daily for S3 only",
			func(t *testing.T) Input {
				now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
				old := rootCall(t, now.Add(-days(31))) // the old key's last management call, before the rotation
				old.FirstUse = now.Add(-days(80))
				return Input{Now: now, Usage: evidence.Summary{Keys: []evidence.KeyProfile{old}},
					Inventory: withReport(rotated(t, now)), Coverage: coverage(now, days(90), "us-east-1", "eu-west-1")}
			},
			outline{Decision: Unexplained, Verdicts: []VerdictCode{UsedSeen, UsedUnexplained},
				Steps: []string{"1 find-more", "2.2 user", "3 hold"}, Look: []string{"data_events", "organization_trail"}}},
		{"lookback 30 days, last used 45 days ago: unused, as containment judges it",
			func(t *testing.T) Input {
				now := lastUsed.Add(days(45))
				return Input{Now: now, Lookback: days(30), Inventory: withReport(reportFile(t, "credential-report-root-active-key-ADAPTED.csv", nil)),
					Coverage: coverage(now, days(30), "us-east-1", "eu-west-1")}
			},
			outline{Decision: Unused, Verdicts: []VerdictCode{UsedBeforeLookback},
				Steps: []string{"1 find", "3.1 deactivate", "3.2 verify-unused", "3.3 delete"}}},
		{"lookback 90 days, last used 45 days ago: not unused",
			func(t *testing.T) Input {
				now := lastUsed.Add(days(45))
				return Input{Now: now, Lookback: days(90), Inventory: withReport(reportFile(t, "credential-report-root-active-key-ADAPTED.csv", nil)),
					Coverage: coverage(now, days(90), "us-east-1", "eu-west-1")}
			},
			outline{Decision: Unexplained, Verdicts: []VerdictCode{UsedUnexplained}, Steps: hold, Look: []string{"data_events", "organization_trail"}}},
		{"records without a key call: none found in these records, never 'no key exists'",
			func(*testing.T) Input { return Input{Now: lastUsed, Records: true} },
			outline{Decision: NoKeyCalls, Steps: []string{"1 records-only"}}},
		{"an account whose IAM shows no key: nothing to remove",
			func(t *testing.T) Input {
				return Input{Now: lastUsed, Inventory: evidence.Inventory{Report: reportFile(t, "credential-report-root.csv", nil)},
					Coverage: coverage(lastUsed, days(90), "us-east-1")}
			},
			outline{Decision: None, Steps: []string{"3 nothing"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := Advise(tt.in(t))
			if diff := cmp.Diff(tt.want, outlineOf(a)); diff != "" {
				t.Errorf("advice (-want +got):\n%s", diff)
			}
		})
	}
}
