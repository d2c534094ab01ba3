package contract

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAthenaSettingsOnBothSides(t *testing.T) {
	key := "arn:aws:kms:us-east-1:999988887777:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	tests := []struct {
		name string
		side Side
		set  map[string]string
		want *Athena
	}{
		{name: "unset leaves event history alone", side: ColdStart},
		{name: "the table the stack created", side: ColdStart,
			set: map[string]string{EnvAthenaDatabase: "iam4_c8a1f3", EnvAthenaTable: "cloudtrail_logs", EnvAthenaWorkgroup: "iam4-c8a1f3",
				EnvAthenaLookbackDays: "400"},
			want: &Athena{Database: "iam4_c8a1f3", Table: "cloudtrail_logs", Workgroup: "iam4-c8a1f3", LookbackDays: 400}},
		{name: "a year unless told, the workgroup's default database", side: ColdStart,
			set:  map[string]string{EnvAthenaTable: "org_trail", EnvAthenaWorkgroup: "secops"},
			want: &Athena{Table: "org_trail", Workgroup: "secops", LookbackDays: 365}},
		{name: "the stack creates the table from an organization trail's bucket", side: Synth,
			set: map[string]string{CtxTrailBucket: "aws-controltower-logs-999988887777-us-east-1", CtxTrailPrefix: "o-exampleorgid",
				CtxTrailOrganizationID: "o-exampleorgid", CtxTrailKMSKey: key, CtxTrailStart: "2024/01/01", CtxAthenaScanLimitGB: "50",
				CtxAthenaResultsExpireDays: "3", CtxAthenaLookbackDays: "730"},
			want: &Athena{TrailBucket: "aws-controltower-logs-999988887777-us-east-1", TrailPrefix: "o-exampleorgid",
				TrailOrganizationID: "o-exampleorgid", TrailKMSKey: key, TrailStart: "2024/01/01", ScanLimitGB: 50, ResultsExpireDays: 3,
				LookbackDays: 730}},
		{name: "an existing table with read access to its bucket", side: Synth,
			set: map[string]string{CtxAthenaDatabase: "security", CtxAthenaTable: "org_trail", CtxAthenaWorkgroup: "secops",
				CtxAthenaResultsBucket: "secops-athena-results", CtxTrailBucket: "org-trail-bucket", CtxTrailKMSKey: key},
			want: &Athena{Database: "security", Table: "org_trail", Workgroup: "secops", ResultsBucket: "secops-athena-results",
				TrailBucket: "org-trail-bucket", TrailKMSKey: key, LookbackDays: 365}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := map[string]string{}
			if tt.side == ColdStart {
				m = coldStart()
			}
			for k, v := range tt.set {
				m[k] = v
			}
			got, err := Read(tt.side, from(m))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got.Athena); diff != "" {
				t.Errorf("Athena (-want +got):\n%s", diff)
			}
			if tt.want != nil && tt.want.Creates() != (tt.set[CtxAthenaTable] == "" && tt.set[CtxTrailBucket] != "") {
				t.Errorf("Creates() = %v", tt.want.Creates())
			}
		})
	}
}

