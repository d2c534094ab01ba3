package contract

// This file is the one validator of the responder's settings. The CDK app reads them from its
// context (cdk.json, -c key=value) at synth, the function from its environment at cold start;
// both call Read, so a value that passes `cdk synth` cannot fail the cold start and the two can
// never again disagree on what a role name or a Jira label is. A new setting is one row in the
// table below (its names on each side and a parser) plus a field in Settings.

import (
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/iam4-responder/iam4-responder/lambda/internal/followup"
	"github.com/iam4-responder/iam4-responder/lambda/internal/route"
)

// Side says who reads the settings, and so by which names.
type Side int

const (
	// Synth is the CDK app: CDK context keys.
	Synth Side = iota
	// ColdStart is the function: environment variables.
	ColdStart
)

// Settings are every setting of the responder, validated. Fields only one side reads stay at
// their zero value (or default) on the other.
type Settings struct {
	// The stack only.
	StackName           string
	CodeDir             string
	Emails              []string
	LogRetentionDays    int
	TimeoutMinutes      int
	MemoryMB            int
	ReservedConcurrency int
	Chat                bool
	ActionTargetID      string // the Security Hub custom action's id
	EvidenceTargetOUs   []string
	EvidenceCallAs      string
	ResponderAccount    string
	ResponderRegion     string // the responder's Region, where member accounts forward root-key events
	JiraSecretKMSKey    string // the customer managed key that encrypts the Jira secret, if any

	// The function only.
	TopicARN        string
	LedgerTable     string
	DeadLetterQueue string
	ClaimLease      time.Duration
	IPRangesURL     string // "" keeps the embedded snapshot
	ChatTopicARN    string

	// Both.
	Regions           []string
	LookbackDays      int
	Language          string
	OpsCenter         bool
	SecurityHub       bool
	Jira              *Jira // nil when Jira is off
	MemberRole        string
	AllowedAccounts   []string
	OrganizationID    string
	Containment       string // off, dry-run, delete-unused
	ManagementAccount string
	ContainAllow      []string
	ContainDeny       []string

	// Following a case to the end (both sides; the stack alone for the schedules).
	VerifyDays      int                       // days every key stays inactive before "ready to delete"
	StaleDays       int                       // days without progress before a case is "stalled"
	Routes          route.Table               // where a case goes by OU or tags; empty: every case to the stack's channels
	OwnerTags       []string                  // the account tags every ticket shows (e.g. owner, team)
	JiraStatuses    map[followup.State]string // the Jira transition to take when a case enters a state
	RealTimeSignals bool                      // the stack's rule on root access-key calls from CloudTrail
	RecheckHourUTC  int                       // when the daily re-check (and digest) runs

	jira Jira // read field by field, checked together

	// Athena makes the organization trail's table the primary evidence source; nil when off
	// (athena.go).
	Athena *Athena
	athena Athena // read field by field, checked together
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

// Defaults shared by both sides.
const (
	DefaultStackName      = "Iam4Responder"
	DefaultActionTargetID = "Iam4Respond"
	DefaultIPRangesURL    = "https://ip-ranges.amazonaws.com/ip-ranges.json"
	// ActionTargetName is the custom action's name in the Security Hub console (at most 20 characters).
	ActionTargetName = "Respond to IAM.4"
)

// Containment modes.
const (
	ContainOff          = "off"
	ContainDryRun       = "dry-run"
	ContainDeleteUnused = "delete-unused"
)

// CDK context keys.
const (
	CtxStackName           = "stackName"
	CtxCodeDir             = "codeDir"
	CtxEmails              = "emails"
	CtxLogRetentionDays    = "logRetentionDays"
	CtxTimeoutMinutes      = "timeoutMinutes"
	CtxMemoryMB            = "memoryMB"
	CtxReservedConcurrency = "reservedConcurrency"
	CtxRegions             = "regions"
	CtxLookbackDays        = "lookbackDays"
	CtxLanguage            = "language"
	CtxChat                = "chat"
	CtxOpsCenter           = "opsCenter"
	CtxSecurityHub         = "securityHubWriteBack"
	CtxActionTargetID      = "actionTargetId"
	CtxJiraURL             = "jiraUrl"
	CtxJiraProject         = "jiraProject"
	CtxJiraIssueType       = "jiraIssueType"
	CtxJiraLabels          = "jiraLabels"
	CtxJiraPriorities      = "jiraPriorities"
	CtxJiraTransition      = "jiraTransition"
	CtxJiraSecretARN       = "jiraSecretArn"
	CtxJiraSecretKMSKey    = "jiraSecretKmsKey"
	CtxMemberRoleName      = "memberRoleName"
	CtxAllowedAccounts     = "allowedAccounts"
	CtxOrganizationID      = "organizationId"
	CtxEvidenceTargetOUs   = "evidenceTargetOus"
	CtxEvidenceCallAs      = "evidenceCallAs"
	CtxResponderAccount    = "responderAccount"
	CtxResponderRegion     = "responderRegion"
	CtxContainment         = "containment"
	CtxManagementAccount   = "managementAccount"
	CtxContainAllow        = "containmentAllow"
	CtxContainDeny         = "containmentDeny"
	CtxVerifyDays          = "verifyDays"
	CtxStaleDays           = "staleDays"
	CtxRoutes              = "routes"
	CtxOwnerTags           = "ownerTags"
	CtxJiraStatuses        = "jiraStatuses"
	CtxRealTimeSignals     = "realTimeSignals"
	CtxRecheckHourUTC      = "recheckHourUtc"
)

// setting is one row of the table: its name on each side ("" where that side does not read it)
// and how its text becomes a field of Settings.
type setting struct {
	ctx, env string
	parse    func(s *Settings, v string) error
}

func (st setting) name(side Side) string {
	if side == Synth {
		return st.ctx
	}
	return st.env
}

var table = []setting{
	{CtxStackName, "", func(s *Settings, v string) error { return into(&s.StackName, v, checkStackName) }},
	{CtxCodeDir, "", func(s *Settings, v string) error { s.CodeDir = v; return nil }},
	{CtxEmails, "", func(s *Settings, v string) error { return listInto(&s.Emails, v, checkEmail) }},
	{CtxLogRetentionDays, "", func(s *Settings, v string) error { return logRetention(&s.LogRetentionDays, v) }},
	{CtxTimeoutMinutes, "", func(s *Settings, v string) error {
		return whole(&s.TimeoutMinutes, v, 1, 15, "minutes (Lambda's maximum is 15)")
	}},
	{CtxMemoryMB, "", func(s *Settings, v string) error { return whole(&s.MemoryMB, v, 128, 10240, "MB") }},
	{CtxReservedConcurrency, "", func(s *Settings, v string) error { return whole(&s.ReservedConcurrency, v, 0, 1000, "") }},
	{CtxChat, "", func(s *Settings, v string) error { return boolean(&s.Chat, v) }},
	{CtxActionTargetID, "", func(s *Settings, v string) error { return into(&s.ActionTargetID, v, checkActionTargetID) }},
	{CtxEvidenceTargetOUs, "", func(s *Settings, v string) error { return listInto(&s.EvidenceTargetOUs, v, checkOU) }},
	{CtxEvidenceCallAs, "", func(s *Settings, v string) error { return oneOf(&s.EvidenceCallAs, v, "SELF", "DELEGATED_ADMIN") }},
	{CtxResponderAccount, "", func(s *Settings, v string) error { return into(&s.ResponderAccount, v, CheckAccountID) }},
	{CtxResponderRegion, "", func(s *Settings, v string) error { return into(&s.ResponderRegion, v, ValidRegion) }},
	{CtxJiraSecretKMSKey, "", func(s *Settings, v string) error { return into(&s.JiraSecretKMSKey, v, checkKMSKeyARN) }},

	{"", EnvTopicARN, func(s *Settings, v string) error { return into(&s.TopicARN, v, checkTopicARN) }},
	{"", EnvLedgerTable, func(s *Settings, v string) error { return into(&s.LedgerTable, v, checkTableName) }},
	{"", EnvDeadLetterQueue, func(s *Settings, v string) error { return into(&s.DeadLetterQueue, v, checkQueueURL) }},
	{"", EnvClaimLease, func(s *Settings, v string) error { return lease(&s.ClaimLease, v) }},
	{"", EnvIPRangesURL, func(s *Settings, v string) error { return ipRanges(&s.IPRangesURL, v) }},
	{"", EnvChatTopicARN, func(s *Settings, v string) error { return into(&s.ChatTopicARN, v, checkTopicARN) }},

	{CtxRegions, EnvRegions, func(s *Settings, v string) error { return listInto(&s.Regions, v, ValidRegion) }},
	{CtxLookbackDays, EnvLookbackDays, func(s *Settings, v string) error {
		return whole(&s.LookbackDays, v, 1, 90, "days (CloudTrail keeps 90)")
	}},
	{CtxLanguage, EnvLanguage, func(s *Settings, v string) error { return oneOf(&s.Language, strings.ToLower(v), "en", "ja") }},
	{CtxOpsCenter, EnvOpsCenter, func(s *Settings, v string) error { return boolean(&s.OpsCenter, v) }},
	{CtxSecurityHub, EnvSecurityHub, func(s *Settings, v string) error { return boolean(&s.SecurityHub, v) }},
	{CtxJiraURL, EnvJiraURL, func(s *Settings, v string) error { return into(&s.jira.URL, strings.TrimRight(v, "/"), checkJiraURL) }},
	{CtxJiraProject, EnvJiraProject, func(s *Settings, v string) error { return into(&s.jira.Project, v, checkJiraProject) }},
	{CtxJiraIssueType, EnvJiraIssueType, func(s *Settings, v string) error { s.jira.IssueType = v; return nil }},
	{CtxJiraLabels, EnvJiraLabels, func(s *Settings, v string) error { return listInto(&s.jira.Labels, v, CheckJiraLabel) }},
	{CtxJiraPriorities, EnvJiraPriorities, func(s *Settings, v string) error { return priorities(&s.jira.Priorities, v) }},
	{CtxJiraTransition, EnvJiraTransition, func(s *Settings, v string) error { s.jira.Transition = v; return nil }},
	{CtxJiraSecretARN, EnvJiraSecretARN, func(s *Settings, v string) error { return into(&s.jira.SecretARN, v, checkSecretARN) }},
	{CtxMemberRoleName, EnvMemberRole, func(s *Settings, v string) error { return into(&s.MemberRole, v, CheckRoleName) }},
	{CtxAllowedAccounts, EnvAllowedAccounts, func(s *Settings, v string) error { return listInto(&s.AllowedAccounts, v, CheckAccountID) }},
	{CtxOrganizationID, EnvOrganizationID, func(s *Settings, v string) error { return into(&s.OrganizationID, v, checkOrganizationID) }},
	{CtxContainment, EnvContainment, func(s *Settings, v string) error {
		return oneOf(&s.Containment, v, ContainOff, ContainDryRun, ContainDeleteUnused)
	}},
	{CtxManagementAccount, EnvManagement, func(s *Settings, v string) error { return into(&s.ManagementAccount, v, CheckAccountID) }},
	{CtxContainAllow, EnvContainAllow, func(s *Settings, v string) error { return listInto(&s.ContainAllow, v, CheckAccountID) }},
	{CtxContainDeny, EnvContainDeny, func(s *Settings, v string) error { return listInto(&s.ContainDeny, v, CheckAccountID) }},

	// Following a case to the end.
	{CtxVerifyDays, EnvVerifyDays, func(s *Settings, v string) error { return whole(&s.VerifyDays, v, 1, 90, "days") }},
	{CtxStaleDays, EnvStaleDays, func(s *Settings, v string) error { return whole(&s.StaleDays, v, 1, 365, "days") }},
	{CtxRoutes, EnvRoutes, func(s *Settings, v string) error {
		t, err := route.Parse(v)
		s.Routes = t
		return err
	}},
	{CtxOwnerTags, EnvOwnerTags, func(s *Settings, v string) error { return listInto(&s.OwnerTags, v, checkTagKey) }},
	{CtxJiraStatuses, EnvJiraStatuses, func(s *Settings, v string) error { return jiraStatuses(&s.JiraStatuses, v) }},
	{CtxRealTimeSignals, "", func(s *Settings, v string) error { return boolean(&s.RealTimeSignals, v) }},
	{CtxRecheckHourUTC, "", func(s *Settings, v string) error { return whole(&s.RecheckHourUTC, v, 0, 23, "(hour of the day, UTC)") }},
	// Athena evidence (athena.go).
	{CtxAthenaDatabase, EnvAthenaDatabase, func(s *Settings, v string) error { return into(&s.athena.Database, v, checkGlueName("database")) }},
	{CtxAthenaTable, EnvAthenaTable, func(s *Settings, v string) error { return into(&s.athena.Table, v, checkGlueName("table")) }},
	{CtxAthenaWorkgroup, EnvAthenaWorkgroup, func(s *Settings, v string) error { return into(&s.athena.Workgroup, v, checkWorkgroup) }},
	{CtxAthenaLookbackDays, EnvAthenaLookbackDays, func(s *Settings, v string) error {
		return whole(&s.athena.LookbackDays, v, 1, 3660, "days (up to the trail's retention)")
	}},
	{CtxAthenaResultsBucket, "", func(s *Settings, v string) error { return into(&s.athena.ResultsBucket, v, checkBucket) }},
	{CtxAthenaResultsExpireDays, "", func(s *Settings, v string) error { return whole(&s.athena.ResultsExpireDays, v, 1, 3650, "days") }},
	{CtxAthenaScanLimitGB, "", func(s *Settings, v string) error { return whole(&s.athena.ScanLimitGB, v, 1, 100000, "GB") }},
	{CtxTrailBucket, "", func(s *Settings, v string) error { return into(&s.athena.TrailBucket, v, checkBucket) }},
	{CtxTrailPrefix, "", func(s *Settings, v string) error { return into(&s.athena.TrailPrefix, v, checkTrailPrefix) }},
	{CtxTrailOrganizationID, "", func(s *Settings, v string) error { return into(&s.athena.TrailOrganizationID, v, checkOrganizationID) }},
	{CtxTrailKMSKey, "", func(s *Settings, v string) error { return into(&s.athena.TrailKMSKey, v, checkKMSKeyARN) }},
	{CtxTrailStart, "", func(s *Settings, v string) error { return into(&s.athena.TrailStart, v, checkTrailStart) }},
}

// defaults are the settings nobody set.
func defaults() Settings {
	return Settings{
		StackName: DefaultStackName, CodeDir: "../build/lambda", LogRetentionDays: 365, TimeoutMinutes: 15, MemoryMB: 512,
		ActionTargetID: DefaultActionTargetID, EvidenceCallAs: "SELF",
		ClaimLease: 5 * time.Minute, IPRangesURL: DefaultIPRangesURL,
		LookbackDays: 90, Language: "en", SecurityHub: true, MemberRole: DefaultMemberRole, Containment: ContainOff,
		VerifyDays: followup.Defaults.VerifyDays, StaleDays: followup.Defaults.StaleDays, RealTimeSignals: true, RecheckHourUTC: 6,
	}
}

// Read reads every setting of side through get (the context value as text, or os.Getenv), and
// checks each value and how they fit together. The error names every bad setting by the name
// that side uses.
func Read(side Side, get func(name string) string) (Settings, error) {
	s := defaults()
	var errs []error
	set := map[string]bool{} // by context key, the name both sides share
	for _, st := range table {
		name := st.name(side)
		if name == "" {
			continue
		}
		v := strings.TrimSpace(get(name))
		if v == "" {
			continue
		}
		set[st.ctx+"|"+st.env] = true
		if err := st.parse(&s, v); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
	}
	errs = append(errs, s.together(side, func(ctx, env string) bool { return set[ctx+"|"+env] })...)
	if len(errs) > 0 {
		return Settings{}, errors.Join(errs...)
	}
	return s, nil
}

// together checks the settings that depend on each other.
func (s *Settings) together(side Side, isSet func(ctx, env string) bool) []error {
	var errs []error
	n := func(ctx, env string) string { return setting{ctx: ctx, env: env}.name(side) }
	fail := func(ctx, env, format string, a ...any) {
		errs = append(errs, fmt.Errorf("%s: "+format, append([]any{n(ctx, env)}, a...)...))
	}
	if side == ColdStart {
		if s.TopicARN == "" {
			fail("", EnvTopicARN, "missing (the notification topic's ARN)")
		}
		if s.LedgerTable == "" {
			fail("", EnvLedgerTable, "missing (the DynamoDB ledger table name)")
		}
		if s.DeadLetterQueue == "" {
			fail("", EnvDeadLetterQueue, "missing (the dead-letter queue's URL)")
		}
	}

	// Jira: the URL, the project and the secret come together or not at all; a Jira detail
	// without them would be ignored silently, which is how a sink gets lost.
	trio := [][2]string{{CtxJiraURL, EnvJiraURL}, {CtxJiraProject, EnvJiraProject}, {CtxJiraSecretARN, EnvJiraSecretARN}}
	var given, missing []string
	for _, k := range trio {
		if isSet(k[0], k[1]) {
			given = append(given, n(k[0], k[1]))
		} else {
			missing = append(missing, n(k[0], k[1]))
		}
	}
	if len(given) > 0 {
		for _, m := range missing {
			errs = append(errs, fmt.Errorf("%s: required with %s", m, given[0]))
		}
	}
	if len(given) == 0 {
		for _, k := range [][2]string{{CtxJiraIssueType, EnvJiraIssueType}, {CtxJiraLabels, EnvJiraLabels},
			{CtxJiraPriorities, EnvJiraPriorities}, {CtxJiraTransition, EnvJiraTransition}, {CtxJiraSecretKMSKey, ""},
			{CtxJiraStatuses, EnvJiraStatuses}} {
			if name := n(k[0], k[1]); name != "" && isSet(k[0], k[1]) {
				fail(k[0], k[1], "has no effect without %s, %s and %s", n(trio[0][0], trio[0][1]),
					n(trio[1][0], trio[1][1]), n(trio[2][0], trio[2][1]))
			}
		}
	}
	if len(given) == len(trio) {
		j := s.jira
		if j.IssueType == "" {
			j.IssueType = "Task"
		}
		if j.Transition == "" {
			j.Transition = "Done"
		}
		if j.Priorities == nil {
			j.Priorities = map[string]string{}
		}
		s.Jira = &j
	}

	if len(given) == 0 {
		for _, r := range append(s.Routes.Rules, route.Rule{Name: "default", Channels: s.Routes.Default}) {
			if r.JiraProject != "" {
				fail(CtxRoutes, EnvRoutes, "route %q sends cases to Jira project %s, but Jira is off (%s)", r.Name, r.JiraProject, n(trio[0][0], trio[0][1]))
			}
		}
	}
	if s.StaleDays <= s.VerifyDays && isSet(CtxStaleDays, EnvStaleDays) {
		fail(CtxStaleDays, EnvStaleDays, "%d days is not longer than %s (%d): every verifying case would count as stalled",
			s.StaleDays, n(CtxVerifyDays, EnvVerifyDays), s.VerifyDays)
	}

	if s.Containment != ContainOff {
		if s.ManagementAccount == "" {
			fail(CtxManagementAccount, EnvManagement, "the management account's 12-digit id is required with %s=%s (it is never touched)",
				n(CtxContainment, EnvContainment), s.Containment)
		}
		if len(s.ContainAllow) == 0 && len(s.AllowedAccounts) == 0 && s.OrganizationID == "" {
			fail(CtxContainment, EnvContainment, "%s needs %s, %s or %s: sts:AssumeRoot is only granted on the accounts named",
				s.Containment, n(CtxContainAllow, EnvContainAllow), n(CtxAllowedAccounts, EnvAllowedAccounts), n(CtxOrganizationID, EnvOrganizationID))
		}
	}
	if s.ManagementAccount != "" && slices.Contains(s.ContainAllow, s.ManagementAccount) {
		fail(CtxContainAllow, EnvContainAllow, "%s is the management account, which containment never touches", s.ManagementAccount)
	}
	errs = append(errs, s.athenaTogether(side, isSet)...)
	if len(s.Regions) > 1 {
		first := PartitionFor(s.Regions[0]).ID
		for _, r := range s.Regions[1:] {
			if p := PartitionFor(r).ID; p != first {
				fail(CtxRegions, EnvRegions, "%s is in partition %s and %s in %s: one function reads one partition", s.Regions[0], first, r, p)
				break
			}
		}
	}
	if side == Synth {
		if len(s.EvidenceTargetOUs) > 0 && s.ResponderAccount == "" {
			fail(CtxResponderAccount, "", "the responder's 12-digit account id is required with %s", CtxEvidenceTargetOUs)
		}
		if len(s.Emails) == 0 && !s.Chat && !s.OpsCenter && !s.SecurityHub && !isSet(CtxJiraURL, EnvJiraURL) {
			errs = append(errs, fmt.Errorf("every channel is off (%s, %s, %s, %s, %s): nobody would hear of a root key",
				CtxEmails, CtxChat, CtxOpsCenter, CtxSecurityHub, CtxJiraURL))
		}
	}
	return errs
}

// ContextKeys lists every CDK context key the app reads.
func ContextKeys() []string {
	var keys []string
	for _, st := range table {
		if st.ctx != "" {
			keys = append(keys, st.ctx)
		}
	}
	return keys
}

// UnknownContextKeys returns an error for each key that is neither a setting nor the CDK's own
// (feature flags "@aws-cdk/…", "aws:cdk:…", cached lookups "…:account=…"), with the setting it
// was probably meant to be: `-c langauge=ja` must not deploy a stack that speaks English.
func UnknownContextKeys(keys []string) error {
	known := ContextKeys()
	var errs []error
	for _, k := range keys {
		if slices.Contains(known, k) || cdkOwn(k) {
			continue
		}
		msg := fmt.Sprintf("unknown context key %q", k)
		if s := Suggest(k, known); s != "" {
			msg += fmt.Sprintf("; did you mean %q?", s)
		}
		errs = append(errs, errors.New(msg))
	}
	return errors.Join(errs...)
}

// cdkOwn reports whether a context key belongs to the CDK: its keys carry a scope ("@aws-cdk/…",
// "aws:cdk:…", "availability-zones:account=…"), plus a few plain ones the CLI sets.
func cdkOwn(k string) bool {
	if strings.HasPrefix(k, "@") || strings.ContainsAny(k, ":/") {
		return true
	}
	switch k {
	case "acknowledged-issue-numbers", "cli-telemetry", "notices", "assetBundling", "bundlingStacks":
		return true
	}
	return false
}

// Validators both sides call on single values.

var (
	accountIDPattern = regexp.MustCompile(`^[0-9]{12}$`)
	orgIDPattern     = regexp.MustCompile(`^o-[a-z0-9]{10,32}$`)
	ouPattern        = regexp.MustCompile(`^(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|r-[0-9a-z]{4,32})$`)
	// IAM API reference, CreateRole: RoleName is 1 to 64 of [\w+=,.@-].
	roleNamePattern = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)
	// CloudFormation: a stack name starts with a letter and holds letters, digits and hyphens; at
	// most 54 so that ResponderRoleName stays within IAM's 64 characters.
	stackNamePattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]{0,53}$`)
	// Security Hub API reference, CreateActionTarget: Id is up to 20 alphanumeric characters.
	actionIDPattern   = regexp.MustCompile(`^[A-Za-z0-9]{1,20}$`)
	tableNamePattern  = regexp.MustCompile(`^[A-Za-z0-9_.-]{3,255}$`)
	jiraProjectFormat = regexp.MustCompile(`^[A-Z][A-Z0-9_]{1,254}$`)
)

// CheckAccountID checks a 12-digit AWS account id.
func CheckAccountID(v string) error {
	if !accountIDPattern.MatchString(v) {
		return fmt.Errorf("%q is not a 12-digit account id", v)
	}
	return nil
}

// CheckRoleName checks an IAM role name as CreateRole does.
func CheckRoleName(v string) error {
	if !roleNamePattern.MatchString(v) {
		return fmt.Errorf("%q is not an IAM role name (1 to 64 letters, digits and +=,.@_-)", v)
	}
	return nil
}

// CheckJiraLabel checks one Jira label: Jira refuses labels with spaces and over 255 characters.
func CheckJiraLabel(v string) error {
	if strings.IndexFunc(v, func(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' }) >= 0 {
		return fmt.Errorf("label %q has a space, which Jira refuses", v)
	}
	if len([]rune(v)) > 255 {
		return fmt.Errorf("label %q is longer than Jira's 255 characters", v)
	}
	return nil
}

func checkStackName(v string) error {
	if !stackNamePattern.MatchString(v) {
		return fmt.Errorf("%q is not a stack name (a letter, then letters, digits and hyphens; at most 54)", v)
	}
	return nil
}

func checkActionTargetID(v string) error {
	if !actionIDPattern.MatchString(v) {
		return fmt.Errorf("%q is not a custom action id (1 to 20 letters and digits)", v)
	}
	return nil
}

func checkEmail(v string) error {
	if a, err := mail.ParseAddress(v); err != nil || a.Address != v {
		return fmt.Errorf("%q is not an e-mail address", v)
	}
	return nil
}

func checkOU(v string) error {
	if !ouPattern.MatchString(v) {
		return fmt.Errorf("%q is neither an OU id (ou-…) nor a root id (r-…)", v)
	}
	return nil
}

func checkOrganizationID(v string) error {
	if !orgIDPattern.MatchString(v) {
		return fmt.Errorf("%q is not an organization id (o-…)", v)
	}
	return nil
}

func checkTableName(v string) error {
	if !tableNamePattern.MatchString(v) {
		return fmt.Errorf("%q is not a DynamoDB table name", v)
	}
	return nil
}

func checkJiraProject(v string) error {
	if !jiraProjectFormat.MatchString(v) {
		return fmt.Errorf("%q is not a Jira project key (upper-case letters, digits, underscores)", v)
	}
	return nil
}

// arnOf checks an ARN of a service and resource kind in a partition the SDK knows.
func arnOf(v, service, kind string) error {
	parts := strings.SplitN(v, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != service || !strings.HasPrefix(parts[5], kind) {
		return fmt.Errorf("%q is not %s", v, map[string]string{"sns": "an SNS topic ARN", "secretsmanager": "a Secrets Manager secret ARN",
			"kms": "a KMS key ARN (arn:…:kms:<region>:<account>:key/…)"}[service])
	}
	if !slices.ContainsFunc(partitions, func(p Partition) bool { return p.ID == parts[1] }) {
		return fmt.Errorf("%q names partition %q, which the AWS SDK does not know", v, parts[1])
	}
	return nil
}

func checkTopicARN(v string) error {
	if err := arnOf(v, "sns", ""); err != nil {
		return err
	}
	if strings.Contains(strings.SplitN(v, ":", 6)[5], ":") {
		return fmt.Errorf("%q is not an SNS topic ARN (it names a subscription)", v)
	}
	return nil
}
func checkSecretARN(v string) error { return arnOf(v, "secretsmanager", "secret:") }
func checkKMSKeyARN(v string) error { return arnOf(v, "kms", "key/") }

// checkJiraURL wants https; plain http only on a loopback address, where tests run Jira's stand-in.
func checkJiraURL(v string) error {
	return httpsURL(v, "a Jira URL (https://your-domain.atlassian.net)")
}

func checkQueueURL(v string) error { return httpsURL(v, "an SQS queue URL") }

func httpsURL(v, what string) error {
	u, err := url.Parse(v)
	if err != nil || u.Host == "" {
		return fmt.Errorf("%q is not %s", v, what)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		host := u.Hostname()
		if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
			return nil
		}
		return fmt.Errorf("%q is plain http: only https leaves this machine", v)
	}
	return fmt.Errorf("%q is not %s", v, what)
}

// Parsers.

func into(dst *string, v string, check func(string) error) error {
	if err := check(v); err != nil {
		return err
	}
	*dst = v
	return nil
}

// listInto reads a comma-separated list whose every item passes check.
func listInto(dst *[]string, v string, check func(string) error) error {
	var out []string
	var errs []error
	for _, item := range strings.Split(v, ",") {
		if item = strings.TrimSpace(item); item == "" {
			continue
		}
		if err := check(item); err != nil {
			errs = append(errs, err)
		}
		out = append(out, item)
	}
	*dst = out
	return errors.Join(errs...)
}

func whole(dst *int, v string, lo, hi int, unit string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return fmt.Errorf("%q is not a whole number from %d to %d%s", v, lo, hi, strings.TrimRight(" "+unit, " "))
	}
	*dst = n
	return nil
}

func boolean(dst *bool, v string) error {
	switch strings.ToLower(v) {
	case "true", "on", "yes", "1":
		*dst = true
	case "false", "off", "no", "0":
		*dst = false
	default:
		return fmt.Errorf("%q is neither on nor off (true/false)", v)
	}
	return nil
}

func oneOf(dst *string, v string, allowed ...string) error {
	if !slices.Contains(allowed, v) {
		return fmt.Errorf("%q is not %s or %s", v, strings.Join(allowed[:len(allowed)-1], ", "), allowed[len(allowed)-1])
	}
	*dst = v
	return nil
}

// LogRetentions are the retentions CloudWatch Logs accepts, in days (PutRetentionPolicy).
var LogRetentions = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

func logRetention(dst *int, v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || !slices.Contains(LogRetentions, n) {
		return fmt.Errorf("%q is not a retention CloudWatch Logs offers (%s)", v, strings.Trim(fmt.Sprint(LogRetentions), "[]"))
	}
	*dst = n
	return nil
}

func lease(dst *time.Duration, v string) error {
	d, err := time.ParseDuration(v)
	switch {
	case err != nil:
		return fmt.Errorf("%q is not a duration such as 5m", v)
	case d < 10*time.Second || d > time.Hour:
		return fmt.Errorf("%s is outside 10s..1h", d)
	}
	*dst = d
	return nil
}

func ipRanges(dst *string, v string) error {
	if v == "off" {
		*dst = ""
		return nil
	}
	if u, err := url.Parse(v); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("%q is neither a URL nor off", v)
	}
	*dst = v
	return nil
}

// tagKeyPattern is an Organizations tag key (TagResource: 1 to 128 of letters, digits, spaces
// and _.:/=+-@).
var tagKeyPattern = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$`)

