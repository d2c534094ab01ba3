package contain

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/iam4-responder/iam4-responder/lambda/contract"
	"github.com/iam4-responder/iam4-responder/lambda/internal/evidence"
	"github.com/iam4-responder/iam4-responder/lambda/internal/investigation"
)

// STSAPI is the part of the STS client root sessions need.
type STSAPI interface {
	AssumeRoot(ctx context.Context, in *sts.AssumeRootInput, opts ...func(*sts.Options)) (*sts.AssumeRootOutput, error)
}

// AssumeRoot opens root sessions with sts:AssumeRoot: a Regional STS endpoint (the SDK's
// default), 900 seconds at most, one task policy per session.
type AssumeRoot struct {
	STS    STSAPI
	Config aws.Config // the function's configuration, for Region and endpoints
}

// Root opens a session in account scoped by the root-task policy named taskPolicy (TaskAudit,
// TaskDelete), in the partition of the function's Region.
func (a AssumeRoot) Root(ctx context.Context, account, taskPolicy string) (RootIAM, error) {
	out, err := a.STS.AssumeRoot(ctx, &sts.AssumeRootInput{
		TargetPrincipal: aws.String(account),
		TaskPolicyArn:   &ststypes.PolicyDescriptorType{Arn: aws.String(contract.TaskPolicyARN(partition(a.Config.Region), taskPolicy))},
		DurationSeconds: aws.Int32(900),
	})
	if err != nil {
		return nil, fmt.Errorf("assume root in %s: %w", account, err)
	}
	c := out.Credentials
	cfg := a.Config.Copy()
	cfg.Credentials = credentials.NewStaticCredentialsProvider(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
	return iam.NewFromConfig(cfg), nil
}

// TrailSearch re-reads an account's CloudTrail for one key id, with the same clients and
// Regions as its evidence.
type TrailSearch struct {
	Clients  func(ctx context.Context, account string) (investigation.Clients, error)
	Regions  []string // empty: the account's enabled Regions
	Lookback time.Duration
}

// KeyUse counts the key's events across the window in every Region.
func (s TrailSearch) KeyUse(ctx context.Context, account, keyID string) (int, evidence.Coverage, error) {
	clients, err := s.Clients(ctx, account)
	if err != nil {
		return 0, evidence.Coverage{}, err
	}
	regions := s.Regions
	if len(regions) == 0 {
		if regions, err = evidence.EnabledRegions(ctx, clients.Regions); err != nil {
			return 0, evidence.Coverage{}, err
		}
	}
	col := &evidence.Collector{Client: clients.CloudTrail, Regions: regions, Lookback: s.Lookback, AccessKeyID: keyID}
	cov, err := col.Collect(ctx, evidence.NewUsage(nil))
	if err != nil {
		return 0, cov, err
	}
	calls := 0
	for _, r := range cov.Regions {
		calls += r.Events
	}
	return calls, cov, nil
}
