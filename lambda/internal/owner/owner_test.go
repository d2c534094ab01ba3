package owner

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/google/go-cmp/cmp"

	"github.com/iam4-responder/iam4-responder/internal/testenv"
	"github.com/iam4-responder/iam4-responder/lambda/internal/route"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// countingOrg counts calls, to show the cache keeps a second lookup off the API.
type countingOrg struct {
	OrganizationsAPI
	describes int
}

func (c *countingOrg) DescribeAccount(ctx context.Context, in *organizations.DescribeAccountInput, opts ...func(*organizations.Options)) (*organizations.DescribeAccountOutput, error) {
	c.describes++
	return c.OrganizationsAPI.DescribeAccount(ctx, in, opts...)
}

func TestOwnersAgainstMotoOrganizations(t *testing.T) {
	cfg := testenv.AWSConfig(testenv.Moto(t))
	cfg.Region = "us-east-1"
	org := organizations.NewFromConfig(cfg)
	ctx := t.Context()
	if _, err := org.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: types.OrganizationFeatureSetAll}); err != nil {
		var exists *types.AlreadyInOrganizationException
		if !errors.As(err, &exists) {
			t.Fatal(err)
		}
	}
	roots, err := org.ListRoots(ctx, &organizations.ListRootsInput{})
	if err != nil || len(roots.Roots) == 0 {
		t.Fatalf("list roots: %v", err)
	}
	workloads, err := org.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{
		ParentId: roots.Roots[0].Id, Name: aws.String("Workloads")})
	if err != nil {
		t.Fatal(err)
	}
	payments, err := org.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{
		ParentId: workloads.OrganizationalUnit.Id, Name: aws.String("Payments")})
	if err != nil {
		t.Fatal(err)
	}
	created, err := org.CreateAccount(ctx, &organizations.CreateAccountInput{
		AccountName: aws.String("payments-prod"), Email: aws.String("payments-prod@example.com"),
		Tags: []types.Tag{{Key: aws.String("owner"), Value: aws.String("payments-sre")},
			{Key: aws.String("cost-center"), Value: aws.String("1234")}}})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(created.CreateAccountStatus.AccountId)
	if _, err := org.MoveAccount(ctx, &organizations.MoveAccountInput{AccountId: aws.String(id),
		SourceParentId: roots.Roots[0].Id, DestinationParentId: payments.OrganizationalUnit.Id}); err != nil {
		t.Fatal(err)
	}

	api := &countingOrg{OrganizationsAPI: org}
	owners := &Owners{API: api, Tags: []string{"owner", "team"}}
	got, err := owners.Lookup(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	want := route.Account{ID: id, Name: "payments-prod",
		OUs: []route.OU{{ID: aws.ToString(workloads.OrganizationalUnit.Id), Name: "Workloads"},
			{ID: aws.ToString(payments.OrganizationalUnit.Id), Name: "Payments"}},
		Tags: map[string]string{"owner": "payments-sre"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if _, err := owners.Lookup(ctx, id); err != nil || api.describes != 1 {
		t.Errorf("second lookup: %v, %d DescribeAccount calls, want 1", err, api.describes)
	}
	// The route for it, through its OU path.
	table := route.Table{Rules: []route.Rule{{Name: "payments", OU: aws.ToString(payments.OrganizationalUnit.Id), Channels: route.Channels{JiraProject: "PAY"}}}}
	if d := table.Route(got); d.Rule != "payments" {
		t.Errorf("route = %+v, want the payments rule", d)
	}
}
