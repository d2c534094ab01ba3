package responder

// Following a case to the end (docs/followup.md): the daily re-check and digest schedules, the
// real-time signal rules, the routing settings passed to the function, and the permissions
// routing needs (Organizations look-ups, every topic a route names).

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"

	"github.com/iam4-responder/iam4-responder/lambda/contract"
)

// DefaultRecheckHourUTC is when the daily re-check runs when Props.RecheckHourUTC is nil.
const DefaultRecheckHourUTC = 6

// DigestMinute is the minute past the re-check hour at which the digest goes out: after the
// re-check has moved the cases, so the digest lists today's states.
const DigestMinute = 30

// routing is the part of the routes setting the stack needs: the topics the function may publish
// to and whether a digest is asked for. The function validates the whole setting (route.Parse)
// at cold start; the CDK app validates it at synth with the same code.
type routing struct {
	Rules   []routeRule `json:"rules"`
	Default struct {
		ChatTopicARN  string `json:"chatTopicArn"`
		EmailTopicARN string `json:"emailTopicArn"`
	} `json:"default"`
}

type routeRule struct {
	ChatTopicARN  string `json:"chatTopicArn"`
	EmailTopicARN string `json:"emailTopicArn"`
	Digest        bool   `json:"digest"`
}

func parseRouting(raw string) routing {
	var r routing
	if raw == "" {
		return r
	}
	if err := json.Unmarshal([]byte(raw), &r); err != nil {
		panic(fmt.Sprintf("responder: Props.Routes is not the routes JSON: %v", err))
	}
	return r
}

// topics lists every SNS topic the routes name, once each, sorted.
func (r routing) topics() []string {
	var out []string
	add := func(arns ...string) {
		for _, a := range arns {
			if a != "" && !slices.Contains(out, a) {
				out = append(out, a)
			}
		}
	}
	for _, rule := range r.Rules {
		add(rule.ChatTopicARN, rule.EmailTopicARN)
	}
	add(r.Default.ChatTopicARN, r.Default.EmailTopicARN)
	slices.Sort(out)
	return out
}

func (r routing) digest() bool {
	return slices.ContainsFunc(r.Rules, func(rule routeRule) bool { return rule.Digest })
}

// followUp adds the schedules, the signal rules, the settings and the permissions.
func (r *Responder) followUp(props Props) {
	routes := parseRouting(props.Routes)
	hour := DefaultRecheckHourUTC
	if props.RecheckHourUTC != nil {
		hour = int(*props.RecheckHourUTC)
	}
	if hour < 0 || hour > 23 {
		panic(fmt.Sprintf("responder: Props.RecheckHourUTC %d is not an hour of the day", hour))
	}
	r.Recheck = r.task("Recheck", contract.TaskRecheck, hour, 0, props,
		"iam4-responder: re-check every case that is not closed (docs/followup.md)")
	if routes.digest() {
		r.Digest = r.task("Digest", contract.TaskDigest, hour, DigestMinute, props,
			"iam4-responder: the daily digest of the routes that ask for one (docs/followup.md)")
	}
	if !props.DisableRealTimeSignals {
		r.signalRules(props)
	}

	set := func(k, v string) { r.Function.AddEnvironment(jsii.String(k), jsii.String(v), nil) }
	if props.VerifyDays > 0 {
		set(contract.EnvVerifyDays, fmt.Sprintf("%.0f", props.VerifyDays))
	}
	if props.StaleDays > 0 {
		set(contract.EnvStaleDays, fmt.Sprintf("%.0f", props.StaleDays))
	}
	if props.Routes != "" {
		set(contract.EnvRoutes, props.Routes)
	}
	if len(props.OwnerTags) > 0 {
		set(contract.EnvOwnerTags, strings.Join(props.OwnerTags, ","))
	}
	if len(props.JiraStatuses) > 0 {
		var pairs []string
		for state, transition := range props.JiraStatuses {
			pairs = append(pairs, state+"="+transition)
		}
		slices.Sort(pairs)
		set(contract.EnvJiraStatuses, strings.Join(pairs, ","))
	}

	for i, topic := range routes.topics() {
		r.Role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String(fmt.Sprintf("NotifyRoute%d", i+1)), Actions: jsii.Strings("sns:Publish"),
			Resources: jsii.Strings(topic),
		}))
	}
	if props.OrganizationID != "" || len(props.OwnerTags) > 0 || len(routes.Rules) > 0 {
		r.grantOwnerLookup(props)
	}
}

// task adds a daily rule whose target sends the constant input {"iam4-responder-task": name}.
func (r *Responder) task(id, name string, hour, minute int, props Props, description string) awsevents.Rule {
	target := awseventstargets.NewLambdaFunction(r.Function, &awseventstargets.LambdaFunctionProps{
		Event:           awsevents.RuleTargetInput_FromObject(map[string]any{contract.TaskField: name}),
		DeadLetterQueue: r.DeadLetterQueue,
		RetryAttempts:   jsii.Number(props.DeliveryRetries),
		MaxEventAge:     awscdk.Duration_Hours(jsii.Number(6)),
	})
	return awsevents.NewRule(r.Construct, jsii.String(id), &awsevents.RuleProps{
		Description: jsii.String(description),
		Schedule: awsevents.Schedule_Cron(&awsevents.CronOptions{
			Minute: jsii.String(fmt.Sprint(minute)), Hour: jsii.String(fmt.Sprint(hour))}),
		Targets: &[]awsevents.IRuleTarget{target},
	})
}

