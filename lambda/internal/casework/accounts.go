package casework

import (
	"errors"

	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/aws/smithy-go"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// STSAPI is the part of the STS client the function uses for itself.
type STSAPI interface {
	GetCallerIdentity(ctx context.Context, in *sts.GetCallerIdentityInput, opts ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
}

// self knows the function's own account, asked once (GetCallerIdentity needs no permission) and
// kept only when the answer came.
type self struct {
	sts STSAPI
	mu  sync.Mutex
	own string
}

func (s *self) account(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.own != "" {
		return s.own, nil
	}
	out, err := s.sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", fmt.Errorf("get caller identity: %w", err)
	}
	s.own = aws.ToString(out.Account)
	return s.own, nil
}

// OrganizationsAPI is the part of the Organizations client the account policy uses.
type OrganizationsAPI interface {
	DescribeAccount(ctx context.Context, in *organizations.DescribeAccountInput, opts ...func(*organizations.Options)) (*organizations.DescribeAccountOutput, error)
}

// accountPolicy decides whose findings the responder acts on: its own account's, the
// allowlist's, and, with an organization configured, its member accounts'. Anything else could
// be a finding imported by someone who wants the responder to assume roles for them.
type accountPolicy struct {
	self    *self
	allowed []string
	orgID   string
	org     OrganizationsAPI // nil without an organization

	mu    sync.Mutex
	inOrg map[string]bool
}

// Allowed reports whether findings about account may be acted on, and why not.
func (p *accountPolicy) Allowed(ctx context.Context, account string) (bool, string, error) {
	own, err := p.self.account(ctx)
	if err != nil {
		return false, "", err
	}
	if account == own || slices.Contains(p.allowed, account) {
		return true, "", nil
	}
	if p.org == nil {
		return false, fmt.Sprintf("account %s is neither this account nor in the allowlist", account), nil
	}
	p.mu.Lock()
	member, known := p.inOrg[account]
	p.mu.Unlock()
	if !known {
		out, err := p.org.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String(account)})
		switch {
		case isCode(err, "AccountNotFoundException"):
			member = false
		case err != nil:
			return false, "", fmt.Errorf("describe account %s in the organization: %w", account, err)
		default:
			// arn:aws:organizations::<management>:account/o-<id>/<account>
			member = out.Account != nil && strings.Contains(aws.ToString(out.Account.Arn), "/"+p.orgID+"/")
		}
		p.mu.Lock()
		if p.inOrg == nil {
			p.inOrg = map[string]bool{}
		}
		p.inOrg[account] = member
		p.mu.Unlock()
	}
	if !member {
		return false, fmt.Sprintf("account %s is not in organization %s nor in the allowlist", account, p.orgID), nil
	}
	return true, "", nil
}

func isCode(err error, code string) bool {
	var apiErr smithy.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode() == code
}
