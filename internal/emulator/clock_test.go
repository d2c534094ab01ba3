package emulator

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	"github.com/google/go-cmp/cmp"
)

// TestTheClockAndTheKeysMoveTheReport walks a day on the scenario's clock and changes the root's
// keys as the team would: the credential report and the account summary follow at once.
func TestTheClockAndTheKeysMoveTheReport(t *testing.T) {
	srv, url := start(t, "small.json", nil)
	client := iam.NewFromConfig(config(url, "us-east-1"))
	ctx := t.Context()
	day := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	srv.Advance(day.Sub(srv.Now()))
	srv.Advance(24 * time.Hour)
	if err := srv.SetRootKeys("111122223333", func(keys []RootKey) []RootKey {
		keys[0].Active = false
		return keys[:1]
	}); err != nil {
		t.Fatal(err)
	}
	if err := srv.SetRootKeys("999999999999", func(k []RootKey) []RootKey { return k }); err == nil {
		t.Error("an account outside the scenario was changed")
	}
	if _, err := client.GenerateCredentialReport(ctx, &iam.GenerateCredentialReportInput{}); err != nil {
		t.Fatal(err)
	}
	rep, err := client.GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
	if err != nil {
		t.Fatal(err)
	}
	row := strings.Split(strings.Split(strings.TrimSpace(string(rep.Content)), "\n")[1], ",")
	// access_key_1_active, then access_key_2_active and its rotation: N/A for an empty slot.
	got := []string{aws.ToTime(rep.GeneratedTime).UTC().Truncate(time.Hour).Format(time.RFC3339), row[8], row[13], row[14]}
	if diff := cmp.Diff([]string{"2026-12-02T09:00:00Z", "false", "false", "N/A"}, got); diff != "" {
		t.Errorf("generated, key 1 active, key 2 active, key 2 rotated (-want +got):\n%s", diff)
	}
	_ = srv.SetRootKeys("111122223333", func([]RootKey) []RootKey { return nil })
	sum, err := client.GetAccountSummary(ctx, &iam.GetAccountSummaryInput{})
	if err != nil || sum.SummaryMap["AccountAccessKeysPresent"] != 0 {
		t.Errorf("summary after deleting every key = %v, %v", sum.SummaryMap, err)
	}
}

func TestAddedFindingsCanBeWrittenBack(t *testing.T) {
	srv, url := start(t, "small.json", nil)
	f := map[string]any{"Id": "arn:aws:securityhub:us-east-1:222233334444:security-control/IAM.4/finding/late",
		"ProductArn": "arn:aws:securityhub:us-east-1::product/aws/securityhub", "AwsAccountId": "222233334444"}
	raw, _ := json.Marshal(f)
	if err := srv.AddFindings(raw, raw); err != nil {
		t.Fatal(err)
	}
	hub := securityhub.NewFromConfig(config(url, "us-east-1"))
	out, err := hub.GetFindings(t.Context(), &securityhub.GetFindingsInput{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, got := range out.Findings {
		if aws.ToString(got.Id) == f["Id"] {
			n++
		}
	}
	if n != 1 {
		t.Errorf("the added finding is listed %d times, want once", n)
	}
}
