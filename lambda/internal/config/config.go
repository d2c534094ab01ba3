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

	"github.com/iam4-responder/iam4-responder/lambda/contract"
)

// DefaultMemberRole is the evidence role's name in member accounts.
const DefaultMemberRole = contract.DefaultMemberRole

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
	Language        string        // en or ja
	ChatTopicARN    string        // SNS topic of the chat channels; "" for none
	OpsCenter       bool          // open OpsItems
	SecurityHub     bool          // write the case back to the findings
	Jira            *Jira         // nil when Jira is not configured
	// Member accounts: findings about another account are investigated through MemberRole in
	// it, if the account is in AllowedAccounts or in the organization OrganizationID; others
	// are refused.
	MemberRole      string
	AllowedAccounts []string
	OrganizationID  string
	// Containment of unused root keys in member accounts: off, dry-run or delete-unused.
	Containment       string
	ManagementAccount string // never touched; required when containment is on
	ContainAllow      []string
	ContainDeny       []string
	// Athena, when set, makes the organization trail's table the primary evidence source.
	Athena *Athena
}

// Jira is the Jira Cloud sink's configuration.
type Jira struct {
	URL        string
	Project    string
	IssueType  string
	Labels     []string
	Priorities map[string]string // finding severity label → Jira priority name
	Transition string
	SecretARN  string // Secrets Manager secret with {"email", "api_token"}
}

// FromEnv reads the configuration through getenv (os.Getenv in production).
func FromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		TopicARN:        strings.TrimSpace(getenv(contract.EnvTopicARN)),
		LedgerTable:     strings.TrimSpace(getenv(contract.EnvLedgerTable)),
		DeadLetterQueue: strings.TrimSpace(getenv(contract.EnvDeadLetterQueue)),
		ClaimLease:      5 * time.Minute,
		LookbackDays:    90,
		IPRangesURL:     DefaultIPRangesURL,
		Language:        "en",
		SecurityHub:     true,
		MemberRole:      DefaultMemberRole,
	}
	var errs []error
	if !strings.HasPrefix(c.TopicARN, "arn:") || strings.Count(c.TopicARN, ":") != 5 {
		errs = append(errs, fmt.Errorf("%s: %q is not an SNS topic ARN", contract.EnvTopicARN, c.TopicARN))
	}
	if c.LedgerTable == "" {
		errs = append(errs, fmt.Errorf("%s: missing (the DynamoDB ledger table name)", contract.EnvLedgerTable))
	}
	if !strings.HasPrefix(c.DeadLetterQueue, "http://") && !strings.HasPrefix(c.DeadLetterQueue, "https://") {
		errs = append(errs, fmt.Errorf("%s: %q is not an SQS queue URL", contract.EnvDeadLetterQueue, c.DeadLetterQueue))
	}
	if v := strings.TrimSpace(getenv(contract.EnvClaimLease)); v != "" {
		d, err := time.ParseDuration(v)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("%s: %q is not a duration such as 5m", contract.EnvClaimLease, v))
		case d < 10*time.Second || d > time.Hour:
			errs = append(errs, fmt.Errorf("%s: %s is outside 10s..1h", contract.EnvClaimLease, d))
		default:
			c.ClaimLease = d
		}
	}
	c.Regions = listOf(getenv, contract.EnvRegions, regionName, "a Region name", &errs)
	c.Athena = athenaFromEnv(getenv, &errs)
	if v := strings.TrimSpace(getenv(contract.EnvLookbackDays)); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 90 {
			errs = append(errs, fmt.Errorf("%s: %q is not a whole number of days from 1 to 90 (CloudTrail keeps 90)", contract.EnvLookbackDays, v))
		}
		c.LookbackDays = n
	}
	switch v := strings.TrimSpace(getenv(contract.EnvIPRangesURL)); {
	case v == "":
	case v == "off":
		c.IPRangesURL = ""
	case strings.HasPrefix(v, "https://") || strings.HasPrefix(v, "http://"):
		c.IPRangesURL = v
	default:
		errs = append(errs, fmt.Errorf("%s: %q is neither a URL nor off", contract.EnvIPRangesURL, v))
	}
	switch v := strings.ToLower(strings.TrimSpace(getenv(contract.EnvLanguage))); v {
	case "", "en":
	case "ja":
		c.Language = "ja"
	default:
		errs = append(errs, fmt.Errorf("%s: %q is not en or ja", contract.EnvLanguage, v))
	}
	if v := strings.TrimSpace(getenv(contract.EnvChatTopicARN)); v != "" {
		if !strings.HasPrefix(v, "arn:") || strings.Count(v, ":") != 5 {
			errs = append(errs, fmt.Errorf("%s: %q is not an SNS topic ARN", contract.EnvChatTopicARN, v))
		}
		c.ChatTopicARN = v
	}
	var err error
	if c.OpsCenter, err = onOff(getenv(contract.EnvOpsCenter), false); err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", contract.EnvOpsCenter, err))
	}
	if c.SecurityHub, err = onOff(getenv(contract.EnvSecurityHub), true); err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", contract.EnvSecurityHub, err))
	}
	if v := strings.TrimSpace(getenv(contract.EnvMemberRole)); v != "" {
		if !roleName.MatchString(v) {
			errs = append(errs, fmt.Errorf("%s: %q is not an IAM role name", contract.EnvMemberRole, v))
		}
		c.MemberRole = v
	}
	c.AllowedAccounts = listOf(getenv, contract.EnvAllowedAccounts, accountID, "a 12-digit account id", &errs)
	if v := strings.TrimSpace(getenv(contract.EnvOrganizationID)); v != "" {
		if !orgID.MatchString(v) {
			errs = append(errs, fmt.Errorf("%s: %q is not an organization id (o-…)", contract.EnvOrganizationID, v))
		}
		c.OrganizationID = v
	}
	switch v := strings.TrimSpace(getenv(contract.EnvContainment)); v {
	case "", "off":
		c.Containment = "off"
	case "dry-run", "delete-unused":
		c.Containment = v
		c.ManagementAccount = strings.TrimSpace(getenv(contract.EnvManagement))
		if !accountID.MatchString(c.ManagementAccount) {
			errs = append(errs, fmt.Errorf("%s: %q is not a 12-digit account id (required with %s=%s: it is never touched)",
				contract.EnvManagement, c.ManagementAccount, contract.EnvContainment, v))
		}
	default:
		errs = append(errs, fmt.Errorf("%s: %q is not off, dry-run or delete-unused", contract.EnvContainment, v))
	}
	c.ContainAllow = listOf(getenv, contract.EnvContainAllow, accountID, "a 12-digit account id", &errs)
	c.ContainDeny = listOf(getenv, contract.EnvContainDeny, accountID, "a 12-digit account id", &errs)
	if u := strings.TrimSpace(getenv(contract.EnvJiraURL)); u != "" {
		j, jerrs := jiraFromEnv(u, getenv)
		c.Jira, errs = j, append(errs, jerrs...)
	}
	if len(errs) > 0 {
		return Config{}, fmt.Errorf("configuration: %w", errors.Join(errs...))
	}
	return c, nil
}

