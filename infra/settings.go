package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"

	"github.com/iam4-responder/iam4-responder/infra/responder"
)

// Settings are the app's CDK context values, validated.
type Settings struct {
	StackName      string
	CodeDir        string
	TimeoutMinutes float64
	// The evidence role StackSet (a second stack, for the management account or a StackSets
	// delegated administrator): only when EvidenceTargetOUs is set.
	EvidenceTargetOUs []string
	EvidenceCallAs    string
	ResponderAccount  string
	// Responder configures the construct; the stack adds Code and Timeout.
	Responder responder.Props
}

// Context keys, as documented in the README.
const (
	ctxStackName           = "stackName"
	ctxCodeDir             = "codeDir"
	ctxEmails              = "emails"
	ctxLogRetentionDays    = "logRetentionDays"
	ctxTimeoutMinutes      = "timeoutMinutes"
	ctxMemoryMB            = "memoryMB"
	ctxReservedConcurrency = "reservedConcurrency"
	ctxRegions             = "regions"
	ctxLookbackDays        = "lookbackDays"
	ctxLanguage            = "language"
	ctxChat                = "chat"
	ctxOpsCenter           = "opsCenter"
	ctxSecurityHub         = "securityHubWriteBack"
	ctxJiraURL             = "jiraUrl"
	ctxJiraProject         = "jiraProject"
	ctxJiraIssueType       = "jiraIssueType"
	ctxJiraLabels          = "jiraLabels"
	ctxJiraPriorities      = "jiraPriorities"
	ctxJiraTransition      = "jiraTransition"
	ctxJiraSecretARN       = "jiraSecretArn"
	ctxMemberRoleName      = "memberRoleName"
	ctxAllowedAccounts     = "allowedAccounts"
	ctxOrganizationID      = "organizationId"
	ctxEvidenceTargetOUs   = "evidenceTargetOus"
	ctxEvidenceCallAs      = "evidenceCallAs"
	ctxResponderAccount    = "responderAccount"
	ctxContainment         = "containment"
	ctxManagementAccount   = "managementAccount"
	ctxContainAllow        = "containmentAllow"
	ctxContainDeny         = "containmentDeny"
)

// retentions are the values CloudWatch Logs accepts for a log group's retention, in days.
var retentions = map[int]awslogs.RetentionDays{
	1: awslogs.RetentionDays_ONE_DAY, 3: awslogs.RetentionDays_THREE_DAYS, 5: awslogs.RetentionDays_FIVE_DAYS,
	7: awslogs.RetentionDays_ONE_WEEK, 14: awslogs.RetentionDays_TWO_WEEKS, 30: awslogs.RetentionDays_ONE_MONTH,
	60: awslogs.RetentionDays_TWO_MONTHS, 90: awslogs.RetentionDays_THREE_MONTHS, 120: awslogs.RetentionDays_FOUR_MONTHS,
	150: awslogs.RetentionDays_FIVE_MONTHS, 180: awslogs.RetentionDays_SIX_MONTHS, 365: awslogs.RetentionDays_ONE_YEAR,
	400: awslogs.RetentionDays_THIRTEEN_MONTHS, 545: awslogs.RetentionDays_EIGHTEEN_MONTHS,
	731: awslogs.RetentionDays_TWO_YEARS, 1096: awslogs.RetentionDays_THREE_YEARS, 1827: awslogs.RetentionDays_FIVE_YEARS,
	2192: awslogs.RetentionDays_SIX_YEARS, 2557: awslogs.RetentionDays_SEVEN_YEARS, 2922: awslogs.RetentionDays_EIGHT_YEARS,
	3288: awslogs.RetentionDays_NINE_YEARS, 3653: awslogs.RetentionDays_TEN_YEARS,
}

var (
	accountPattern = regexp.MustCompile(`^[0-9]{12}$`)
	orgPattern     = regexp.MustCompile(`^o-[a-z0-9]{10,32}$`)
)

