package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/iam4-responder/iam4-responder/infra/responder"
	"github.com/iam4-responder/iam4-responder/lambda/contract"
)

// NewStack builds the responder's stack and puts it under cdk-nag's AwsSolutions checks: a
// finding without a recorded suppression is an error, and the CDK CLI's synth fails on it.
func NewStack(scope constructs.Construct, s Settings) awscdk.Stack {
	stack := awscdk.NewStack(scope, jsii.String(s.StackName), &awscdk.StackProps{
		Description: jsii.String("iam4-responder: responds to Security Hub IAM.4 (root user access key) findings"),
	})
	props := s.Responder
	props.Code = awslambda.Code_FromAsset(jsii.String(s.CodeDir), nil)
	props.Timeout = awscdk.Duration_Minutes(jsii.Number(s.TimeoutMinutes))
	responder.New(stack, "Responder", props)
	awscdk.Aspects_Of(stack).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	return stack
}

// NewEvidenceStackSetStack builds the stack that rolls the evidence role out to the target
// organizational units as a service-managed StackSet; deploy it with the management account's
// (or the StackSets delegated administrator's) credentials.
func NewEvidenceStackSetStack(scope constructs.Construct, s Settings) awscdk.Stack {
	stack := awscdk.NewStack(scope, jsii.String(s.StackName+"EvidenceStackSet"), &awscdk.StackProps{
		Description: jsii.String("iam4-responder: evidence role StackSet for the organization's member accounts"),
	})
	responder.NewEvidenceStackSet(stack, "EvidenceRoles", responder.EvidenceStackSetProps{
		Role: responder.EvidenceRoleProps{RoleName: s.Responder.MemberRoleName, ResponderAccount: s.ResponderAccount,
			ResponderRoleName: contract.ResponderRoleName(s.StackName), OrganizationID: s.Responder.OrganizationID},
		TargetOUs: s.EvidenceTargetOUs, Region: "us-east-1", CallAs: s.EvidenceCallAs,
	})
	awscdk.Aspects_Of(stack).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	return stack
}
