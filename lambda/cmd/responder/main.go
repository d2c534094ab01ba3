// Command responder is the Lambda function (built as bootstrap for provided.al2023): it reads its
// configuration and builds its AWS clients once per cold start, then hands every Security Hub
// event to Handler.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/iam4-responder/iam4-responder/lambda/internal/config"
	"github.com/iam4-responder/iam4-responder/lambda/internal/ledger"
	"github.com/iam4-responder/iam4-responder/lambda/internal/sink"
)

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "responder:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	cfg, err := config.FromOS()
	if err != nil {
		return err
	}
	// The adaptive retry mode backs off on throttling across all calls of a client, which is
	// what a burst of findings needs (aws-sdk-go-v2 developer guide, "Retries and timeouts").
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRetryer(func() aws.Retryer {
		// CloudTrail throttles above 2 requests per second per Region: more attempts than the
		// default three, spaced by the adaptive mode's client-side rate limiter.
		return retry.NewAdaptiveMode(func(o *retry.AdaptiveModeOptions) {
			o.StandardOptions = append(o.StandardOptions, func(so *retry.StandardOptions) { so.MaxAttempts = 10 })
		})
	}))
	if err != nil {
		return fmt.Errorf("load AWS configuration: %w", err)
	}
	log := lambdacontext.NewLogger()
	h := &Handler{
		Log: log,
		Ledger: &ledger.Ledger{
			API: dynamodb.NewFromConfig(awsCfg), Table: cfg.LedgerTable, Lease: cfg.ClaimLease,
		},
		Email:      sink.SNS{API: sns.NewFromConfig(awsCfg), TopicARN: cfg.TopicARN},
		DeadLetter: DeadLetter{API: sqs.NewFromConfig(awsCfg), QueueURL: cfg.DeadLetterQueue},
		Evidence:   newLiveEvidence(ctx, cfg, awsCfg, log),
	}
	lambda.StartWithOptions(h.Handle, lambda.WithContext(ctx))
	return nil
}
