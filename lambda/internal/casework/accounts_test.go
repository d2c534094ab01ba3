package casework

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

type fakeSTS struct{ calls int }

func (f *fakeSTS) GetCallerIdentity(context.Context, *sts.GetCallerIdentityInput, ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error) {
	f.calls++
	return &sts.GetCallerIdentityOutput{Account: aws.String("111122223333")}, nil
}

type fakeOrg struct {
	calls int
	err   error
}

func (f *fakeOrg) DescribeAccount(_ context.Context, in *organizations.DescribeAccountInput, _ ...func(*organizations.Options)) (*organizations.DescribeAccountOutput, error) {
	f.calls++
	if f.err != nil {
		return nil, f.err
	}
	switch acct := aws.ToString(in.AccountId); acct {
	case "444455556666":
		return &organizations.DescribeAccountOutput{Account: &orgtypes.Account{
			Arn: aws.String("arn:aws:organizations::111122223333:account/o-exampleorgid/" + acct)}}, nil
	case "555566667777":
		return &organizations.DescribeAccountOutput{Account: &orgtypes.Account{
			Arn: aws.String("arn:aws:organizations::999999999999:account/o-otherorgid0/" + acct)}}, nil
	}
	return nil, &orgtypes.AccountNotFoundException{Message: aws.String("not in the organization")}
}

func TestAccountPolicy(t *testing.T) {
	tests := []struct {
		name    string
		account string
		orgID   string
		want    bool
	}{
		{"the function's own account", "111122223333", "", true},
		{"an allowlisted account", "222233334444", "", true},
		{"another account without an organization", "444455556666", "", false},
		{"a member of the organization", "444455556666", "o-exampleorgid", true},
		{"an account of another organization", "555566667777", "o-exampleorgid", false},
		{"an account in no organization of ours", "888899990000", "o-exampleorgid", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &accountPolicy{self: &self{sts: &fakeSTS{}}, allowed: []string{"222233334444"}, orgID: tt.orgID}
			if tt.orgID != "" {
				p.org = &fakeOrg{}
			}
			ok, why, err := p.Allowed(t.Context(), tt.account)
			if err != nil {
				t.Fatal(err)
			}
			if ok != tt.want || (!ok && why == "") {
				t.Errorf("Allowed = %v (%q), want %v", ok, why, tt.want)
			}
		})
	}
}

func TestAccountPolicyCachesAndRetriesOnErrors(t *testing.T) {
	st, org := &fakeSTS{}, &fakeOrg{err: errors.New("throttled")}
	p := &accountPolicy{self: &self{sts: st}, orgID: "o-exampleorgid", org: org}
	if _, _, err := p.Allowed(t.Context(), "444455556666"); err == nil {
		t.Fatal("an Organizations error was taken as an answer")
	}
	org.err = nil
	for range 3 {
		if ok, _, err := p.Allowed(t.Context(), "444455556666"); err != nil || !ok {
			t.Fatalf("Allowed = %v, %v", ok, err)
		}
	}
	if org.calls != 2 || st.calls != 1 {
		t.Errorf("DescribeAccount %d calls (want 2: the failure, then one cached answer), GetCallerIdentity %d (want 1)", org.calls, st.calls)
	}
}

func TestARefusedFindingTouchesNothing(t *testing.T) {
	r := newRig()
	inv := &fakeInvestigator{}
	r.h.Evidence = inv
	r.h.Accounts = &accountPolicy{self: &self{sts: &fakeSTS{}}}
	ev, _ := memberEvent(t, "777788889999")
	if err := r.h.Handle(t.Context(), ev); err != nil {
		t.Fatal(err)
	}
	if len(r.email.opened) != 0 || inv.calls != 0 || len(r.wb.notified) != 0 {
		t.Errorf("refused finding: %d tickets, %d investigations, %d write-backs", len(r.email.opened), inv.calls, len(r.wb.notified))
	}
}
