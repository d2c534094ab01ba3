// Package owner names who owns an account — its name, OU path and chosen tags — from
// Organizations, for every ticket and for routing (package route).
package owner

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"

	"github.com/iam4-responder/iam4-responder/lambda/internal/route"
)

// OrganizationsAPI is the part of the Organizations client Owners uses (all read-only calls the
// management account or a delegated administrator may make).
type OrganizationsAPI interface {
	DescribeAccount(ctx context.Context, in *organizations.DescribeAccountInput, opts ...func(*organizations.Options)) (*organizations.DescribeAccountOutput, error)
	ListParents(ctx context.Context, in *organizations.ListParentsInput, opts ...func(*organizations.Options)) (*organizations.ListParentsOutput, error)
	DescribeOrganizationalUnit(ctx context.Context, in *organizations.DescribeOrganizationalUnitInput, opts ...func(*organizations.Options)) (*organizations.DescribeOrganizationalUnitOutput, error)
	ListTagsForResource(ctx context.Context, in *organizations.ListTagsForResourceInput, opts ...func(*organizations.Options)) (*organizations.ListTagsForResourceOutput, error)
}

// maxDepth bounds the walk up the OU tree: Organizations allows five levels of OUs under the root
// (Organizations user guide, quotas).
const maxDepth = 5

// Owners finds who owns an account: its name, its OU path and the tags the settings name. It
// caches each account for the life of the execution environment (names and OUs change rarely;
// a cold start refreshes them).
type Owners struct {
	API  OrganizationsAPI
	Tags []string // the account tags to keep (e.g. owner, team); others are not shown

	mu    sync.Mutex
	cache map[string]route.Account
}

// Lookup describes the account. Without Organizations access it returns what it could and the
// error, so the ticket still names the account id.
func (o *Owners) Lookup(ctx context.Context, id string) (route.Account, error) {
	o.mu.Lock()
	a, ok := o.cache[id]
	o.mu.Unlock()
	if ok {
		return a, nil
	}
	a = route.Account{ID: id}
	out, err := o.API.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String(id)})
	if err != nil {
		return a, fmt.Errorf("describe account %s: %w", id, err)
	}
	if out.Account != nil {
		a.Name = aws.ToString(out.Account.Name)
	}
	child := id
	for range maxDepth + 1 {
		parents, err := o.API.ListParents(ctx, &organizations.ListParentsInput{ChildId: aws.String(child)})
		if err != nil {
			return a, fmt.Errorf("list parents of %s: %w", child, err)
		}
		if len(parents.Parents) == 0 || parents.Parents[0].Type == "ROOT" {
			break
		}
		ouID := aws.ToString(parents.Parents[0].Id)
		ou := route.OU{ID: ouID}
		if d, err := o.API.DescribeOrganizationalUnit(ctx, &organizations.DescribeOrganizationalUnitInput{
			OrganizationalUnitId: aws.String(ouID)}); err == nil && d.OrganizationalUnit != nil {
			ou.Name = aws.ToString(d.OrganizationalUnit.Name)
		}
		a.OUs = append(a.OUs, ou)
		child = ouID
	}
	slices.Reverse(a.OUs) // from the top down
	if len(o.Tags) > 0 {
		p := organizations.NewListTagsForResourcePaginator(o.API, &organizations.ListTagsForResourceInput{ResourceId: aws.String(id)})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return a, fmt.Errorf("list tags of %s: %w", id, err)
			}
			for _, t := range page.Tags {
				if k := aws.ToString(t.Key); slices.Contains(o.Tags, k) {
					if a.Tags == nil {
						a.Tags = map[string]string{}
					}
					a.Tags[k] = aws.ToString(t.Value)
				}
			}
		}
	}
	o.mu.Lock()
	if o.cache == nil {
		o.cache = map[string]route.Account{}
	}
	o.cache[id] = a
	o.mu.Unlock()
	return a, nil
}
