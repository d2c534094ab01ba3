package responder

import (
	"encoding/json"
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudformation"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
	"github.com/iam4-responder/iam4-responder/lambda/contract"
)

// DefaultEvidenceRoleName is the evidence role's name in member accounts.
const DefaultEvidenceRoleName = contract.DefaultMemberRole

// EvidenceActions are the only calls the responder makes in a member account: all read-only,
// none with a resource type to scope to (Service Authorization Reference).
var EvidenceActions = []string{
	"account:ListRegions",
	"cloudtrail:LookupEvents",
	"iam:GenerateCredentialReport",
	"iam:GetAccountSummary",
	"iam:GetCredentialReport",
}

// EvidenceRoleProps configures the role in a member account.
type EvidenceRoleProps struct {
	// RoleName must match the responder's memberRoleName; DefaultEvidenceRoleName when empty.
	RoleName string
	// ResponderAccount is the account the responder runs in (the Security Hub administrator).
	ResponderAccount string
	// ResponderRoleName is the responder function role's name, trusted exactly (no pattern):
	// contract.ResponderRoleName of the responder's stack; of the default stack name when empty.
	ResponderRoleName string
	// OrganizationID, when set, also requires the caller to belong to the organization.
	OrganizationID string
}

func (p *EvidenceRoleProps) defaults() {
	if p.RoleName == "" {
		p.RoleName = DefaultEvidenceRoleName
	}
	if p.ResponderRoleName == "" {
		p.ResponderRoleName = contract.ResponderRoleName(contract.DefaultStackName)
	}
}

// trustConditions pin the trust to the responder's role by its exact ARN (roleARN, in the
// member's partition) and, with an organization, to the organization. The principal is the
// responder's account, not the role itself: IAM refuses a trust policy naming a role that does
// not exist yet, and a role principal breaks when the role is recreated.
func (p EvidenceRoleProps) trustConditions(roleARN any) map[string]any {
	c := map[string]any{"ArnEquals": map[string]any{"aws:PrincipalArn": roleARN}}
	if p.OrganizationID != "" {
		c["StringEquals"] = map[string]any{"aws:PrincipalOrgID": p.OrganizationID}
	}
	return c
}

// NewEvidenceRole adds the evidence role to a member account's stack.
func NewEvidenceRole(scope constructs.Construct, id string, props EvidenceRoleProps) awsiam.Role {
	props.defaults()
	partition := *awscdk.Stack_Of(scope).Partition()
	conditions := props.trustConditions(contract.RoleARN(partition, props.ResponderAccount, props.ResponderRoleName))
	role := awsiam.NewRole(scope, jsii.String(id), &awsiam.RoleProps{
		RoleName:    jsii.String(props.RoleName),
		Description: jsii.String("iam4-responder reads the root user's key use here (read-only)"),
		AssumedBy: awsiam.NewPrincipalWithConditions(
			awsiam.NewAccountPrincipal(jsii.String(props.ResponderAccount)), &conditions),
		MaxSessionDuration: awscdk.Duration_Hours(jsii.Number(1)),
	})
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid: jsii.String("ReadRootKeyUse"), Actions: jsii.Strings(EvidenceActions...), Resources: jsii.Strings("*"),
	}))
	cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("Read-only evidence calls with no resource type in the Service Authorization Reference: " +
			"cloudtrail:LookupEvents, iam:GetAccountSummary, iam:GenerateCredentialReport, iam:GetCredentialReport, " +
			"account:ListRegions; IAM accepts only \"*\" for them."),
		AppliesTo: &[]any{"Resource::*"},
	}}, jsii.Bool(true))
	return role
}

