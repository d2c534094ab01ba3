package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"

	"github.com/iam4-responder/iam4-responder/infra/responder"
	"github.com/iam4-responder/iam4-responder/lambda/contract"
)

// Settings are the app's CDK context values, validated by the contract package, the same code
// that checks the function's environment at cold start.
type Settings struct {
	StackName      string
	CodeDir        string
	TimeoutMinutes float64
	// The evidence role StackSet (a second stack, for the management account or a StackSets
	// delegated administrator): only when EvidenceTargetOUs is set.
	EvidenceTargetOUs []string
	EvidenceCallAs    string
	ResponderAccount  string
	// ResponderRegion pins the responder's stack to a Region; outside its partition's IAM Region
	// the app adds a stack there that forwards the real-time signals (RealTimeSignals).
	ResponderRegion string
	RealTimeSignals bool
	// Responder configures the construct; the stack adds Code and Timeout.
	Responder responder.Props
}

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

// maxRoutesBytes bounds the routes setting's JSON: Lambda allows 4 KB of environment variables in
// all (Lambda quotas), and the other settings take up to about 1.5 KB.
const maxRoutesBytes = 2500

// ReadSettings checks the whole CDK context: every key must be a setting (or the CDK's own), and
// every value must pass the contract's validator.
func ReadSettings(context map[string]any) (Settings, error) {
	unknown := contract.UnknownContextKeys(slices.Sorted(maps.Keys(context)))
	c, err := contract.Read(contract.Synth, func(key string) string { return text(context[key]) })
	if err := errors.Join(unknown, err); err != nil {
		return Settings{}, fmt.Errorf("context: %w", err)
	}
	retention, ok := retentions[c.LogRetentionDays]
	if !ok {
		// contract.LogRetentions and this map list the same days; a test holds them together.
		return Settings{}, fmt.Errorf("context: %s: no CDK retention for %d days", contract.CtxLogRetentionDays, c.LogRetentionDays)
	}
	hour := float64(c.RecheckHourUTC)
	s := Settings{
		StackName: c.StackName, CodeDir: c.CodeDir, TimeoutMinutes: float64(c.TimeoutMinutes),
		EvidenceTargetOUs: c.EvidenceTargetOUs, EvidenceCallAs: c.EvidenceCallAs, ResponderAccount: c.ResponderAccount,
		ResponderRegion: c.ResponderRegion, RealTimeSignals: c.RealTimeSignals,
		Responder: responder.Props{
			Emails: c.Emails, LogRetention: retention, MemoryMB: float64(c.MemoryMB),
			ReservedConcurrency: float64(c.ReservedConcurrency), Regions: c.Regions, LookbackDays: float64(c.LookbackDays),
			Language: c.Language, Chat: c.Chat, OpsCenter: c.OpsCenter, DisableSecurityHubWriteBack: !c.SecurityHub,
			ActionTargetID:  c.ActionTargetID,
			AllowedAccounts: c.AllowedAccounts, OrganizationID: c.OrganizationID,
			Containment: c.Containment, ManagementAccount: c.ManagementAccount, ContainAllow: c.ContainAllow, ContainDeny: c.ContainDeny,
			VerifyDays: float64(c.VerifyDays), StaleDays: float64(c.StaleDays), RecheckHourUTC: &hour,
			OwnerTags: c.OwnerTags, DisableRealTimeSignals: !c.RealTimeSignals,
		},
	}
	if !reflect.ValueOf(c.Routes).IsZero() {
		// The function reads the same JSON back with route.Parse, which refuses unknown keys:
		// re-encoding the parsed table writes only the keys it knows.
		b, err := json.Marshal(c.Routes)
		if err != nil {
			return Settings{}, fmt.Errorf("context: %s: %w", contract.CtxRoutes, err)
		}
		s.Responder.Routes = string(b)
		if len(b) > maxRoutesBytes {
			return Settings{}, fmt.Errorf("context: %s: %d bytes of JSON; the function's environment holds %d in all (Lambda quotas: 4 KB of environment variables), so keep the routes within %d",
				contract.CtxRoutes, len(b), 4096, maxRoutesBytes)
		}
	}
	if len(c.JiraStatuses) > 0 {
		s.Responder.JiraStatuses = map[string]string{}
		for state, transition := range c.JiraStatuses {
			s.Responder.JiraStatuses[string(state)] = transition
		}
	}
	if s.RealTimeSignals && s.ResponderRegion != "" && s.ResponderAccount == "" &&
		responder.IAMRegion(contract.PartitionFor(s.ResponderRegion).ID) != s.ResponderRegion {
		return Settings{}, fmt.Errorf("context: %s: required with %s=%s: IAM's events arrive in %s, and the forwarding rules there name the responder's bus by its account",
			contract.CtxResponderAccount, contract.CtxResponderRegion, s.ResponderRegion, responder.IAMRegion(contract.PartitionFor(s.ResponderRegion).ID))
	}
	if c.MemberRole != contract.DefaultMemberRole {
		s.Responder.MemberRoleName = c.MemberRole
	}
	if j := c.Jira; j != nil {
		s.Responder.Jira = &responder.JiraProps{URL: j.URL, Project: j.Project, IssueType: j.IssueType, Labels: j.Labels,
			Priorities: j.Priorities, Transition: j.Transition, SecretARN: j.SecretARN, SecretKMSKeyARN: c.JiraSecretKMSKey}
	}
	s.Responder.Athena = athenaProps(c.Athena, c.Regions)
	return s, nil
}

// athenaProps is the construct's side of the Athena settings; nil when Athena is off. The table
// the stack creates projects the Regions the function reads (every commercial Region when none
// are set).
func athenaProps(a *contract.Athena, regions []string) *responder.AthenaProps {
	if a == nil {
		return nil
	}
	return &responder.AthenaProps{
		Database: a.Database, Table: a.Table, Workgroup: a.Workgroup,
		TrailBucket: a.TrailBucket, TrailPrefix: a.TrailPrefix, OrganizationID: a.TrailOrganizationID, TrailKeyARN: a.TrailKMSKey,
		Regions: regions, TrailStart: a.TrailStart, ResultsBucket: a.ResultsBucket,
		ResultsExpireDays: float64(a.ResultsExpireDays), ScanLimitGB: float64(a.ScanLimitGB), LookbackDays: float64(a.LookbackDays),
	}
}

// text renders a context value (a string from -c, or a JSON value from cdk.json) as the text the
// contract reads: lists comma-separated, numbers and booleans as written.
func text(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case *string:
		if v == nil {
			return ""
		}
		return *v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	case []any:
		items := make([]string, 0, len(v))
		for _, x := range v {
			items = append(items, text(x))
		}
		return strings.Join(items, ",")
	default:
		b, _ := json.Marshal(v)
		return string(b)
	}
}
