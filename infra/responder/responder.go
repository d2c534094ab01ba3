// Package responder is the CDK construct that deploys iam4-responder: the EventBridge rules that
// pass IAM.4 findings on, the Go function, its log group, the dead-letter queue, the notification
// topic, the delivery ledger, alarms, and exactly the permissions the function's code uses.
//
// It is a library so that teams can embed the responder in their own CDK apps; the app in the
// parent folder is one such user.
package responder

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecurityhub"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
	"github.com/iam4-responder/iam4-responder/lambda/contract"
)

// Props configures the responder. Only Code is required.
type Props struct {
	// Code is the folder holding the function's bootstrap binary (make build writes it).
	Code awslambda.Code
	// Emails are subscribed to the notification topic; each address confirms by e-mail.
	Emails []string
	// LogRetention of the function's log group; one year when unset.
	LogRetention awslogs.RetentionDays
	// Timeout of one invocation; 15 minutes (Lambda's maximum) when unset, so that the evidence
	// collector can read busy Regions at CloudTrail's 2 requests per second.
	Timeout awscdk.Duration
	// MemoryMB of the function; 512 when unset.
	MemoryMB float64
	// ReservedConcurrency caps concurrent invocations; unset leaves the account's pool shared.
	ReservedConcurrency float64
	// Regions limits the CloudTrail search; empty: every Region enabled in the account.
	Regions []string
	// LookbackDays of CloudTrail history to read, 1 to 90; 90 when unset.
	LookbackDays float64
	// Language of the tickets: "en" (default) or "ja".
	Language string
	// Chat creates a second topic, for Amazon Q Developer in chat applications (Slack, Teams):
	// subscribe a chat channel configuration to ChatTopic.
	Chat bool
	// OpsCenter opens an OpsItem per case.
	OpsCenter bool
	// DisableSecurityHubWriteBack keeps the findings untouched (no workflow NOTIFIED, no note).
	DisableSecurityHubWriteBack bool
	// Jira opens a Jira Cloud issue per case; nil for none.
	Jira *JiraProps
	// Member accounts: findings about them are investigated through MemberRoleName in them
	// (DefaultEvidenceRoleName when empty) if they are in AllowedAccounts or, with
	// OrganizationID, in the organization. Others are refused.
	MemberRoleName  string
	AllowedAccounts []string
	OrganizationID  string
	// Containment of unused root keys in member accounts through centralized root access:
	// "off" (default), "dry-run" or "delete-unused". The sts:AssumeRoot permission exists only
	// when it is not off, and the delete task policy only for delete-unused.
	Containment       string
	ManagementAccount string // required with containment: never touched
	ContainAllow      []string
	ContainDeny       []string
	// ActionTargetID is the id of the Security Hub custom action the stack creates ("Respond to
	// IAM.4"); only that action's events reach the function. contract.DefaultActionTargetID when empty.
	ActionTargetID string
	// RoleName is the function role's name; contract.ResponderRoleName(stack name) when empty.
	// Member accounts' evidence roles trust exactly this role's ARN, so it is not generated.
	RoleName string
	// Athena makes the organization trail the primary evidence source (athena.go); nil for
	// event history only.
	Athena *AthenaProps
	// DeliveryRetries is how often the rule retries delivering an event to the function, and
	// the function's asynchronous invocation retries (at most 2); 10 and 2 when unset.
	DeliveryRetries float64

	// Following a case to the end (docs/followup.md). VerifyDays and StaleDays: 0 keeps the
	// function's defaults (7 and 14).
	VerifyDays float64
	StaleDays  float64
	// RecheckHourUTC is the hour (0–23, UTC) of the daily re-check; DefaultRecheckHourUTC when
	// nil. The digest, when a route asks for one, goes out DigestMinute minutes later.
	RecheckHourUTC *float64
	// Routes is the routes setting's JSON (docs/followup.md), passed to the function as is: the
	// function may publish to every topic it names, and a route with "digest" adds the digest
	// schedule. The CDK app and the function check it with route.Parse.
	Routes string
	// OwnerTags are the account tags every ticket shows (Organizations ListTagsForResource).
	OwnerTags []string
	// JiraStatuses maps a follow-up state to the Jira transition to take (deactivated=In Progress).
	JiraStatuses map[string]string
	// DisableRealTimeSignals leaves out the rules on root access-key calls from CloudTrail.
	DisableRealTimeSignals bool
}

