package evidence

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func ptime(s string) *time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	t = t.UTC()
	return &t
}

func TestParseCredentialReport(t *testing.T) {
	header := "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated\n"
	tests := []struct {
		name string
		csv  string
		want RootReport
	}{
		{"sample root row without keys", string(readFile(t, "credential-report-root.csv")),
			RootReport{MFAActive: true, Keys: []ReportKey{}}},
		{"adapted sample with an active, used key", string(readFile(t, "credential-report-root-active-key-ADAPTED.csv")),
			RootReport{MFAActive: true, Keys: []ReportKey{{Slot: 1, Active: true,
				LastRotated: ptime("2015-10-22T14:45:00+00:00"), LastUsed: ptime("2017-08-30T13:32:00+00:00"),
				LastUsedRegion: "eu-west-1", LastUsedService: "ec2"}}}},
		{"whole sample report: the root row among users", string(readFile(t, "credential-report-sample.csv")),
			RootReport{MFAActive: true, Keys: []ReportKey{}}},
		{"two keys, one never used, one inactive", header +
			"<root_account>,arn:aws:iam::111122223333:root,2020-01-01T00:00:00+00:00,not_supported,2026-01-01T00:00:00+00:00,not_supported,not_supported,false," +
			"true,2026-01-01T00:00:00+00:00,N/A,N/A,N/A," +
			"false,2024-05-01T00:00:00+00:00,2024-06-01T00:00:00+00:00,us-east-1,s3,false,N/A,false,N/A\n",
			RootReport{Keys: []ReportKey{
				{Slot: 1, Active: true, LastRotated: ptime("2026-01-01T00:00:00Z")},
				{Slot: 2, LastRotated: ptime("2024-05-01T00:00:00Z"), LastUsed: ptime("2024-06-01T00:00:00Z"), LastUsedRegion: "us-east-1", LastUsedService: "s3"},
			}}},
		{"upper-case booleans and reordered columns", "mfa_active,access_key_1_active,user,access_key_1_last_rotated,access_key_1_last_used_date\n" +
			"TRUE,TRUE,<root_account>,2026-01-01T00:00:00+00:00,no_information\n",
			RootReport{MFAActive: true, Keys: []ReportKey{{Slot: 1, Active: true, LastRotated: ptime("2026-01-01T00:00:00Z")}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCredentialReport([]byte(tt.csv))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseCredentialReport (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseCredentialReportErrors(t *testing.T) {
	tests := []struct{ name, csv, want string }{
		{"empty", "", "no rows"},
		{"no root row", "user,arn\nalice,arn:aws:iam::1:user/alice\n", "no <root_account> row"},
		{"no user column", "name\n<root_account>\n", "no user column"},
		{"bad date", "user,access_key_1_last_rotated\n<root_account>,yesterday\n", `access_key_1_last_rotated: "yesterday"`},
		{"broken quoting", "user\n\"<root_account>\n", "credential report:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseCredentialReport([]byte(tt.csv))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want %q", err, tt.want)
			}
		})
	}
}
