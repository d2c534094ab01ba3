// Package awsenv builds the function's SDK configuration from the environment Lambda gives every
// function: its Region, its execution role's credentials and, for local runs, configured
// endpoints. It exists for the bootstrap's size: the SDK's config.LoadDefaultConfig links every
// credential source it might meet (SSO, the console sign-in provider, IMDS, containers,
// processes, shared files), about 1 MB of a Lambda that can meet only the environment. The CLI,
// which runs where profiles and SSO do exist, keeps the SDK's loader (lambda/cmd/iam4).
//
// It must never read anything but the environment, and must agree with the SDK's loader on
// every variable it reads (a test compares the two).
package awsenv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/smithy-go/logging"
)

// The variables Lambda sets for every function ("Defined runtime environment variables", AWS
// Lambda developer guide) and the SDK's own endpoint settings ("Service-specific endpoints",
// AWS SDKs and Tools reference guide).
const (
	envRegion       = "AWS_REGION"
	envAccessKey    = "AWS_ACCESS_KEY_ID"
	envSecretKey    = "AWS_SECRET_ACCESS_KEY"
	envSessionToken = "AWS_SESSION_TOKEN"
	envEndpoint     = "AWS_ENDPOINT_URL"
	envIgnore       = "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"
	envFIPS         = "AWS_USE_FIPS_ENDPOINT"
	envDualStack    = "AWS_USE_DUALSTACK_ENDPOINT"
)

// Load returns the SDK configuration of a Lambda environment read through getenv (os.Getenv in
// the function), with retryer as every client's retry policy. A missing Region or credential
// fails the cold start naming the variable.
func Load(getenv func(string) string, retryer func() aws.Retryer) (aws.Config, error) {
	src := source{getenv: getenv}
	region := getenv(envRegion)
	if region == "" {
		return aws.Config{}, fmt.Errorf("%s is not set: the function's Region comes from Lambda's environment", envRegion)
	}
	id, secret := getenv(envAccessKey), getenv(envSecretKey)
	if id == "" || secret == "" {
		return aws.Config{}, fmt.Errorf("%s or %s is not set: the execution role's credentials come from Lambda's environment", envAccessKey, envSecretKey)
	}
	fips, err := src.flag(envFIPS)
	if err != nil {
		return aws.Config{}, err
	}
	dual, err := src.flag(envDualStack)
	if err != nil {
		return aws.Config{}, err
	}
	src.fips, src.dualStack = fips, dual
	cfg := aws.Config{
		Region:                     region,
		Credentials:                aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(id, secret, getenv(envSessionToken))),
		Retryer:                    retryer,
		Logger:                     logging.NewStandardLogger(os.Stderr),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenSupported,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenSupported,
		ConfigSources:              []any{src},
	}
	if e := getenv(envEndpoint); e != "" && !src.ignoreEndpoints() {
		cfg.BaseEndpoint = aws.String(e)
	}
	return cfg, nil
}

// source answers the questions every service client asks its configuration sources when it is
// built (the SDK's internal/configsources interfaces): a service's own endpoint, whether
// configured endpoints are ignored, FIPS and dual-stack endpoints.
type source struct {
	getenv          func(string) string
	fips, dualStack bool
}

// GetServiceBaseEndpoint is AWS_ENDPOINT_URL_<SERVICE>, the SDK id upper-cased with spaces as
// underscores (AWS_ENDPOINT_URL_SECURITYHUB, AWS_ENDPOINT_URL_SECRETS_MANAGER).
func (s source) GetServiceBaseEndpoint(_ context.Context, sdkID string) (string, bool, error) {
	name := envEndpoint + "_" + strings.ReplaceAll(strings.ToUpper(sdkID), " ", "_")
	if v := s.getenv(name); v != "" {
		return v, true, nil
	}
	return "", false, nil
}

// GetIgnoreConfiguredEndpoints is AWS_IGNORE_CONFIGURED_ENDPOINT_URLS.
func (s source) GetIgnoreConfiguredEndpoints(context.Context) (bool, bool, error) {
	return s.ignoreEndpoints(), s.getenv(envIgnore) != "", nil
}

func (s source) ignoreEndpoints() bool { return strings.EqualFold(s.getenv(envIgnore), "true") }

// GetUseFIPSEndpoint is AWS_USE_FIPS_ENDPOINT.
func (s source) GetUseFIPSEndpoint(context.Context) (aws.FIPSEndpointState, bool, error) {
	if s.getenv(envFIPS) == "" {
		return aws.FIPSEndpointStateUnset, false, nil
	}
	if s.fips {
		return aws.FIPSEndpointStateEnabled, true, nil
	}
	return aws.FIPSEndpointStateDisabled, true, nil
}

// GetUseDualStackEndpoint is AWS_USE_DUALSTACK_ENDPOINT.
func (s source) GetUseDualStackEndpoint(context.Context) (aws.DualStackEndpointState, bool, error) {
	if s.getenv(envDualStack) == "" {
		return aws.DualStackEndpointStateUnset, false, nil
	}
	if s.dualStack {
		return aws.DualStackEndpointStateEnabled, true, nil
	}
	return aws.DualStackEndpointStateDisabled, true, nil
}

// flag reads a true/false variable as the SDK does (case-insensitive); anything else is an error.
func (s source) flag(name string) (bool, error) {
	switch v := s.getenv(name); {
	case v == "":
		return false, nil
	case strings.EqualFold(v, "true"):
		return true, nil
	case strings.EqualFold(v, "false"):
		return false, nil
	default:
		return false, errors.New(name + ` must be "true" or "false", not "` + v + `"`)
	}
}