// JiraProps configures the Jira Cloud sink. The secret, created by you, holds
// {"email": "...", "api_token": "..."}.
type JiraProps struct {
	URL        string // https://your-domain.atlassian.net
	Project    string
	IssueType  string            // "Task" when empty
	Labels     []string          // no spaces
	Priorities map[string]string // finding severity label → Jira priority name
	Transition string            // closing transition, "Done" when empty
	SecretARN  string
	// SecretKMSKeyARN is the customer managed key that encrypts the secret, if it is not the
	// account's aws/secretsmanager key: the function then needs kms:Decrypt on it.
	SecretKMSKeyARN string
}

// Responder is the deployed responder; its fields let an embedding app add alarms or targets.
type Responder struct {
	constructs.Construct
	Function        awslambda.Function
	Role            awsiam.Role
	LogGroup        awslogs.LogGroup
	Topic           awssns.Topic
	ChatTopic       awssns.Topic // nil unless Props.Chat
	Key             awskms.Key
	Ledger          awsdynamodb.Table
	DeadLetterQueue awssqs.Queue
	Rules           []awsevents.Rule
	Sweep           awsevents.Rule // the scheduled sweep of unfinished cases
	Recheck         awsevents.Rule // the daily re-check of every case that is not closed
	Digest          awsevents.Rule // the daily digest; nil unless a route asks for one
	// SignalRules are the real-time rules on root access-key calls (none with
	// DisableRealTimeSignals).
	SignalRules []awsevents.Rule
	// ActionTarget is the Security Hub custom action "Respond to IAM.4".
	ActionTarget awssecurityhub.CfnActionTarget
	// Dashboard shows the function's metrics (cases, evidence, sinks, containment).
	Dashboard awscloudwatch.Dashboard
}

