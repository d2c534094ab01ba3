package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/iam4-responder/iam4-responder/lambda/internal/config"
	"github.com/iam4-responder/iam4-responder/lambda/internal/evidence/awsip"
	"github.com/iam4-responder/iam4-responder/lambda/internal/investigation"
)

// evidenceMargin is kept free at the end of the invocation for rendering and delivery.
const evidenceMargin = 30 * time.Second

// liveEvidence investigates the function's own account with the function's credentials.
type liveEvidence struct {
	clients investigation.Clients
	opts    investigation.Options
	sts     *sts.Client

	mu  sync.Mutex
	own string // the function's account, once known
}

func newLiveEvidence(ctx context.Context, cfg config.Config, awsCfg aws.Config, log *slog.Logger) *liveEvidence {
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
	return &liveEvidence{
		sts:     sts.NewFromConfig(awsCfg),
		clients: investigation.NewClients(awsCfg),
		opts: investigation.Options{
			Regions: cfg.Regions, Lookback: time.Duration(cfg.LookbackDays) * 24 * time.Hour,
			Margin: evidenceMargin, Ranges: ranges,
		},
	}
}

// whoami returns the function's own account, asked once (GetCallerIdentity needs no permission)
// and kept only when the answer came.
func (e *liveEvidence) whoami(ctx context.Context) (string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.own != "" {
		return e.own, nil
	}
	out, err := e.sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", fmt.Errorf("get caller identity: %w", err)
	}
	e.own = aws.ToString(out.Account)
	return e.own, nil
}

// Investigate gathers the evidence of account, which must be the function's own: reading a
// member account needs the evidence role of the organizations setup.
func (e *liveEvidence) Investigate(ctx context.Context, account string) (investigation.Result, error) {
	own, err := e.whoami(ctx)
	if err != nil {
		return investigation.Result{}, err
	}
	if account != own {
		return investigation.Result{}, fmt.Errorf("the finding is about account %s and the function runs in %s: "+
			"cross-account evidence needs an evidence role in that account", account, own)
	}
	o := e.opts
	o.Account = account
	return investigation.Investigate(ctx, e.clients, o)
}
