// Package contract is the vocabulary the function and the infrastructure that deploys it share:
// the control IAM.4 in every form a finding carries it, the environment variables through which
// the CDK stack configures the function, the evidence role's default name in member accounts,
// and the AWS root-task policies containment uses. Both sides import it, so they cannot drift
// apart.
//
// It is a public package because the CDK app lives outside lambda/. It imports only the
// pure packages that define what a setting may say (the follow-up states, the routing rules).
package contract

// Environment variables the stack sets and the function reads (lambda/internal/config).
const (
	EnvTopicARN        = "IAM4_TOPIC_ARN"
	EnvLedgerTable     = "IAM4_LEDGER_TABLE"
	EnvDeadLetterQueue = "IAM4_DEAD_LETTER_QUEUE_URL"
	EnvClaimLease      = "IAM4_CLAIM_LEASE"
	EnvRegions         = "IAM4_REGIONS"
	EnvLookbackDays    = "IAM4_LOOKBACK_DAYS"
	EnvIPRangesURL     = "IAM4_IP_RANGES_URL"
	EnvLanguage        = "IAM4_LANGUAGE"
	EnvChatTopicARN    = "IAM4_CHAT_TOPIC_ARN"
	EnvOpsCenter       = "IAM4_OPSCENTER"
	EnvSecurityHub     = "IAM4_SECURITYHUB_WRITEBACK"
	EnvJiraURL         = "IAM4_JIRA_URL"
	EnvJiraProject     = "IAM4_JIRA_PROJECT"
	EnvJiraIssueType   = "IAM4_JIRA_ISSUE_TYPE"
	EnvJiraLabels      = "IAM4_JIRA_LABELS"
	EnvJiraPriorities  = "IAM4_JIRA_PRIORITIES"
	EnvJiraTransition  = "IAM4_JIRA_TRANSITION"
	EnvJiraSecretARN   = "IAM4_JIRA_SECRET_ARN"
	EnvMemberRole      = "IAM4_MEMBER_ROLE_NAME"
	EnvAllowedAccounts = "IAM4_ALLOWED_ACCOUNTS"
	EnvOrganizationID  = "IAM4_ORGANIZATION_ID"
	EnvContainment     = "IAM4_CONTAINMENT"
	EnvManagement      = "IAM4_MANAGEMENT_ACCOUNT"
	EnvContainAllow    = "IAM4_CONTAINMENT_ALLOW"
	EnvContainDeny     = "IAM4_CONTAINMENT_DENY"
)

// Environment variables of following a case to the end (package followup, route, owner).
const (
	EnvVerifyDays   = "IAM4_VERIFY_DAYS"
	EnvStaleDays    = "IAM4_STALE_DAYS"
	EnvRoutes       = "IAM4_ROUTES"
	EnvOwnerTags    = "IAM4_OWNER_TAGS"
	EnvJiraStatuses = "IAM4_JIRA_STATUSES"
)

// DefaultMemberRole is the evidence role's name in member accounts.
const DefaultMemberRole = "iam4-responder-evidence"

// SmokeTestField is the ASFF ProductFields key that marks a synthetic finding of `iam4 smoke`:
// its case is kept apart from the account's real one, and it is never contained nor written
// back to Security Hub (which does not hold it). Only a direct invocation can carry it: Security
// Hub's own findings cannot be given ProductFields by anyone but Security Hub.
const SmokeTestField = "iam4-responder/smoke-test"