// New adds a responder to scope.
func New(scope constructs.Construct, id string, props Props) *Responder {
	if props.Code == nil {
		panic("responder: Props.Code is required")
	}
	withDefaults(&props)
	c := constructs.NewConstruct(scope, jsii.String(id))
	if props.RoleName == "" {
		props.RoleName = contract.ResponderRoleName(*awscdk.Stack_Of(c).StackName())
	}
	r := &Responder{Construct: c}
	account := awscdk.Stack_Of(c).Account()

	r.Key = awskms.NewKey(c, jsii.String("Key"), &awskms.KeyProps{
		Description:       jsii.String("iam4-responder: notification topic and dead-letter queue"),
		EnableKeyRotation: jsii.Bool(true),
	})
	// EventBridge (rule dead letters) and CloudWatch (alarm notifications) write into the
	// encrypted queue and topic on their own behalf, so the key policy has to let them in.
	for _, service := range []string{"events.amazonaws.com", "cloudwatch.amazonaws.com"} {
		r.Key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("Allow" + service),
			Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String(service), nil)},
			Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey"),
			Resources:  jsii.Strings("*"),
			Conditions: &map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": account}},
		}), jsii.Bool(true))
	}

	r.Topic = awssns.NewTopic(c, jsii.String("Topic"), &awssns.TopicProps{
		DisplayName: jsii.String("IAM.4 root access key"),
		MasterKey:   r.Key,
		EnforceSSL:  jsii.Bool(true),
	})
	for _, email := range props.Emails {
		r.Topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(email), nil))
	}
	if props.Chat {
		r.ChatTopic = awssns.NewTopic(c, jsii.String("ChatTopic"), &awssns.TopicProps{
			DisplayName: jsii.String("IAM.4 root access key (chat)"),
			MasterKey:   r.Key,
			EnforceSSL:  jsii.Bool(true),
		})
	}

	r.DeadLetterQueue = awssqs.NewQueue(c, jsii.String("DeadLetterQueue"), &awssqs.QueueProps{
		Encryption:          awssqs.QueueEncryption_KMS,
		EncryptionMasterKey: r.Key,
		EnforceSSL:          jsii.Bool(true),
		RetentionPeriod:     awscdk.Duration_Days(jsii.Number(14)),
	})

	// A plain AWS::DynamoDB::Table: the ledger lives in one Region, and (unlike the global table
	// resource) moto's CloudFormation can create it, so the stack also deploys locally.
	r.Ledger = awsdynamodb.NewTable(c, jsii.String("Ledger"), &awsdynamodb.TableProps{
		PartitionKey: &awsdynamodb.Attribute{Name: jsii.String("pk"), Type: awsdynamodb.AttributeType_STRING},
		BillingMode:  awsdynamodb.BillingMode_PAY_PER_REQUEST,
		Encryption:   awsdynamodb.TableEncryption_AWS_MANAGED,
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(true),
		},
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})

	r.LogGroup = awslogs.NewLogGroup(c, jsii.String("Logs"), &awslogs.LogGroupProps{
		Retention:     props.LogRetention,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})

	r.Role = awsiam.NewRole(c, jsii.String("Role"), &awsiam.RoleProps{
		RoleName:    jsii.String(props.RoleName),
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("iam4-responder function: only the calls its code makes"),
	})
	r.grant(props)

	r.Function = awslambda.NewFunction(c, jsii.String("Function"), &awslambda.FunctionProps{
		Description:   jsii.String("Responds to Security Hub IAM.4 findings (root user access key)"),
		Runtime:       awslambda.Runtime_PROVIDED_AL2023(),
		Architecture:  awslambda.Architecture_ARM_64(),
		Handler:       jsii.String("bootstrap"),
		Code:          props.Code,
		Role:          r.Role,
		LogGroup:      r.LogGroup,
		LoggingFormat: awslambda.LoggingFormat_JSON,
		Timeout:       props.Timeout,
		MemorySize:    jsii.Number(props.MemoryMB),
		ReservedConcurrentExecutions: func() *float64 {
			if props.ReservedConcurrency > 0 {
				return jsii.Number(props.ReservedConcurrency)
			}
			return nil
		}(),
		Environment: &map[string]*string{
			contract.EnvTopicARN:        r.Topic.TopicArn(),
			contract.EnvLedgerTable:     r.Ledger.TableName(),
			contract.EnvDeadLetterQueue: r.DeadLetterQueue.QueueUrl(),
			// A claim must outlive the invocation holding it, or a slow delivery could be
			// taken over and sent twice.
			contract.EnvClaimLease:   jsii.String(fmt.Sprintf("%.0fs", *props.Timeout.ToSeconds(nil)+60)),
			contract.EnvRegions:      jsii.String(strings.Join(props.Regions, ",")),
			contract.EnvLookbackDays: jsii.String(fmt.Sprintf("%.0f", props.LookbackDays)),
		},
	})
	r.sinkEnvironment(props)
	r.athenaSource(props.Athena)
	r.Function.Node().AddDependency(r.Role)

	// Asynchronous invocations that still fail after Lambda's retries land in the dead-letter
	// queue with the error message. The L1 resource keeps CDK from granting the wildcard SQS
	// and KMS actions its destination construct adds; the role holds exactly what is needed.
	awslambda.NewCfnEventInvokeConfig(c, jsii.String("AsyncConfig"), &awslambda.CfnEventInvokeConfigProps{
		FunctionName:             r.Function.FunctionName(),
		Qualifier:                jsii.String("$LATEST"),
		MaximumRetryAttempts:     jsii.Number(2),
		MaximumEventAgeInSeconds: jsii.Number(6 * 3600),
		DestinationConfig: &awslambda.CfnEventInvokeConfig_DestinationConfigProperty{
			OnFailure: &awslambda.CfnEventInvokeConfig_OnFailureProperty{Destination: r.DeadLetterQueue.QueueArn()},
		},
	})

	r.ActionTarget = awssecurityhub.NewCfnActionTarget(c, jsii.String("ActionTarget"), &awssecurityhub.CfnActionTargetProps{
		Id:          jsii.String(props.ActionTargetID),
		Name:        jsii.String(contract.ActionTargetName),
		Description: jsii.String("Send IAM.4 (root user access key) findings to iam4-responder"),
	})
	// The resource type is in the CloudFormation template reference (all three partitions'
	// editions) but not in the resource schemas cfn-lint 1.51 bundles, which would fail E3006.
	r.ActionTarget.AddMetadata(jsii.String("cfn-lint"), map[string]any{"config": map[string]any{"ignore_checks": []string{"E3006"}}})

	target := awseventstargets.NewLambdaFunction(r.Function, &awseventstargets.LambdaFunctionProps{
		DeadLetterQueue: r.DeadLetterQueue,
		RetryAttempts:   jsii.Number(props.DeliveryRetries),
		MaxEventAge:     awscdk.Duration_Hours(jsii.Number(6)),
	})
	for _, rule := range Patterns(*r.ActionTarget.Ref()) {
		r.Rules = append(r.Rules, awsevents.NewRule(c, jsii.String(rule.ID), &awsevents.RuleProps{
			Description:  jsii.String(rule.Description),
			EventPattern: rule.Pattern,
			Targets:      &[]awsevents.IRuleTarget{target},
		}))
	}
	// The sweep finishes cases whose owner stopped before finishing and writes back findings that
	// arrived while another invocation owned the case, so that nothing depends on Lambda's two
	// asynchronous retries outlasting the work (docs/delivery.md). It sends the standard
	// "Scheduled Event", which the handler recognises.
	r.Sweep = awsevents.NewRule(c, jsii.String("Sweep"), &awsevents.RuleProps{
		Description: jsii.String("iam4-responder: finish unfinished cases (docs/delivery.md)"),
		Schedule:    awsevents.Schedule_Rate(awscdk.Duration_Minutes(jsii.Number(SweepMinutes))),
		Targets:     &[]awsevents.IRuleTarget{target},
	})

	r.followUp(props)

	r.alarms()
	r.dashboard()
	r.outputs()
	r.suppressions()
	return r
}

