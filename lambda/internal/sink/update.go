package sink

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/iam4-responder/iam4-responder/lambda/internal/finding"
	"github.com/iam4-responder/iam4-responder/lambda/internal/report"
)

// Follow-up transitions (docs/followup.md): each sink tells its channel once per transition.
// openRef is what the case's opening created at the sink (the Jira issue, the OpsItem id);
// delivery is the transition's delivery key, "<case>#<epoch>#fu/<seq>/<sink>".

// Update e-mails the transition. Like every SNS message it is sent at most once.
func (e Email) Update(ctx context.Context, u report.Update, _, delivery string) (string, error) {
	subject, body := u.Email()
	return e.SNS.Publish(ctx, subject, body, delivery)
}

// Update posts the transition's chat card.
func (c Chat) Update(ctx context.Context, u report.Update, _, delivery string) (string, error) {
	return c.SNS.Publish(ctx, "", string(u.Chat()), delivery)
}

// Update sets the case's OpsItem to the transition's status and operational data; setting the
// same values again changes nothing, so a repeat is harmless (Repeatable).
func (o OpsItem) Update(ctx context.Context, u report.Update, openRef, _ string) (string, error) {
	if openRef == "" {
		return "", errors.New("update OpsItem: no OpsItem id recorded for the case")
	}
	data := map[string]types.OpsItemDataValue{}
	for k, v := range u.OpsItemData() {
		typ := types.OpsItemDataTypeString
		if k == "iam4:state" {
			typ = types.OpsItemDataTypeSearchableString // find every case in a state from the console
		}
		data[k] = types.OpsItemDataValue{Value: aws.String(v), Type: typ}
	}
	_, err := o.API.UpdateOpsItem(ctx, &ssm.UpdateOpsItemInput{
		OpsItemId: aws.String(openRef), Status: types.OpsItemStatus(u.OpsItemStatus()), OperationalData: data,
	})
	if err != nil {
		return "", fmt.Errorf("update OpsItem %s: %w", openRef, err)
	}
	return openRef, nil
}

// Update comments on the case's issue once (the comment carries the delivery key, as the
// resolution's does) and, when Statuses names a transition for the new state, applies it.
// A workflow that offers no such transition leaves the status as it is and says so in the
// returned reference, which the ledger keeps and the function logs: the comment still tells
// the team.
func (j Jira) Update(ctx context.Context, u report.Update, issue, delivery string) (string, error) {
	if issue == "" {
		return "", errors.New("update Jira issue: no issue key recorded for the case")
	}
	if err := j.commentOnce(ctx, issue, u.JiraComment(), delivery); err != nil {
		return "", err
	}
	name := j.Statuses[string(u.T.To)]
	if name == "" {
		return issue, nil
	}
	moved, err := j.transition(ctx, issue, name)
	if err != nil {
		return "", err
	}
	if !moved {
		return fmt.Sprintf("%s (status unchanged: no transition named %q)", issue, name), nil
	}
	return issue, nil
}

// Note writes a follow-up's note (ASFF) or comment (OCSF) on one finding of the case without
// changing its workflow: the state of the key is the ticket's business, the finding's workflow
// stays NOTIFIED. Repeating it writes the same note.
func (s SecurityHub) Note(ctx context.Context, f finding.Finding, note string) error {
	return s.Resolved(ctx, f, note)
}
