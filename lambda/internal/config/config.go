// Package config reads the function's settings once, at cold start, from the environment the CDK
// stack sets. A bad or missing setting fails the cold start with a message naming the variable;
// nothing else in the function reads the environment.
package config

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
)

// Variables the stack sets on the function.
const (
	EnvTopicARN        = "IAM4_TOPIC_ARN"
	EnvLedgerTable     = "IAM4_LEDGER_TABLE"
	EnvDeadLetterQueue = "IAM4_DEAD_LETTER_QUEUE_URL"
	EnvClaimLease      = "IAM4_CLAIM_LEASE"
)

// Config is the function's validated configuration.
type Config struct {
	TopicARN        string        // SNS topic for the e-mail notification
	LedgerTable     string        // DynamoDB table of the delivery ledger
	DeadLetterQueue string        // SQS queue URL for events that no retry can fix
	ClaimLease      time.Duration // how long a delivery claim holds before another attempt may take it
}

// FromEnv reads the configuration through getenv (os.Getenv in production).
func FromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		TopicARN:        strings.TrimSpace(getenv(EnvTopicARN)),
		LedgerTable:     strings.TrimSpace(getenv(EnvLedgerTable)),
		DeadLetterQueue: strings.TrimSpace(getenv(EnvDeadLetterQueue)),
		ClaimLease:      5 * time.Minute,
	}
	var errs []error
	if !strings.HasPrefix(c.TopicARN, "arn:") || strings.Count(c.TopicARN, ":") != 5 {
		errs = append(errs, fmt.Errorf("%s: %q is not an SNS topic ARN", EnvTopicARN, c.TopicARN))
	}
	if c.LedgerTable == "" {
		errs = append(errs, fmt.Errorf("%s: missing (the DynamoDB ledger table name)", EnvLedgerTable))
	}
	if !strings.HasPrefix(c.DeadLetterQueue, "http://") && !strings.HasPrefix(c.DeadLetterQueue, "https://") {
		errs = append(errs, fmt.Errorf("%s: %q is not an SQS queue URL", EnvDeadLetterQueue, c.DeadLetterQueue))
	}
	if v := strings.TrimSpace(getenv(EnvClaimLease)); v != "" {
		d, err := time.ParseDuration(v)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("%s: %q is not a duration such as 5m", EnvClaimLease, v))
		case d < 10*time.Second || d > time.Hour:
			errs = append(errs, fmt.Errorf("%s: %s is outside 10s..1h", EnvClaimLease, d))
		default:
			c.ClaimLease = d
		}
	}
	if len(errs) > 0 {
		return Config{}, fmt.Errorf("configuration: %w", errors.Join(errs...))
	}
	return c, nil
}

// FromOS reads the configuration from the process environment.
func FromOS() (Config, error) { return FromEnv(os.Getenv) }