// SweepMinutes is how often the sweep runs: a case whose owner stopped waits at most this long
// after its lease ends.
const SweepMinutes = 5

func withDefaults(p *Props) {
	if p.LogRetention == "" {
		p.LogRetention = awslogs.RetentionDays_ONE_YEAR
	}
	if p.Timeout == nil {
		p.Timeout = awscdk.Duration_Minutes(jsii.Number(15))
	}
	if p.MemoryMB == 0 {
		p.MemoryMB = 512
	}
	if p.LookbackDays == 0 {
		p.LookbackDays = 90
	}
	if p.DeliveryRetries == 0 {
		p.DeliveryRetries = 10
	}
	if p.ActionTargetID == "" {
		p.ActionTargetID = contract.DefaultActionTargetID
	}
}

// sinkEnvironment tells the function which sinks are on.
func (r *Responder) sinkEnvironment(props Props) {
	set := func(k string, v *string) { r.Function.AddEnvironment(jsii.String(k), v, nil) }
	lang := props.Language
	if lang == "" {
		lang = "en"
	}
	set(contract.EnvLanguage, jsii.String(lang))
	if r.ChatTopic != nil {
		set(contract.EnvChatTopicARN, r.ChatTopic.TopicArn())
	}
	set(contract.EnvOpsCenter, jsii.String(onOff(props.OpsCenter)))
	set(contract.EnvSecurityHub, jsii.String(onOff(!props.DisableSecurityHubWriteBack)))
	set(contract.EnvMemberRole, jsii.String(memberRole(props)))
	if len(props.AllowedAccounts) > 0 {
		set(contract.EnvAllowedAccounts, jsii.String(strings.Join(props.AllowedAccounts, ",")))
	}
	if props.OrganizationID != "" {
		set(contract.EnvOrganizationID, jsii.String(props.OrganizationID))
	}
	if props.Containment != "" && props.Containment != "off" {
		set(contract.EnvContainment, jsii.String(props.Containment))
		set(contract.EnvManagement, jsii.String(props.ManagementAccount))
		set(contract.EnvContainAllow, jsii.String(strings.Join(props.ContainAllow, ",")))
		set(contract.EnvContainDeny, jsii.String(strings.Join(props.ContainDeny, ",")))
	}
	if j := props.Jira; j != nil {
		var prios []string
		for sev, name := range j.Priorities {
			prios = append(prios, sev+"="+name)
		}
		slices.Sort(prios)
		set(contract.EnvJiraURL, jsii.String(j.URL))
		set(contract.EnvJiraProject, jsii.String(j.Project))
		set(contract.EnvJiraIssueType, jsii.String(j.IssueType))
		set(contract.EnvJiraLabels, jsii.String(strings.Join(j.Labels, ",")))
		set(contract.EnvJiraPriorities, jsii.String(strings.Join(prios, ",")))
		set(contract.EnvJiraTransition, jsii.String(j.Transition))
		set(contract.EnvJiraSecretARN, jsii.String(j.SecretARN))
	}
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// grant gives the role exactly the calls the function's code makes, each on its one resource.
func (r *Responder) grant(props Props) {
	allow := func(sid string, resource *string, actions ...string) {
		r.Role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String(sid),
			Actions:   jsii.Strings(actions...),
			Resources: &[]*string{resource},
		}))
	}
	// The log group's Arn attribute already ends in ":*", which covers its streams.
	allow("WriteLogs", r.LogGroup.LogGroupArn(), "logs:CreateLogStream", "logs:PutLogEvents")
	allow("Notify", r.Topic.TopicArn(), "sns:Publish")
	if r.ChatTopic != nil {
		allow("NotifyChat", r.ChatTopic.TopicArn(), "sns:Publish")
	}
	allow("Ledger", r.Ledger.TableArn(), "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Scan") // docs/delivery.md: read, compare-and-swap, sweep
	allow("DeadLetter", r.DeadLetterQueue.QueueArn(), "sqs:SendMessage")
	// Publishing to the encrypted topic and sending to the encrypted queue.
	allow("EncryptMessages", r.Key.KeyArn(), "kms:Decrypt", "kms:GenerateDataKey")
	// Evidence: read-only, and none of these actions has a resource type to scope to.
	all := jsii.String("*")
	allow("ReadRootActivity", all, "cloudtrail:LookupEvents")
	allow("ReadRootCredentials", all, "iam:GetAccountSummary", "iam:GenerateCredentialReport", "iam:GetCredentialReport")
	allow("ListEnabledRegions", all, "account:ListRegions")
	stack := awscdk.Stack_Of(r.Construct)
	if props.OpsCenter {
		// CreateOpsItem has no resource type; UpdateOpsItem is scoped to OpsItems (the ids are
		// OpsCenter's, unknown in advance).
		allow("OpenOpsItems", all, "ssm:CreateOpsItem")
		allow("ResolveOpsItems", stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("ssm"),
			Resource: jsii.String("opsitem"), ResourceName: jsii.String("*"), ArnFormat: awscdk.ArnFormat_SLASH_RESOURCE_NAME}),
			"ssm:UpdateOpsItem")
	}
	if !props.DisableSecurityHubWriteBack {
		// One action serves both generations: the Service Authorization Reference lists no
		// separate action for BatchUpdateFindingsV2 (cfn-lint checks against it), and the
		// resource the V2 call is checked against is not documented, so no hub is named.
		allow("WriteBackFindings", all, "securityhub:BatchUpdateFindings")
	}
	r.grantMembers(props, stack)
	r.grantContainment(props, stack)
	if props.Jira != nil {
		allow("ReadJiraSecret", jsii.String(props.Jira.SecretARN), "secretsmanager:GetSecretValue")
		if props.Jira.SecretKMSKeyARN != "" {
			// A secret under a customer managed key is decrypted with the caller's permission,
			// through Secrets Manager only (Secrets Manager user guide, "Secret encryption").
			r.Role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid: jsii.String("DecryptJiraSecret"), Actions: jsii.Strings("kms:Decrypt"),
				Resources: jsii.Strings(props.Jira.SecretKMSKeyARN),
				Conditions: &map[string]any{"StringEquals": map[string]any{
					"kms:ViaService": "secretsmanager." + *stack.Region() + "." + *stack.UrlSuffix()}},
			}))
		}
	}
}