func TestAthenaSettingsRefusals(t *testing.T) {
	tests := []struct {
		name string
		side Side
		set  map[string]string
		want string
	}{
		{"a table without its workgroup", ColdStart, map[string]string{EnvAthenaTable: "org_trail"},
			EnvAthenaWorkgroup + ": required with " + EnvAthenaTable},
		{"a workgroup without its table", Synth, map[string]string{CtxAthenaWorkgroup: "secops"},
			CtxAthenaTable + ": required with " + CtxAthenaWorkgroup},
		{"an existing table without its database, at synth", Synth, map[string]string{CtxAthenaTable: "t", CtxAthenaWorkgroup: "w"},
			CtxAthenaDatabase + ": required with " + CtxAthenaTable},
		{"a table name that would need quoting", ColdStart, map[string]string{EnvAthenaTable: `t"; --`, EnvAthenaWorkgroup: "w"},
			EnvAthenaTable + `: "t\"; --" is not a Glue table name`},
		{"a workgroup with a space", Synth, map[string]string{CtxAthenaDatabase: "d", CtxAthenaTable: "t", CtxAthenaWorkgroup: "sec ops"},
			CtxAthenaWorkgroup + `: "sec ops" is not an Athena workgroup name`},
		{"a lookback that is not days", ColdStart, map[string]string{EnvAthenaTable: "t", EnvAthenaWorkgroup: "w", EnvAthenaLookbackDays: "1y"},
			EnvAthenaLookbackDays + `: "1y" is not a whole number from 1 to 3660`},
		{"a lookback alone", ColdStart, map[string]string{EnvAthenaLookbackDays: "400"},
			EnvAthenaLookbackDays + ": has no effect without " + EnvAthenaTable},
		{"a lookback alone, at synth", Synth, map[string]string{CtxAthenaLookbackDays: "400"},
			CtxAthenaLookbackDays + ": has no effect without athenaTable and athenaWorkgroup, or trailBucket"},
		{"a bucket as a URL", Synth, map[string]string{CtxTrailBucket: "s3://org-trail"}, CtxTrailBucket + `: "s3://org-trail": give the bucket's name only`},
		{"a bucket name with capitals", Synth, map[string]string{CtxTrailBucket: "Org_Trail"}, CtxTrailBucket + `: "Org_Trail" is not an S3 bucket name`},
		{"a prefix down to AWSLogs", Synth, map[string]string{CtxTrailBucket: "org-trail", CtxTrailPrefix: "logs/AWSLogs"},
			CtxTrailPrefix + `: "logs/AWSLogs": the prefix stops before AWSLogs/`},
		{"a prefix with a trailing slash", Synth, map[string]string{CtxTrailBucket: "org-trail", CtxTrailPrefix: "logs/"},
			CtxTrailPrefix + `: "logs/": no slash at either end`},
		{"an organization id that is a root", Synth, map[string]string{CtxTrailBucket: "org-trail", CtxTrailOrganizationID: "r-ab12"},
			CtxTrailOrganizationID + `: "r-ab12" is not an organization id`},
		{"a start day in the wrong layout", Synth, map[string]string{CtxTrailBucket: "org-trail", CtxTrailStart: "2024-01-01"},
			CtxTrailStart + `: "2024-01-01" is not a day as yyyy/MM/dd`},
		{"a trail key that is an alias", Synth, map[string]string{CtxTrailBucket: "org-trail", CtxTrailKMSKey: "alias/trail"},
			CtxTrailKMSKey + `: "alias/trail" is not a KMS key ARN`},
		{"trail details without the bucket", Synth, map[string]string{CtxTrailOrganizationID: "o-exampleorgid"},
			CtxTrailOrganizationID + ": has no effect without " + CtxTrailBucket},
		{"a results bucket for the workgroup the stack creates", Synth, map[string]string{CtxTrailBucket: "org-trail",
			CtxAthenaResultsBucket: "results"}, CtxAthenaResultsBucket + ": only with an existing " + CtxAthenaTable},
		{"a projection start for an existing table", Synth, map[string]string{CtxAthenaDatabase: "d", CtxAthenaTable: "t",
			CtxAthenaWorkgroup: "w", CtxTrailBucket: "org-trail", CtxTrailStart: "2024/01/01"},
			CtxTrailStart + ": has no effect with an existing " + CtxAthenaTable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := map[string]string{}
			if tt.side == ColdStart {
				m = coldStart()
			}
			for k, v := range tt.set {
				m[k] = v
			}
			_, err := Read(tt.side, from(m))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestAthenaContextKeysAreKnownAndSuggested(t *testing.T) {
	tests := []struct {
		key, want string
	}{
		{CtxTrailBucket, ""},
		{CtxTrailOrganizationID, ""},
		{"trailBuckets", `unknown context key "trailBuckets"; did you mean "trailBucket"?`},
		{"athenaWorkGroup", `unknown context key "athenaWorkGroup"; did you mean "athenaWorkgroup"?`},
		{"trailKMSKeyArn", `unknown context key "trailKMSKeyArn"; did you mean "trailKmsKey"?`},
		{"athenaTabel", `unknown context key "athenaTabel"; did you mean "athenaTable"?`},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			got := ""
			if err := UnknownContextKeys([]string{tt.key}); err != nil {
				got = err.Error()
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("UnknownContextKeys (-want +got):\n%s", diff)
			}
		})
	}
}
