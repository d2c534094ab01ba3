package sink

import (
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	"github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/iam4-responder/iam4-responder/lambda/internal/finding"
)

// SecurityHubAPI is the part of the Security Hub client the write-back uses.
type SecurityHubAPI interface {
	BatchUpdateFindings(ctx context.Context, in *securityhub.BatchUpdateFindingsInput, opts ...func(*securityhub.Options)) (*securityhub.BatchUpdateFindingsOutput, error)
	BatchUpdateFindingsV2(ctx context.Context, in *securityhub.BatchUpdateFindingsV2Input, opts ...func(*securityhub.Options)) (*securityhub.BatchUpdateFindingsV2Output, error)
}

// SecurityHub writes the case back to each of its findings, in the generation the finding came
// from. ASFF (Security Hub CSPM): workflow NOTIFIED, a note with the ticket references, and the
// references as user-defined fields. OCSF (the new Security Hub): status In Progress and a comment
// with the references. Each update re-imports the finding; the rule and the intake ignore
// NOTIFIED (In Progress) failures, so it does not loop.
type SecurityHub struct{ API SecurityHubAPI }

// updatedBy names the responder in the finding's note.
const updatedBy = "iam4-responder"

// Notified marks one finding NOTIFIED with the note and the tickets.
func (s SecurityHub) Notified(ctx context.Context, f finding.Finding, note string, tickets map[string]string) error {
	if f.Generation == finding.OCSF {
		return s.updateV2(ctx, f, note, aws.Int32(ocsfInProgress))
	}
	fields := map[string]string{"iam4:case": f.Case()}
	names := make([]string, 0, len(tickets))
	for n := range tickets {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		fields["iam4:"+n] = tickets[n]
	}
	return s.update(ctx, f, &securityhub.BatchUpdateFindingsInput{
		Note:              &types.NoteUpdate{Text: aws.String(note), UpdatedBy: aws.String(updatedBy)},
		Workflow:          &types.WorkflowUpdate{Status: types.WorkflowStatusNotified},
		UserDefinedFields: fields,
	})
}

// Resolved adds the closing note; Security Hub itself sets RESOLVED when the control passes.
func (s SecurityHub) Resolved(ctx context.Context, f finding.Finding, note string) error {
	if f.Generation == finding.OCSF {
		return s.updateV2(ctx, f, note, nil)
	}
	return s.update(ctx, f, &securityhub.BatchUpdateFindingsInput{
		Note: &types.NoteUpdate{Text: aws.String(note), UpdatedBy: aws.String(updatedBy)},
	})
}

func (s SecurityHub) update(ctx context.Context, f finding.Finding, in *securityhub.BatchUpdateFindingsInput) error {
	in.FindingIdentifiers = []types.AwsSecurityFindingIdentifier{{Id: aws.String(f.ID), ProductArn: aws.String(f.ProductARN)}}
	out, err := s.API.BatchUpdateFindings(ctx, in)
	if err != nil {
		return fmt.Errorf("update finding in Security Hub: %w", err)
	}
	if len(out.UnprocessedFindings) > 0 {
		u := out.UnprocessedFindings[0]
		return fmt.Errorf("finding not updated by Security Hub: %s: %s", aws.ToString(u.ErrorCode), aws.ToString(u.ErrorMessage))
	}
	return nil
}

// ocsfInProgress is the OCSF finding status "In Progress", the V2 counterpart of NOTIFIED.
const ocsfInProgress = 2

func (s SecurityHub) updateV2(ctx context.Context, f finding.Finding, comment string, status *int32) error {
	out, err := s.API.BatchUpdateFindingsV2(ctx, &securityhub.BatchUpdateFindingsV2Input{
		FindingIdentifiers: []types.OcsfFindingIdentifier{{
			CloudAccountUid: aws.String(f.AccountID), FindingInfoUid: aws.String(f.ID), MetadataProductUid: aws.String(f.ProductARN),
		}},
		Comment:  aws.String(comment),
		StatusId: status,
	})
	if err != nil {
		return fmt.Errorf("update finding in Security Hub (V2): %w", err)
	}
	if len(out.UnprocessedFindings) > 0 {
		u := out.UnprocessedFindings[0]
		return fmt.Errorf("finding not updated by Security Hub: %s: %s", u.ErrorCode, aws.ToString(u.ErrorMessage))
	}
	return nil
}