// suppressions records, next to the resources, why a cdk-nag AwsSolutions finding does not apply.
func (r *Responder) suppressions() {
	cdknag.NagSuppressions_AddResourceSuppressions(r.Role, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("Evidence gathering only reads: cloudtrail:LookupEvents, iam:GetAccountSummary, " +
			"iam:GenerateCredentialReport and iam:GetCredentialReport have no resource types in the Service " +
			"Authorization Reference, so IAM accepts only \"*\"; account:ListRegions lists the function's own " +
			"account's Regions. ssm:CreateOpsItem has no resource type either, and ssm:UpdateOpsItem can only " +
			"name OpsItems by pattern: OpsCenter assigns their ids. securityhub:BatchUpdateFindings also " +
			"authorizes BatchUpdateFindingsV2, whose resource is undocumented; securityhub:GetFindings (containment's " +
			"re-read of the finding, also for GetFindingsV2) has no resource type. Every other statement names " +
			"its one resource. With an organization, the evidence role may be assumed in any of its accounts " +
			"(aws:ResourceOrgID pins the organization) and its accounts looked up: account ids are not known in advance. " +
			"Containment's sts:AssumeRoot names member roots by pattern only with an organization and no account list, " +
			"pinned by aws:ResourceOrgID and limited by sts:TaskPolicyArn to the AWS root-task policies."),
		AppliesTo: &[]any{"Resource::*",
			map[string]any{"regex": "/^Resource::arn:.+:ssm:.+:opsitem\\/\\*$/g"},
			map[string]any{"regex": "/^Resource::arn:.+:(iam|organizations)::\\*:.*$/g"},
			map[string]any{"regex": "/^Resource::arn:(aws|aws-cn|aws-us-gov|<AWS::Partition>):iam::\\*:root$/g"}},
	}}, jsii.Bool(true))
	cdknag.NagSuppressions_AddResourceSuppressions(r.DeadLetterQueue, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-SQS3"),
		Reason: jsii.String("This queue is itself the dead-letter queue: of the rules' Lambda target and of " +
			"the function's asynchronous invocations. A dead-letter queue of a dead-letter queue would only move " +
			"the same messages; its alarm fires on the first message instead."),
	}}, jsii.Bool(true))
}

