// Package config reads the function's settings once, at cold start, from the environment the CDK
// stack sets. A bad or missing setting fails the cold start with a message naming the variable;
// nothing else in the function reads the environment. The checks themselves are the contract
// package's, the same ones `cdk synth` runs on the stack's settings.
package config

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/iam4-responder/iam4-responder/lambda/contract"
	"github.com/iam4-responder/iam4-responder/lambda/internal/followup"
	"github.com/iam4-responder/iam4-responder/lambda/internal/route"
)

// DefaultMemberRole is the evidence role's name in member accounts.
const DefaultMemberRole = contract.DefaultMemberRole

// DefaultIPRangesURL is where AWS publishes its IP ranges; "off" keeps the embedded snapshot.
const DefaultIPRangesURL = contract.DefaultIPRangesURL

// envRegion is the variable Lambda sets to the function's Region.
const envRegion = "AWS_REGION"

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
	// Partition of the function's Region (AWS_REGION), from the SDK's partition metadata: every
	// ARN the function builds (root users, root-task policies, roles) is in it.
	Partition string
	// Athena, when set, makes the organization trail's table the primary evidence source.
	Athena *Athena
	// Following a case to the end: the verification window, when a case counts as stalled,
	// where each account's cases go, which account tags the tickets show, and the Jira
	// transition to take per state.
	FollowUp     followup.Settings
	Routes       route.Table
	OwnerTags    []string
	JiraStatuses map[followup.State]string
}

// Jira is the Jira Cloud sink's configuration.
type Jira = contract.Jira

// FromEnv reads the configuration through getenv (os.Getenv in production).
func FromEnv(getenv func(string) string) (Config, error) {
	s, err := contract.Read(contract.ColdStart, getenv)
	if err != nil {
		return Config{}, fmt.Errorf("configuration: %w", err)
	}
	return Config{
		Athena:   athena(s.Athena),
		TopicARN: s.TopicARN, LedgerTable: s.LedgerTable, DeadLetterQueue: s.DeadLetterQueue, ClaimLease: s.ClaimLease,
		Regions: s.Regions, LookbackDays: s.LookbackDays, IPRangesURL: s.IPRangesURL, Language: s.Language,
		ChatTopicARN: s.ChatTopicARN, OpsCenter: s.OpsCenter, SecurityHub: s.SecurityHub, Jira: s.Jira,
		MemberRole: s.MemberRole, AllowedAccounts: s.AllowedAccounts, OrganizationID: s.OrganizationID,
		Containment: s.Containment, ManagementAccount: s.ManagementAccount, ContainAllow: s.ContainAllow, ContainDeny: s.ContainDeny,
		Partition: contract.PartitionFor(strings.TrimSpace(getenv(envRegion))).ID,
		FollowUp:  followup.Settings{VerifyDays: s.VerifyDays, StaleDays: s.StaleDays},
		Routes:    s.Routes, OwnerTags: s.OwnerTags, JiraStatuses: s.JiraStatuses,
	}, nil
}

// FromOS reads the configuration from the process environment.
func FromOS() (Config, error) { return FromEnv(os.Getenv) }
