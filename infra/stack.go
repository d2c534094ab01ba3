package main

import (
	"slices"

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
	var env *awscdk.Environment
	if s.ResponderRegion != "" {
		env = &awscdk.Environment{Region: jsii.String(s.ResponderRegion)}
	}
	stack := awscdk.NewStack(scope, jsii.String(s.StackName), &awscdk.StackProps{
		Description: jsii.String("iam4-responder: responds to Security Hub IAM.4 (root user access key) findings"),
		Env:         env,
	})
	props := s.Responder
	props.Code = awslambda.Code_FromAsset(jsii.String(s.CodeDir), nil)
	props.Timeout = awscdk.Duration_Minutes(jsii.Number(s.TimeoutMinutes))
	responder.New(stack, "Responder", props)
	awscdk.Aspects_Of(stack).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	return stack
}

// needsSignalsStack reports whether the responder runs outside its partition's IAM Region, where
// IAM's CloudTrail events never arrive: its own account then forwards them from there.
func needsSignalsStack(s Settings) bool {
	return s.RealTimeSignals && s.ResponderRegion != "" &&
		responder.IAMRegion(contract.PartitionFor(s.ResponderRegion).ID) != s.ResponderRegion
}

// NewSignalsStack builds the responder account's forwarding stack in the IAM Region: the
// real-time rules, targeting the responder's bus in its own Region.
func NewSignalsStack(scope constructs.Construct, s Settings) awscdk.Stack {
	partition := contract.PartitionFor(s.ResponderRegion).ID
	stack := awscdk.NewStack(scope, jsii.String(s.StackName+"Signals"), &awscdk.StackProps{
		Description: jsii.String("iam4-responder: forwards the root user's access-key events from IAM's Region to the responder"),
		Env:         &awscdk.Environment{Account: jsii.String(s.ResponderAccount), Region: jsii.String(responder.IAMRegion(partition))},
	})
	responder.ForwardSignals(stack, "Forward", responder.BusARN(partition, s.ResponderRegion, s.ResponderAccount))
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
	if s.RealTimeSignals && s.ResponderRegion != "" {
		partition := contract.PartitionFor(s.ResponderRegion).ID
		regions := []string{responder.IAMRegion(partition)}
		for _, r := range s.Responder.Regions {
			if !slices.Contains(regions, r) {
				regions = append(regions, r)
			}
		}
		responder.NewSignalStackSet(stack, "SignalForwarding", responder.SignalStackSetProps{
			Bus:              responder.BusARN(partition, s.ResponderRegion, s.ResponderAccount),
			ResponderAccount: s.ResponderAccount, TargetOUs: s.EvidenceTargetOUs, Regions: regions, CallAs: s.EvidenceCallAs,
		})
	}
	awscdk.Aspects_Of(stack).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	return stack
}
