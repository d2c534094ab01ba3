package responder

// Forwarding the real-time signals to the responder's bus. CloudTrail delivers a call to the
// default bus of the account and Region where it is recorded; IAM's calls are recorded in the
// partition's IAM Region only. So the responder's account forwards from its IAM Region when the
// responder runs elsewhere (ForwardSignals, the app's second stack), and member accounts forward
// with a rule and a role of their own (SignalForwardingTemplate, rolled out by a StackSet), which
// the responder's bus policy admits (signalRules).

import (
	"encoding/json"
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudformation"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// BusARN is the ARN of an account's default event bus in a Region: where the responder's rules
// listen.
func BusARN(partition, region, account string) string {
	return "arn:" + partition + ":events:" + region + ":" + account + ":event-bus/default"
}

// ForwardSignals adds the signal rules to its stack's default bus with the responder's bus (an
// ARN in another Region or account) as their target, through a role EventBridge assumes. Deploy
// it in the IAM Region of the responder's account when the responder runs in another Region.
func ForwardSignals(scope constructs.Construct, id string, bus string) []awsevents.Rule {
	c := constructs.NewConstruct(scope, jsii.String(id))
	role := awsiam.NewRole(c, jsii.String("Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("events.amazonaws.com"), nil),
		Description: jsii.String("iam4-responder: forward root access-key events to the responder's event bus"),
	})
	// The target grants the role events:PutEvents on the bus, and nothing else.
	target := awseventstargets.NewEventBus(awsevents.EventBus_FromEventBusArn(c, jsii.String("ResponderBus"), jsii.String(bus)),
		&awseventstargets.EventBusProps{Role: role})
	var rules []awsevents.Rule
	for _, s := range SignalRules() {
		rule := awsevents.NewRule(c, jsii.String(s.ID), &awsevents.RuleProps{
			Description:  jsii.String(s.Description + " (forwarded)"),
			EventPattern: s.EventPattern(),
			Targets:      &[]awsevents.IRuleTarget{target},
		})
		if s.ReadOnly {
			rule.Node().DefaultChild().(awsevents.CfnRule).AddPropertyOverride(jsii.String("State"), allManagementEvents)
		}
		rules = append(rules, rule)
	}
	return rules
}

// SignalForwardingTemplate is the member accounts' CloudFormation template: the signal rules on
// the account's default bus, forwarding to bus through a role of their own. It creates nothing
// in responderAccount, whose own rules (or ForwardSignals) already see its events: a rule that
// forwarded the responder's bus to itself would loop.
func SignalForwardingTemplate(bus, responderAccount string) string {
	notResponder := "NotTheResponderAccount"
	resources := map[string]any{
		"ForwardRole": map[string]any{
			"Type": "AWS::IAM::Role", "Condition": notResponder,
			"Properties": map[string]any{
				"Description": "iam4-responder: forward root access-key events to the responder's event bus",
				"AssumeRolePolicyDocument": map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
					"Effect": "Allow", "Action": "sts:AssumeRole",
					"Principal": map[string]any{"Service": "events.amazonaws.com"},
					// The confused-deputy guard: only this account's rules may use the role.
					"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": map[string]any{"Ref": "AWS::AccountId"}}},
				}}},
				"Policies": []any{map[string]any{
					"PolicyName": "ForwardToResponder",
					"PolicyDocument": map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
						"Effect": "Allow", "Action": "events:PutEvents", "Resource": bus,
					}}},
				}},
			},
		},
	}
	for _, s := range SignalRules() {
		state := "ENABLED"
		if s.ReadOnly {
			state = allManagementEvents
		}
		resources[s.ID] = map[string]any{
			"Type": "AWS::Events::Rule", "Condition": notResponder,
			"Properties": map[string]any{
				"Description":  s.Description + " (forwarded)",
				"EventPattern": s.Pattern,
				"State":        state,
				"Targets": []any{map[string]any{"Id": "Responder", "Arn": bus,
					"RoleArn": map[string]any{"Fn::GetAtt": []any{"ForwardRole", "Arn"}}}},
			},
		}
	}
	doc := map[string]any{
		"AWSTemplateFormatVersion": "2010-09-09",
		"Description":              "iam4-responder: forward the root user's access-key events to the responder",
		"Conditions": map[string]any{notResponder: map[string]any{"Fn::Not": []any{map[string]any{
			"Fn::Equals": []any{map[string]any{"Ref": "AWS::AccountId"}, responderAccount}}}}},
		"Resources": resources,
	}
	b, err := json.Marshal(doc)
	if err != nil {
		panic(fmt.Sprintf("signal forwarding template: %v", err)) // plain maps of strings only
	}
	return string(b)
}

// SignalStackSetProps configures the StackSet that puts the forwarding rules in every account of
// the target organizational units.
type SignalStackSetProps struct {
	// Bus is the responder's event bus (BusARN).
	Bus              string
	ResponderAccount string
	TargetOUs        []string
	// Regions to forward from: the partition's IAM Region (IAM's own events) first, then every
	// Region whose root-key calls should arrive at once. A call in a Region left out is still
	// found by the daily re-check.
	Regions []string
	CallAs  string // SELF or DELEGATED_ADMIN
}

// NewSignalStackSet adds the service-managed StackSet of SignalForwardingTemplate; deploy it
// with the management account's or a StackSets delegated administrator's credentials.
func NewSignalStackSet(scope constructs.Construct, id string, props SignalStackSetProps) awscloudformation.CfnStackSet {
	return newOrgStackSet(scope, id, orgStackSet{
		name: "iam4-responder-signal-forwarding", description: "iam4-responder: forward root access-key events of every member account",
		callAs: props.CallAs, capability: "CAPABILITY_IAM", targetOUs: props.TargetOUs,
		regions: props.Regions, template: SignalForwardingTemplate(props.Bus, props.ResponderAccount),
	})
}