var regionName = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$`)

// ReadSettings reads and checks the context through get, naming the key of any bad value.
func ReadSettings(get func(key string) any) (Settings, error) {
	s := Settings{StackName: "Iam4Responder", CodeDir: "../build/lambda", TimeoutMinutes: 15,
		Responder: responder.Props{MemoryMB: 512, LookbackDays: 90, Language: "en"}}
	var errs []error
	if v := text(get(ctxStackName)); v != "" {
		s.StackName = v
	}
	if v := text(get(ctxCodeDir)); v != "" {
		s.CodeDir = v
	}
	emails, err := list(get(ctxEmails))
	if err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", ctxEmails, err))
	}
	for _, e := range emails {
		if a, err := mail.ParseAddress(e); err != nil || a.Address != e {
			errs = append(errs, fmt.Errorf("%s: %q is not an e-mail address", ctxEmails, e))
		}
	}
	s.Responder.Emails = emails
	days := 365.0
	num := func(key string, dst *float64, lo, hi float64) {
		v := get(key)
		if v == nil || text(v) == "" {
			return
		}
		n, err := strconv.ParseFloat(text(v), 64)
		if err != nil || n < lo || n > hi || n != float64(int64(n)) {
			errs = append(errs, fmt.Errorf("%s: %v is not a whole number from %g to %g", key, v, lo, hi))
			return
		}
		*dst = n
	}
	num(ctxLogRetentionDays, &days, 1, 3653)
	num(ctxTimeoutMinutes, &s.TimeoutMinutes, 1, 15)
	num(ctxMemoryMB, &s.Responder.MemoryMB, 128, 10240)
	num(ctxReservedConcurrency, &s.Responder.ReservedConcurrency, 0, 1000)
	num(ctxLookbackDays, &s.Responder.LookbackDays, 1, 90)
	regions, err := list(get(ctxRegions))
	if err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", ctxRegions, err))
	}
	for _, r := range regions {
		if !regionName.MatchString(r) {
			errs = append(errs, fmt.Errorf("%s: %q is not a Region name", ctxRegions, r))
		}
	}
	s.Responder.Regions = regions
	switch lang := text(get(ctxLanguage)); lang {
	case "", "en", "ja":
		if lang != "" {
			s.Responder.Language = lang
		}
	default:
		errs = append(errs, fmt.Errorf("%s: %q is not en or ja", ctxLanguage, lang))
	}
	flag := func(key string, dst *bool) {
		switch v := strings.ToLower(text(get(key))); v {
		case "":
		case "true", "on", "yes":
			*dst = true
		case "false", "off", "no":
			*dst = false
		default:
			errs = append(errs, fmt.Errorf("%s: %q is neither true nor false", key, v))
		}
	}
	flag(ctxChat, &s.Responder.Chat)
	flag(ctxOpsCenter, &s.Responder.OpsCenter)
	writeBack := true
	flag(ctxSecurityHub, &writeBack)
	s.Responder.DisableSecurityHubWriteBack = !writeBack
	if u := text(get(ctxJiraURL)); u != "" {
		j := &responder.JiraProps{URL: u, Project: text(get(ctxJiraProject)), IssueType: text(get(ctxJiraIssueType)),
			Transition: text(get(ctxJiraTransition)), SecretARN: text(get(ctxJiraSecretARN)), Priorities: map[string]string{}}
		if !strings.HasPrefix(u, "https://") {
			errs = append(errs, fmt.Errorf("%s: %q is not an https URL", ctxJiraURL, u))
		}
		if j.Project == "" {
			errs = append(errs, fmt.Errorf("%s: required with %s", ctxJiraProject, ctxJiraURL))
		}
		if !strings.HasPrefix(j.SecretARN, "arn:") || !strings.Contains(j.SecretARN, ":secretsmanager:") {
			errs = append(errs, fmt.Errorf("%s: %q is not a Secrets Manager secret ARN", ctxJiraSecretARN, j.SecretARN))
		}
		if j.Labels, err = list(get(ctxJiraLabels)); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", ctxJiraLabels, err))
		}
		pairs, _ := list(get(ctxJiraPriorities))
		for _, p := range pairs {
			sev, name, ok := strings.Cut(p, "=")
			if !ok || name == "" {
				errs = append(errs, fmt.Errorf("%s: %q is not SEVERITY=Priority", ctxJiraPriorities, p))
				continue
			}
			j.Priorities[strings.ToUpper(sev)] = name
		}
		s.Responder.Jira = j
	}
	if r, ok := retentions[int(days)]; ok {
		s.Responder.LogRetention = r
	} else {
		errs = append(errs, fmt.Errorf("%s: %g is not a retention CloudWatch Logs offers (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)", ctxLogRetentionDays, days))
	}
	s.Responder.MemberRoleName = text(get(ctxMemberRoleName))
	if s.Responder.AllowedAccounts, err = list(get(ctxAllowedAccounts)); err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", ctxAllowedAccounts, err))
	}
	for _, a := range s.Responder.AllowedAccounts {
		if !accountPattern.MatchString(a) {
			errs = append(errs, fmt.Errorf("%s: %q is not a 12-digit account id", ctxAllowedAccounts, a))
		}
	}
	if s.Responder.OrganizationID = text(get(ctxOrganizationID)); s.Responder.OrganizationID != "" && !orgPattern.MatchString(s.Responder.OrganizationID) {
		errs = append(errs, fmt.Errorf("%s: %q is not an organization id (o-…)", ctxOrganizationID, s.Responder.OrganizationID))
	}
	if s.EvidenceTargetOUs, err = list(get(ctxEvidenceTargetOUs)); err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", ctxEvidenceTargetOUs, err))
	}
	for _, ou := range s.EvidenceTargetOUs {
		if !strings.HasPrefix(ou, "ou-") && !strings.HasPrefix(ou, "r-") {
			errs = append(errs, fmt.Errorf("%s: %q is neither an OU id (ou-…) nor a root id (r-…)", ctxEvidenceTargetOUs, ou))
		}
	}
	s.EvidenceCallAs, s.ResponderAccount = text(get(ctxEvidenceCallAs)), text(get(ctxResponderAccount))
	switch s.EvidenceCallAs {
	case "", "SELF", "DELEGATED_ADMIN":
	default:
		errs = append(errs, fmt.Errorf("%s: %q is not SELF or DELEGATED_ADMIN", ctxEvidenceCallAs, s.EvidenceCallAs))
	}
	if len(s.EvidenceTargetOUs) > 0 && !accountPattern.MatchString(s.ResponderAccount) {
		errs = append(errs, fmt.Errorf("%s: the responder's 12-digit account id is required with %s", ctxResponderAccount, ctxEvidenceTargetOUs))
	}
	switch s.Responder.Containment = text(get(ctxContainment)); s.Responder.Containment {
	case "", "off":
		s.Responder.Containment = "off"
	case "dry-run", "delete-unused":
		if s.Responder.ManagementAccount = text(get(ctxManagementAccount)); !accountPattern.MatchString(s.Responder.ManagementAccount) {
			errs = append(errs, fmt.Errorf("%s: the management account's 12-digit id is required with %s=%s (it is never touched)",
				ctxManagementAccount, ctxContainment, s.Responder.Containment))
		}
	default:
		errs = append(errs, fmt.Errorf("%s: %q is not off, dry-run or delete-unused", ctxContainment, s.Responder.Containment))
	}
	s.Responder.ContainAllow, _ = list(get(ctxContainAllow))
	s.Responder.ContainDeny, _ = list(get(ctxContainDeny))
	for _, a := range append(append([]string{}, s.Responder.ContainAllow...), s.Responder.ContainDeny...) {
		if !accountPattern.MatchString(a) {
			errs = append(errs, fmt.Errorf("%s/%s: %q is not a 12-digit account id", ctxContainAllow, ctxContainDeny, a))
		}
	}
	if len(errs) > 0 {
		return Settings{}, fmt.Errorf("context: %w", errors.Join(errs...))
	}
	return s, nil
}

// text renders a context value (a string from -c, or a JSON value from cdk.json) as a string.
func text(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return strings.TrimSpace(v)
	case *string:
		if v == nil {
			return ""
		}
		return strings.TrimSpace(*v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	default:
		b, _ := json.Marshal(v)
		return string(b)
	}
}

// list reads a list from a JSON array (cdk.json) or a comma-separated string (-c key=a,b).
func list(v any) ([]string, error) {
	var out []string
	switch v := v.(type) {
	case nil:
		return nil, nil
	case []any:
		for _, x := range v {
			s, ok := x.(string)
			if !ok {
				return nil, fmt.Errorf("%v is not a string", x)
			}
			out = append(out, strings.TrimSpace(s))
		}
	default:
		for _, s := range strings.Split(text(v), ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out, nil
}
