package emulator

import (
	"encoding/csv"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"
)

// TestRootSessionsListAndDeleteAsTheTaskPoliciesAllow follows centralized root access: an
// IAMAuditRootUserCredentials session lists the member root's keys with the creation dates that
// the credential report shows as last_rotated (the join containment relies on), cannot delete;
// an IAMDeleteRootUserCredentials session deletes, once.
func TestRootSessionsListAndDeleteAsTheTaskPoliciesAllow(t *testing.T) {
	const admin, member = "111122223333", "444455556666"
	created := []time.Time{time.Date(2024, 1, 10, 9, 0, 0, 0, time.UTC), time.Date(2026, 10, 1, 8, 30, 15, 0, time.UTC)}
	srv, err := New(&Scenario{Account: admin, Members: []Member{{Account: member, Root: Root{Keys: []RootKey{
		{ID: "AKIAMEMBERKEY0000001", Active: true, Created: created[0]},
		{ID: "AKIAMEMBERKEY0000002", Active: false, Created: created[1]},
	}}}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	cfg := config(hs.URL, "us-east-1")
	stsClient := sts.NewFromConfig(cfg)
	root := func(t *testing.T, task string) *iam.Client {
		t.Helper()
		out, err := stsClient.AssumeRoot(t.Context(), &sts.AssumeRootInput{TargetPrincipal: aws.String(member),
			TaskPolicyArn: &ststypes.PolicyDescriptorType{Arn: aws.String(task)}, DurationSeconds: aws.Int32(900)})
		if err != nil {
			t.Fatal(err)
		}
		c := cfg.Copy()
		c.Credentials = credentials.NewStaticCredentialsProvider(aws.ToString(out.Credentials.AccessKeyId),
			aws.ToString(out.Credentials.SecretAccessKey), aws.ToString(out.Credentials.SessionToken))
		return iam.NewFromConfig(c)
	}
	code := func(err error) string {
		var apiErr smithy.APIError
		if errors.As(err, &apiErr) {
			return apiErr.ErrorCode()
		}
		if err != nil {
			return err.Error()
		}
		return ""
	}

	listed, err := root(t, TaskAudit).ListAccessKeys(t.Context(), &iam.ListAccessKeysInput{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	var dates []time.Time
	for _, k := range listed.AccessKeyMetadata {
		ids, dates = append(ids, aws.ToString(k.AccessKeyId)), append(dates, aws.ToTime(k.CreateDate))
	}
	if diff := cmp.Diff([]string{"AKIAMEMBERKEY0000001", "AKIAMEMBERKEY0000002"}, ids); diff != "" {
		t.Errorf("listed ids (-want +got):\n%s", diff)
	}
	// The member's credential report, read through the evidence role, names the same dates.
	ev := cfg.Copy()
	ev.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(stsClient, "arn:aws:iam::"+member+":role/"+DefaultEvidenceRole))
	evIAM := iam.NewFromConfig(ev)
	if _, err := evIAM.GenerateCredentialReport(t.Context(), &iam.GenerateCredentialReportInput{}); err != nil {
		t.Fatal(err)
	}
	rep, err := evIAM.GetCredentialReport(t.Context(), &iam.GetCredentialReportInput{})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(string(rep.Content))).ReadAll()
	if err != nil || len(rows) != 2 {
		t.Fatalf("credential report: %d rows, %v", len(rows), err)
	}
	var rotated []time.Time
	for i, name := range rows[0] {
		if strings.HasPrefix(name, "access_key_") && strings.HasSuffix(name, "_last_rotated") {
			at, err := time.Parse(time.RFC3339, rows[1][i])
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			rotated = append(rotated, at.UTC())
		}
	}
	if diff := cmp.Diff(dates, rotated); diff != "" || len(dates) != 2 {
		t.Errorf("ListAccessKeys CreateDate vs report last_rotated (-listed +report):\n%s", diff)
	}
	if diff := cmp.Diff(created, dates); diff != "" {
		t.Errorf("creation dates (-want +got):\n%s", diff)
	}

	tests := []struct {
		name string
		call func(t *testing.T) error
		want string
	}{
		{"the evidence role cannot list the root's keys", func(t *testing.T) error {
			_, err := evIAM.ListAccessKeys(t.Context(), &iam.ListAccessKeysInput{})
			return err
		}, "AccessDenied"},
		{"an audit session cannot delete", func(t *testing.T) error {
			_, err := root(t, TaskAudit).DeleteAccessKey(t.Context(), &iam.DeleteAccessKeyInput{AccessKeyId: aws.String(ids[0])})
			return err
		}, "AccessDenied"},
		{"a delete session deletes", func(t *testing.T) error {
			_, err := root(t, TaskDelete).DeleteAccessKey(t.Context(), &iam.DeleteAccessKeyInput{AccessKeyId: aws.String(ids[0])})
			return err
		}, ""},
		{"the same key again is NoSuchEntity", func(t *testing.T) error {
			_, err := root(t, TaskDelete).DeleteAccessKey(t.Context(), &iam.DeleteAccessKeyInput{AccessKeyId: aws.String(ids[0])})
			return err
		}, "NoSuchEntity"},
		{"AssumeRoot is refused against the management account", func(t *testing.T) error {
			_, err := stsClient.AssumeRoot(t.Context(), &sts.AssumeRootInput{TargetPrincipal: aws.String(admin),
				TaskPolicyArn: &ststypes.PolicyDescriptorType{Arn: aws.String(TaskAudit)}})
			return err
		}, "AccessDenied"},
		{"AssumeRoot is refused for more than 900 seconds", func(t *testing.T) error {
			_, err := stsClient.AssumeRoot(t.Context(), &sts.AssumeRootInput{TargetPrincipal: aws.String(member),
				TaskPolicyArn: &ststypes.PolicyDescriptorType{Arn: aws.String(TaskAudit)}, DurationSeconds: aws.Int32(3600)})
			return err
		}, "ValidationError"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := code(tt.call(t)); got != tt.want {
				t.Errorf("error code = %q, want %q", got, tt.want)
			}
		})
	}
	if n := srv.DeletedKeys.Load(); n != 1 {
		t.Errorf("%d keys deleted, want 1", n)
	}
}
