package casework

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	awsathena "github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/iam4-responder/iam4-responder/lambda/contract"
	"github.com/iam4-responder/iam4-responder/lambda/internal/config"
	"github.com/iam4-responder/iam4-responder/lambda/internal/evidence/athena"
	"github.com/iam4-responder/iam4-responder/lambda/internal/evidence/awsip"
	"github.com/iam4-responder/iam4-responder/lambda/internal/investigation"
)

// evidenceMargin is kept free at the end of the invocation for rendering and delivery.
const evidenceMargin = 30 * time.Second

// liveEvidence investigates the function's own account with its own credentials, and member
// accounts through the evidence role in them.
type liveEvidence struct {
	awsCfg     aws.Config
	opts       investigation.Options
	self       *self
	sts        stscreds.AssumeRoleAPIClient
	memberRole string
	athena     athena.API // nil without the Athena source

	mu      sync.Mutex
	clients map[string]investigation.Clients // by account; member credentials cached for their lifetime
}

func newLiveEvidence(ctx context.Context, cfg config.Config, awsCfg aws.Config, me *self, log *slog.Logger) *liveEvidence {
	ranges := awsip.Snapshot()
	if cfg.IPRangesURL != "" {
		fetchCtx, cancel := context.WithTimeout(ctx, 3*time.Second)
		live, err := awsip.Fetch(fetchCtx, http.DefaultClient, cfg.IPRangesURL)
		cancel()
		if err != nil {
			log.Warn("using the embedded AWS IP ranges", "error", err.Error(), "snapshot", ranges.CreateDate)
		} else {
			ranges = live
		}
	}
	e := &liveEvidence{
		awsCfg: awsCfg,
		opts: investigation.Options{
			Regions: cfg.Regions, Lookback: time.Duration(cfg.LookbackDays) * 24 * time.Hour,
			Margin: evidenceMargin, Ranges: ranges,
		},
		self:       me,
		sts:        sts.NewFromConfig(awsCfg),
		memberRole: cfg.MemberRole,
		clients:    map[string]investigation.Clients{},
	}
	if a := cfg.Athena; a != nil {
		// The trail table lives in the responder's account: every account's query runs with the
		// function's own credentials, whoever's event history is read for the tail.
		e.opts.Athena = &investigation.AthenaSource{
			Table:    athena.Table{Database: a.Database, Name: a.Table, Workgroup: a.Workgroup},
			Lookback: time.Duration(a.LookbackDays) * 24 * time.Hour,
		}
		e.athena = awsathena.NewFromConfig(awsCfg)
	}
	return e
}

// Investigate gathers the evidence of account: with the function's own credentials for its own
// account, through the member's evidence role otherwise. The account policy has already
// allowed the account.
func (e *liveEvidence) Investigate(ctx context.Context, account string) (investigation.Result, error) {
	clients, err := e.clientsFor(ctx, account)
	if err != nil {
		return investigation.Result{}, err
	}
	o := e.opts
	o.Account = account
	return investigation.Investigate(ctx, clients, o)
}

func (e *liveEvidence) clientsFor(ctx context.Context, account string) (investigation.Clients, error) {
	own, err := e.self.account(ctx)
	if err != nil {
		return investigation.Clients{}, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if c, ok := e.clients[account]; ok {
		return c, nil
	}
	cfg := e.awsCfg
	if account != own {
		cfg = e.awsCfg.Copy()
		role := fmt.Sprintf("arn:%s:iam::%s:role/%s", partition(cfg.Region), account, e.memberRole)
		// The cache refreshes the credentials before they expire: one AssumeRole per account
		// per session lifetime, however many findings the account sends.
		cfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(e.sts, role,
			func(o *stscreds.AssumeRoleOptions) { o.RoleSessionName = "iam4-responder" }))
	}
	c := investigation.NewClients(cfg)
	c.Athena = e.athena
	e.clients[account] = c
	return c, nil
}

// partition names the ARN partition of a Region.
func partition(region string) string {
	return contract.PartitionFor(region).ID // the SDK's partition metadata, not a prefix guess
}
