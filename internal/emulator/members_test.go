package emulator

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/iam4-responder/iam4-responder/internal/testenv"
)

func TestMembersAreReachedThroughTheEvidenceRole(t *testing.T) {
	srv, err := New(&Scenario{Account: "111122223333", Rate: &Rate{PerSecond: 1000, Burst: 1000},
		Members: []Member{{Account: "444455556666", Generate: []Generator{{Region: "eu-west-1", Count: 7, Days: 3,
			Key: "AKIAMEMBERKEY0000001", IPs: []string{"198.51.100.4"}}}}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	admin := testenv.AWSConfig(hs.URL)
	ctx := context.Background()
	stsClient := sts.NewFromConfig(admin)

	member := admin.Copy()
	member.Region = "eu-west-1"
	member.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(stsClient,
		"arn:aws:iam::444455556666:role/"+DefaultEvidenceRole))
	out, err := cloudtrail.NewFromConfig(member).LookupEvents(ctx, rootLookup(""))
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Events) != 7 {
		t.Errorf("member's root events = %d, want 7", len(out.Events))
	}
	who, err := sts.NewFromConfig(member).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(who.Account) != "444455556666" {
		t.Errorf("member identity = %v, %v", who, err)
	}
	// The responder's own account has no such history.
	mine := admin.Copy()
	mine.Region = "eu-west-1"
	if out, _ := cloudtrail.NewFromConfig(mine).LookupEvents(ctx, rootLookup("")); len(out.Events) != 0 {
		t.Errorf("admin account sees the member's events")
	}

	for _, arn := range []string{
		"arn:aws:iam::999999999999:role/" + DefaultEvidenceRole, // not a member
		"arn:aws:iam::444455556666:role/Admin",                  // not the evidence role
	} {
		_, err := stsClient.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("iam4")})
		if !isCode(err, "AccessDenied") {
			t.Errorf("AssumeRole %s: %v, want AccessDenied", arn, err)
		}
	}
}