// EvidenceRoleTemplate is the member accounts' CloudFormation template for a StackSet: the same
// role as NewEvidenceRole, as plain JSON (a StackSet takes a template body, not a CDK stack).
func EvidenceRoleTemplate(props EvidenceRoleProps) string {
	props.defaults()
	trust := []any{
		map[string]any{
			"Sid": "TheResponder", "Effect": "Allow", "Action": "sts:AssumeRole",
			"Principal": map[string]any{"AWS": map[string]any{"Fn::Sub": contract.RootARN("${AWS::Partition}", props.ResponderAccount)}},
			"Condition": props.trustConditions(map[string]any{
				"Fn::Sub": contract.RoleARN("${AWS::Partition}", props.ResponderAccount, props.ResponderRoleName)}),
		},
	}
	doc := map[string]any{
		"AWSTemplateFormatVersion": "2010-09-09",
		"Description":              "iam4-responder evidence role: read-only access to the root user's key use",
		"Resources": map[string]any{
			"EvidenceRole": map[string]any{
				"Type": "AWS::IAM::Role",
				"Properties": map[string]any{
					"RoleName":                 props.RoleName,
					"Description":              "iam4-responder reads the root user's key use here (read-only)",
					"MaxSessionDuration":       3600,
					"AssumeRolePolicyDocument": map[string]any{"Version": "2012-10-17", "Statement": trust},
					"Policies": []any{map[string]any{
						"PolicyName": "ReadRootKeyUse",
						"PolicyDocument": map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
							"Sid": "ReadRootKeyUse", "Effect": "Allow", "Action": EvidenceActions, "Resource": "*",
						}}},
					}},
				},
			},
		},
		"Outputs": map[string]any{"EvidenceRoleArn": map[string]any{"Value": map[string]any{"Fn::GetAtt": []any{"EvidenceRole", "Arn"}}}},
	}
	b, err := json.Marshal(doc)
	if err != nil {
		panic(fmt.Sprintf("evidence role template: %v", err)) // plain maps of strings only
	}
	return string(b)
}

// EvidenceStackSetProps configures the service-managed StackSet that puts the evidence role in
// every account of the target organizational units, new accounts included.
type EvidenceStackSetProps struct {
	Role EvidenceRoleProps
	// TargetOUs are organizational unit ids (ou-…) or the root id (r-…).
	TargetOUs []string
	// Region to create the stack instances in; IAM is global, one Region is enough.
	Region string
	// CallAs is SELF in the management account, DELEGATED_ADMIN in a StackSets delegated
	// administrator account.
	CallAs string
}

// NewEvidenceStackSet adds the StackSet; deploy its stack in the management account or a
// CloudFormation StackSets delegated administrator.
func NewEvidenceStackSet(scope constructs.Construct, id string, props EvidenceStackSetProps) awscloudformation.CfnStackSet {
	return newOrgStackSet(scope, id, orgStackSet{
		name: "iam4-responder-evidence-role", description: "iam4-responder evidence role in every member account",
		callAs: props.CallAs, capability: "CAPABILITY_NAMED_IAM", targetOUs: props.TargetOUs,
		regions: []string{props.Region}, template: EvidenceRoleTemplate(props.Role),
	})
}

// orgStackSet is what differs between the service-managed StackSets the app deploys to the
// organization's member accounts.
type orgStackSet struct {
	name, description, callAs, capability, template string
	targetOUs, regions                              []string
}

// newOrgStackSet adds a service-managed StackSet that follows the OUs (new accounts get it,
// removed ones lose it) and runs its Regions in parallel, tolerating a tenth of them failing.
func newOrgStackSet(scope constructs.Construct, id string, o orgStackSet) awscloudformation.CfnStackSet {
	if o.callAs == "" {
		o.callAs = "SELF"
	}
	return awscloudformation.NewCfnStackSet(scope, jsii.String(id), &awscloudformation.CfnStackSetProps{
		StackSetName:    jsii.String(o.name),
		Description:     jsii.String(o.description),
		PermissionModel: jsii.String("SERVICE_MANAGED"),
		CallAs:          jsii.String(o.callAs),
		AutoDeployment: &awscloudformation.CfnStackSet_AutoDeploymentProperty{
			Enabled: jsii.Bool(true), RetainStacksOnAccountRemoval: jsii.Bool(false),
		},
		Capabilities:     jsii.Strings(o.capability),
		ManagedExecution: map[string]any{"Active": true},
		OperationPreferences: &awscloudformation.CfnStackSet_OperationPreferencesProperty{
			FailureTolerancePercentage: jsii.Number(10), MaxConcurrentPercentage: jsii.Number(25),
			RegionConcurrencyType: jsii.String("PARALLEL"),
		},
		StackInstancesGroup: []any{&awscloudformation.CfnStackSet_StackInstancesProperty{
			DeploymentTargets: &awscloudformation.CfnStackSet_DeploymentTargetsProperty{
				OrganizationalUnitIds: jsii.Strings(o.targetOUs...),
			},
			Regions: jsii.Strings(o.regions...),
		}},
		TemplateBody: jsii.String(o.template),
	})
}
