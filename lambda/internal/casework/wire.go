package casework

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/iam4-responder/iam4-responder/lambda/internal/config"
	"github.com/iam4-responder/iam4-responder/lambda/internal/contain"
	"github.com/iam4-responder/iam4-responder/lambda/internal/ledger"
	"github.com/iam4-responder/iam4-responder/lambda/internal/metrics"
	"github.com/iam4-responder/iam4-responder/lambda/internal/owner"
	"github.com/iam4-responder/iam4-responder/lambda/internal/report"
	"github.com/iam4-responder/iam4-responder/lambda/internal/route"
	"github.com/iam4-responder/iam4-responder/lambda/internal/sink"
)

// New builds the AWS clients the configuration calls for and the handler that uses them. It is
// called once per cold start.
func New(ctx context.Context, cfg config.Config, awsCfg aws.Config, log *slog.Logger) (*Handler, error) {
	lang, err := report.ParseLang(cfg.Language)
	if err != nil {
		return nil, err
	}
	rec := metrics.New(os.Stdout, os.Getenv("AWS_LAMBDA_FUNCTION_NAME"), time.Now)
	awsCfg.Retryer = metrics.CountThrottles(awsCfg.Retryer, rec)
	me := &self{sts: sts.NewFromConfig(awsCfg)}
	policy := &accountPolicy{self: me, allowed: cfg.AllowedAccounts, orgID: cfg.OrganizationID}
	var owners OwnerLookup
	// The stack grants the Organizations look-ups under the same condition (infra/responder,
	// grantOwnerLookup).
	if cfg.OrganizationID != "" || len(cfg.OwnerTags) > 0 || len(cfg.Routes.Rules) > 0 {
		org := organizations.NewFromConfig(awsCfg)
		if cfg.OrganizationID != "" {
			policy.org = org
		}
		owners = &owner.Owners{API: org, Tags: cfg.OwnerTags}
	}
	ev := newLiveEvidence(ctx, cfg, awsCfg, me, log)
	topics := sns.NewFromConfig(awsCfg)
	base := sinks(cfg, awsCfg, topics)
	h := &Handler{
		Log:        log,
		Accounts:   policy,
		Ledger:     &ledger.Ledger{Store: ledger.Dynamo{API: dynamodb.NewFromConfig(awsCfg), Table: cfg.LedgerTable}},
		Lease:      cfg.ClaimLease,
		Sinks:      base,
		Refused:    sink.Refused,
		DeadLetter: DeadLetter{API: sqs.NewFromConfig(awsCfg), QueueURL: cfg.DeadLetterQueue},
		Evidence:   ev,
		Owners:     owners,
		Lang:       lang,
		Metrics:    rec,
		Follow:     FollowUp{Settings: cfg.FollowUp, Observer: ev},
	}
	if mode, err := contain.ParseMode(cfg.Containment); err != nil {
		return nil, err
	} else if mode != contain.Off {
		lookback := time.Duration(cfg.LookbackDays) * 24 * time.Hour
		h.Contain = &contain.Guard{
			Mode: mode, Management: cfg.ManagementAccount, Allow: cfg.ContainAllow, Deny: cfg.ContainDeny,
			Findings: contain.SecurityHubProof{Hub: func(region string) contain.HubAPI {
				return securityhub.NewFromConfig(awsCfg, func(o *securityhub.Options) { o.Region = region })
			}},
			Sessions: contain.AssumeRoot{STS: sts.NewFromConfig(awsCfg), Config: awsCfg},
			Search:   contain.TrailSearch{Clients: ev.clientsFor, Regions: cfg.Regions, Lookback: lookback},
			Lookback: lookback,
		}
	}
	if cfg.SecurityHub {
		// BatchUpdateFindings throttles with LimitExceededException, which the SDK does not
		// retry by itself (Security Hub API reference).
		h.WriteBack = sink.SecurityHub{API: securityhub.NewFromConfig(awsCfg, func(o *securityhub.Options) {
			o.Retryer = retry.AddWithErrorCodes(o.Retryer, "LimitExceededException")
		})}
	}
	if len(cfg.Routes.Rules) > 0 || cfg.Routes.Default != (route.Channels{}) {
		h.Routes = &Routes{Table: cfg.Routes, SNS: topics}
		for _, s := range base {
			if j, ok := s.(sink.Jira); ok {
				h.Routes.Jira = &j
			}
		}
	}
	return h, nil
}

// sinks builds the channels the configuration switches on; the e-mail is always there.
func sinks(cfg config.Config, awsCfg aws.Config, topics *sns.Client) []CaseSink {
	out := []CaseSink{sink.Email{SNS: sink.SNS{API: topics, TopicARN: cfg.TopicARN}}}
	if cfg.ChatTopicARN != "" {
		out = append(out, sink.Chat{SNS: sink.SNS{API: topics, TopicARN: cfg.ChatTopicARN}})
	}
	if cfg.OpsCenter {
		out = append(out, sink.OpsItem{API: ssm.NewFromConfig(awsCfg)})
	}
	if j := cfg.Jira; j != nil {
		out = append(out, sink.Jira{
			BaseURL: j.URL, Project: j.Project, IssueType: j.IssueType, Labels: j.Labels,
			Priorities: j.Priorities, Transition: j.Transition, Statuses: jiraStatuses(cfg),
			HTTP:  &http.Client{Timeout: 20 * time.Second},
			Creds: &sink.JiraCredentials{API: secretsmanager.NewFromConfig(awsCfg), SecretID: j.SecretARN},
		})
	}
	return out
}
