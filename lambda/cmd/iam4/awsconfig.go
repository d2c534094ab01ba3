package main

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"

	"github.com/iam4-responder/iam4-responder/lambda/internal/investigation"
)

// loadAWS loads the SDK configuration once per process, as any AWS tool does where people run
// it (profiles, SSO, shared files, the environment), with investigation.Retryer, which slows down
// on CloudTrail's ThrottlingException instead of failing. Endpoints come from the standard
// variables (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>), which is how local runs point the CLI
// at moto and the emulator. The Lambda reads only its environment (lambda/internal/awsenv), so
// that the SDK's other credential sources stay out of its bootstrap.
func loadAWS(ctx context.Context) (aws.Config, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRetryer(investigation.Retryer))
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS configuration: %w", err)
	}
	return cfg, nil
}
