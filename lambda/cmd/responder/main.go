// Command responder is the Lambda function (built as bootstrap for provided.al2023): it reads its
// configuration and builds its AWS clients once per cold start, then hands every Security Hub
// event to the case handler.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/iam4-responder/iam4-responder/lambda/internal/awsenv"
	"github.com/iam4-responder/iam4-responder/lambda/internal/casework"
	"github.com/iam4-responder/iam4-responder/lambda/internal/config"
	"github.com/iam4-responder/iam4-responder/lambda/internal/investigation"
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
	awsCfg, err := awsenv.Load(os.Getenv, investigation.Retryer)
	if err != nil {
		return err
	}
	h, err := casework.New(ctx, cfg, awsCfg, lambdacontext.NewLogger())
	if err != nil {
		return err
	}
	lambda.StartWithOptions(h.Handle, lambda.WithContext(ctx))
	return nil
}
