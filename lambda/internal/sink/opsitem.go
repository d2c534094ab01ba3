package sink

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/iam4-responder/iam4-responder/lambda/internal/report"
)

// SSMAPI is the part of the Systems Manager client the OpsItem sink uses.
type SSMAPI interface {
	CreateOpsItem(ctx context.Context, in *ssm.CreateOpsItemInput, opts ...func(*ssm.Options)) (*ssm.CreateOpsItemOutput, error)
	UpdateOpsItem(ctx context.Context, in *ssm.UpdateOpsItemInput, opts ...func(*ssm.Options)) (*ssm.UpdateOpsItemOutput, error)
}

// OpsItem opens an OpsCenter OpsItem per case: category Security, severity 1, and /aws/dedup
// set to the case, so OpsCenter itself refuses a second open OpsItem for the same account.
type OpsItem struct {
	API SSMAPI
	// Notify are SNS topic ARNs OpsCenter notifies on changes; optional.
	Notify []string
}

// source names the OpsItem's origin; OpsCenter refuses one containing "aws" or "amazon".
const source = "iam4-responder"

// Name is the sink's name.
func (OpsItem) Name() string { return "opsitem" }

// Open creates the OpsItem and returns its id; an open OpsItem with the same dedup string
// counts as delivered.
func (o OpsItem) Open(ctx context.Context, r report.Report, _ string) (string, error) {
	item := r.OpsItem()
	// The report shapes the whole operational data, /aws/dedup and /aws/resources included,
	// within OpsCenter's limits; the sink only types it.
	data := make(map[string]types.OpsItemDataValue, len(item.Data))
	for k, v := range item.Data {
		typ := types.OpsItemDataTypeString
		if item.Searchable(k) {
			typ = types.OpsItemDataTypeSearchableString
		}
		data[k] = types.OpsItemDataValue{Value: aws.String(v), Type: typ}
	}
	in := &ssm.CreateOpsItemInput{
		Title: aws.String(item.Title), Description: aws.String(item.Description), Source: aws.String(source),
		Category: aws.String("Security"), Severity: aws.String("1"), Priority: aws.Int32(1),
		OperationalData: data,
	}
	for _, arn := range o.Notify {
		in.Notifications = append(in.Notifications, types.OpsItemNotification{Arn: aws.String(arn)})
	}
	out, err := o.API.CreateOpsItem(ctx, in)
	var exists *types.OpsItemAlreadyExistsException
	if errors.As(err, &exists) && exists.OpsItemId != nil {
		return aws.ToString(exists.OpsItemId), nil
	}
	if err != nil {
		return "", fmt.Errorf("create OpsItem: %w", err)
	}
	return aws.ToString(out.OpsItemId), nil
}

// Repeatable says both calls may run again: OpsCenter answers a second open with the open
// OpsItem of the same /aws/dedup string, and setting Resolved twice changes nothing.
func (OpsItem) Repeatable(string) bool { return true }

// Resolve marks the case's OpsItem Resolved with the resolution as operational data.
func (o OpsItem) Resolve(ctx context.Context, r report.Report, openRef, _ string) (string, error) {
	if openRef == "" {
		return "", errors.New("resolve OpsItem: no OpsItem id recorded for the case")
	}
	_, err := o.API.UpdateOpsItem(ctx, &ssm.UpdateOpsItemInput{
		OpsItemId: aws.String(openRef), Status: types.OpsItemStatusResolved,
		OperationalData: map[string]types.OpsItemDataValue{"iam4:resolution": {
			Value: aws.String(r.OpsResolution()), Type: types.OpsItemDataTypeSearchableString,
		}},
	})
	if err != nil {
		return "", fmt.Errorf("resolve OpsItem %s: %w", openRef, err)
	}
	return openRef, nil
}