// signalRules adds the real-time rules on the stack's default bus and, for an organization or an
// account list, lets those accounts' forwarding rules put the CloudTrail events on it.
func (r *Responder) signalRules(props Props) {
	target := awseventstargets.NewLambdaFunction(r.Function, &awseventstargets.LambdaFunctionProps{
		DeadLetterQueue: r.DeadLetterQueue,
		RetryAttempts:   jsii.Number(props.DeliveryRetries),
		MaxEventAge:     awscdk.Duration_Hours(jsii.Number(6)),
	})
	for _, s := range SignalRules() {
		rule := awsevents.NewRule(r.Construct, jsii.String(s.ID), &awsevents.RuleProps{
			Description:  jsii.String(s.Description),
			EventPattern: s.EventPattern(),
			Targets:      &[]awsevents.IRuleTarget{target},
		})
		if s.ReadOnly {
			// CDK's Rule has no prop for this state; CloudFormation's AWS::Events::Rule does.
			rule.Node().DefaultChild().(awsevents.CfnRule).AddPropertyOverride(jsii.String("State"), allManagementEvents)
		}
		r.SignalRules = append(r.SignalRules, rule)
	}
	stack := awscdk.Stack_Of(r.Construct)
	bus := stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("events"), Resource: jsii.String("event-bus"),
		ResourceName: jsii.String("default"), ArnFormat: awscdk.ArnFormat_SLASH_RESOURCE_NAME})
	// Only CloudTrail's API-call events may come in: nobody in the organization can put a
	// forged Security Hub finding on the responder's bus this way.
	onlySignals := map[string]any{"events:detail-type": contract.DetailTypeAPICall}
	if props.OrganizationID != "" {
		cond := map[string]any{"StringEquals": merge(onlySignals, map[string]any{"aws:PrincipalOrgID": props.OrganizationID})}
		r.busPolicy("SignalsFromOrganization", "iam4-signals-org-"+*stack.StackName(), "*", bus, cond)
	}
	for _, account := range props.AllowedAccounts {
		r.busPolicy("SignalsFrom"+account, "iam4-signals-"+account+"-"+*stack.StackName(),
			contract.RootARN(*stack.Partition(), account), bus, map[string]any{"StringEquals": onlySignals})
	}
}

func (r *Responder) busPolicy(id, sid string, principal any, bus *string, condition map[string]any) {
	if len(sid) > 64 {
		sid = sid[:64] // PutPermission: StatementId is at most 64 characters
	}
	p := map[string]any{"AWS": principal}
	if principal == "*" {
		p = nil
	}
	statement := map[string]any{"Sid": sid, "Effect": "Allow", "Action": "events:PutEvents", "Resource": bus, "Condition": condition}
	if p == nil {
		statement["Principal"] = "*"
	} else {
		statement["Principal"] = p
	}
	awsevents.NewCfnEventBusPolicy(r.Construct, jsii.String(id), &awsevents.CfnEventBusPolicyProps{
		StatementId: jsii.String(sid), EventBusName: jsii.String("default"), Statement: statement,
	})
}

// grantOwnerLookup lets the function name an account's owner (owner.Owners): its name, OU path
// and tags. Only the organization's management account or a delegated administrator for
// Organizations may make these calls (Organizations user guide); elsewhere they are denied and
// the function falls back to the default route with a log line. Resources follow the Service
// Authorization Reference's account and organizationalunit types.
func (r *Responder) grantOwnerLookup(props Props) {
	stack := awscdk.Stack_Of(r.Construct)
	org := props.OrganizationID
	if org == "" {
		org = "o-*"
	}
	arn := func(kind, name string) *string {
		return stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("organizations"), Region: jsii.String(""),
			Account: jsii.String("*"), Resource: jsii.String(kind), ResourceName: jsii.String(name),
			ArnFormat: awscdk.ArnFormat_SLASH_RESOURCE_NAME})
	}
	account, ou := arn("account", org+"/*"), arn("ou", org+"/ou-*")
	actions := []string{"organizations:ListParents", "organizations:ListTagsForResource"}
	if props.OrganizationID == "" {
		// With an organization, LookUpMemberAccounts already grants it on the same accounts.
		actions = append([]string{"organizations:DescribeAccount"}, actions...)
	}
	r.Role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid: jsii.String("NameAccountOwners"), Actions: jsii.Strings(actions...), Resources: &[]*string{account},
	}))
	r.Role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("WalkOrganizationalUnits"),
		Actions:   jsii.Strings("organizations:DescribeOrganizationalUnit", "organizations:ListParents"),
		Resources: &[]*string{ou},
	}))
}