func checkTagKey(v string) error {
	if !tagKeyPattern.MatchString(v) || strings.HasPrefix(strings.ToLower(v), "aws:") {
		return fmt.Errorf("%q is not an account tag key (1 to 128 letters, digits, spaces and _.:/=+-@; not aws:)", v)
	}
	return nil
}

// jiraStatuses reads state=Transition pairs: the Jira transition to take when a case enters a
// follow-up state (e.g. deactivated=In Progress,ready_to_delete=Ready to delete).
func jiraStatuses(dst *map[followup.State]string, v string) error {
	m := map[followup.State]string{}
	var errs []error
	for _, pair := range strings.Split(v, ",") {
		if pair = strings.TrimSpace(pair); pair == "" {
			continue
		}
		state, name, ok := strings.Cut(pair, "=")
		st, name := followup.State(strings.TrimSpace(state)), strings.TrimSpace(name)
		switch {
		case !ok || name == "":
			errs = append(errs, fmt.Errorf("%q is not state=Jira transition", pair))
		case !slices.Contains(followup.States, st):
			errs = append(errs, fmt.Errorf("%q is not a case state (%s)", st, joinStates()))
		default:
			m[st] = name
		}
	}
	*dst = m
	return errors.Join(errs...)
}

func joinStates() string {
	var out []string
	for _, s := range followup.States {
		out = append(out, string(s))
	}
	return strings.Join(out, ", ")
}

func priorities(dst *map[string]string, v string) error {
	m := map[string]string{}
	var errs []error
	for _, pair := range strings.Split(v, ",") {
		if pair = strings.TrimSpace(pair); pair == "" {
			continue
		}
		sev, name, ok := strings.Cut(pair, "=")
		sev, name = strings.ToUpper(strings.TrimSpace(sev)), strings.TrimSpace(name)
		if !ok || sev == "" || name == "" {
			errs = append(errs, fmt.Errorf("%q is not SEVERITY=Priority", pair))
			continue
		}
		m[sev] = name
	}
	*dst = m
	return errors.Join(errs...)
}