func memberRole(p Props) string {
	if p.MemberRoleName != "" {
		return p.MemberRoleName
	}
	return DefaultEvidenceRoleName
}

// grantMembers lets the function assume the evidence role in exactly the allowed accounts, and,
// with an organization, in any account of it (aws:ResourceOrgID) and look accounts up in it.
func (r *Responder) grantMembers(props Props, stack awscdk.Stack) {
	role := func(account string) *string {
		return stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("iam"), Region: jsii.String(""),
			Account: jsii.String(account), Resource: jsii.String("role"), ResourceName: jsii.String(memberRole(props)),
			ArnFormat: awscdk.ArnFormat_SLASH_RESOURCE_NAME})
	}
	if len(props.AllowedAccounts) > 0 {
		var roles []*string
		for _, a := range props.AllowedAccounts {
			roles = append(roles, role(a))
		}
		r.Role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("AssumeEvidenceRoleAllowed"), Actions: jsii.Strings("sts:AssumeRole"), Resources: &roles,
		}))
	}
	if props.OrganizationID != "" {
		r.Role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("AssumeEvidenceRoleInOrganization"), Actions: jsii.Strings("sts:AssumeRole"),
			Resources:  &[]*string{role("*")},
			Conditions: &map[string]any{"StringEquals": map[string]any{"aws:ResourceOrgID": props.OrganizationID}},
		}))
		r.Role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("LookUpMemberAccounts"), Actions: jsii.Strings("organizations:DescribeAccount"),
			Resources: &[]*string{stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("organizations"),
				Region: jsii.String(""), Account: jsii.String("*"), Resource: jsii.String("account"),
				ResourceName: jsii.String(props.OrganizationID + "/*"), ArnFormat: awscdk.ArnFormat_SLASH_RESOURCE_NAME})},
		}))
	}
}