// listOf reads a comma-separated variable whose every item must match pattern.
func listOf(getenv func(string) string, env string, pattern *regexp.Regexp, what string, errs *[]error) []string {
	var out []string
	for _, v := range strings.Split(getenv(env), ",") {
		if v = strings.TrimSpace(v); v == "" {
			continue
		}
		if !pattern.MatchString(v) {
			*errs = append(*errs, fmt.Errorf("%s: %q is not %s", env, v, what))
		}
		out = append(out, v)
	}
	return out
}

func onOff(v string, def bool) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "":
		return def, nil
	case "on", "true", "1":
		return true, nil
	case "off", "false", "0":
		return false, nil
	}
	return false, fmt.Errorf("%q is neither on nor off", v)
}

func jiraFromEnv(u string, getenv func(string) string) (*Jira, []error) {
	var errs []error
	j := &Jira{URL: strings.TrimRight(u, "/"), Project: strings.TrimSpace(getenv(contract.EnvJiraProject)),
		IssueType: strings.TrimSpace(getenv(contract.EnvJiraIssueType)), Transition: strings.TrimSpace(getenv(contract.EnvJiraTransition)),
		SecretARN: strings.TrimSpace(getenv(contract.EnvJiraSecretARN)), Priorities: map[string]string{}}
	if !strings.HasPrefix(j.URL, "https://") && !strings.HasPrefix(j.URL, "http://") {
		errs = append(errs, fmt.Errorf("%s: %q is not a URL", contract.EnvJiraURL, u))
	}
	if j.Project == "" {
		errs = append(errs, fmt.Errorf("%s: missing (the Jira project key)", contract.EnvJiraProject))
	}
	if !strings.HasPrefix(j.SecretARN, "arn:") {
		errs = append(errs, fmt.Errorf("%s: %q is not a Secrets Manager secret ARN", contract.EnvJiraSecretARN, j.SecretARN))
	}
	if j.IssueType == "" {
		j.IssueType = "Task"
	}
	if j.Transition == "" {
		j.Transition = "Done"
	}
	for _, l := range strings.Split(getenv(contract.EnvJiraLabels), ",") {
		if l = strings.TrimSpace(l); l == "" {
			continue
		}
		if strings.ContainsAny(l, " \t") {
			errs = append(errs, fmt.Errorf("%s: label %q has a space, which Jira refuses", contract.EnvJiraLabels, l))
		}
		j.Labels = append(j.Labels, l)
	}
	for _, pair := range strings.Split(getenv(contract.EnvJiraPriorities), ",") {
		if pair = strings.TrimSpace(pair); pair == "" {
			continue
		}
		sev, name, ok := strings.Cut(pair, "=")
		if !ok || strings.TrimSpace(name) == "" {
			errs = append(errs, fmt.Errorf("%s: %q is not SEVERITY=Priority", contract.EnvJiraPriorities, pair))
			continue
		}
		j.Priorities[strings.ToUpper(strings.TrimSpace(sev))] = strings.TrimSpace(name)
	}
	return j, errs
}

var (
	roleName  = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)
	accountID = regexp.MustCompile(`^[0-9]{12}$`)
	orgID     = regexp.MustCompile(`^o-[a-z0-9]{10,32}$`)
)

var regionName = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$`)

// FromOS reads the configuration from the process environment.
func FromOS() (Config, error) { return FromEnv(os.Getenv) }
