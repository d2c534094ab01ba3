// Package config reads the function's settings once, at cold start, from the environment the CDK
// stack sets. A bad or missing setting fails the cold start with a message naming the variable;
// nothing else in the function reads the environment.
package config

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Variables the stack sets on the function.
const (
	EnvTopicARN        = "IAM4_TOPIC_ARN"
	EnvLedgerTable     = "IAM4_LEDGER_TABLE"
	EnvDeadLetterQueue = "IAM4_DEAD_LETTER_QUEUE_URL"
	EnvClaimLease      = "IAM4_CLAIM_LEASE"
	EnvRegions         = "IAM4_REGIONS"
	EnvLookbackDays    = "IAM4_LOOKBACK_DAYS"
	EnvIPRangesURL     = "IAM4_IP_RANGES_URL"
)

// DefaultIPRangesURL is where AWS publishes its IP ranges; "off" keeps the embedded snapshot.
const DefaultIPRangesURL = "https://ip-ranges.amazonaws.com/ip-ranges.json"

// Config is the function's validated configuration.
type Config struct {
	TopicARN        string        // SNS topic for the e-mail notification
	LedgerTable     string        // DynamoDB table of the delivery ledger
	DeadLetterQueue string        // SQS queue URL for events that no retry can fix
	ClaimLease      time.Duration // how long a delivery claim holds before another attempt may take it
	Regions         []string      // Regions to read CloudTrail in; empty: the account's enabled Regions
	LookbackDays    int           // CloudTrail lookback, 1 to 90
	IPRangesURL     string        // where to read AWS's IP ranges at cold start; "" keeps the snapshot
}

// FromEnv reads the configuration through getenv (os.Getenv in production).
func FromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		TopicARN:        strings.TrimSpace(getenv(EnvTopicARN)),
		LedgerTable:     strings.TrimSpace(getenv(EnvLedgerTable)),
		DeadLetterQueue: strings.TrimSpace(getenv(EnvDeadLetterQueue)),
		ClaimLease:      5 * time.Minute,
		LookbackDays:    90,
		IPRangesURL:     DefaultIPRangesURL,
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
	for _, r := range strings.Split(getenv(EnvRegions), ",") {
		if r = strings.TrimSpace(r); r == "" {
			continue
		}
		if !regionName.MatchString(r) {
			errs = append(errs, fmt.Errorf("%s: %q is not a Region name", EnvRegions, r))
		}
		c.Regions = append(c.Regions, r)
	}
	if v := strings.TrimSpace(getenv(EnvLookbackDays)); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 90 {
			errs = append(errs, fmt.Errorf("%s: %q is not a whole number of days from 1 to 90 (CloudTrail keeps 90)", EnvLookbackDays, v))
		}
		c.LookbackDays = n
	}
	switch v := strings.TrimSpace(getenv(EnvIPRangesURL)); {
	case v == "":
	case v == "off":
		c.IPRangesURL = ""
	case strings.HasPrefix(v, "https://") || strings.HasPrefix(v, "http://"):
		c.IPRangesURL = v
	default:
		errs = append(errs, fmt.Errorf("%s: %q is neither a URL nor off", EnvIPRangesURL, v))
	}
	if len(errs) > 0 {
		return Config{}, fmt.Errorf("configuration: %w", errors.Join(errs...))
	}
	return c, nil
}

var regionName = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$`)

// FromOS reads the configuration from the process environment.
func FromOS() (Config, error) { return FromEnv(os.Getenv) }