// grantContainment adds sts:AssumeRoot only when containment is on, limited to the task
// policies the mode uses (the audit one always, the delete one for delete-unused) and to the
// root users of the accounts containment may touch: containmentAllow, else allowedAccounts, else
// (with an organization) its accounts. The management account and the deny list are refused by
// an explicit Deny, so IAM holds the line even if the code were wrong.
func (r *Responder) grantContainment(props Props, stack awscdk.Stack) {
	if props.Containment == "" || props.Containment == contract.ContainOff {
		return
	}
	partition := *stack.Partition()
	tasks := []*string{jsii.String(contract.TaskPolicyARN(partition, contract.RootTaskAudit))}
	if props.Containment == contract.ContainDeleteUnused {
		tasks = append(tasks, jsii.String(contract.TaskPolicyARN(partition, contract.RootTaskDelete)))
	}
	root := func(account string) *string { return jsii.String(contract.RootARN(partition, account)) }
	var roots []*string
	accounts := props.ContainAllow
	if len(accounts) == 0 {
		accounts = props.AllowedAccounts
	}
	for _, a := range accounts {
		if a != props.ManagementAccount && !slices.Contains(props.ContainDeny, a) {
			roots = append(roots, root(a))
		}
	}
	conditions := map[string]any{"StringEquals": map[string]any{"sts:TaskPolicyArn": tasks}}
	if len(accounts) == 0 && props.OrganizationID != "" {
		roots = []*string{root("*")}
		conditions["StringEquals"].(map[string]any)["aws:ResourceOrgID"] = props.OrganizationID
	}
	if len(roots) == 0 {
		return // nothing containment may touch (the contract refuses such settings)
	}
	r.Role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid: jsii.String("ContainWithRootTasks"), Actions: jsii.Strings("sts:AssumeRoot"),
		Resources: &roots, Conditions: &conditions,
	}))
	// Before any root session, containment re-reads the finding from Security Hub (GetFindings,
	// GetFindingsV2) to prove Security Hub produced it; GetFindings has no resource type.
	r.Role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid: jsii.String("ProveFindingBeforeContaining"), Actions: jsii.Strings("securityhub:GetFindings"),
		Resources: jsii.Strings("*"),
	}))
	never := []*string{root(props.ManagementAccount)}
	for _, a := range props.ContainDeny {
		never = append(never, root(a))
	}
	r.Role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid: jsii.String("NeverContainThese"), Effect: awsiam.Effect_DENY, Actions: jsii.Strings("sts:AssumeRoot"),
		Resources: &never,
	}))
}
