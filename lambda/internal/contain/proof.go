package contain

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	"github.com/aws/aws-sdk-go-v2/service/securityhub/document"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/iam4-responder/iam4-responder/lambda/contract"
	"github.com/iam4-responder/iam4-responder/lambda/internal/finding"
)

// Anyone with securityhub:BatchImportFindings can import a finding for their own account under
// their default product (product/<account>/default) with any GeneratorId or control id
// (Security Hub API reference, BatchImportFindings). An event is therefore no proof: before any
// root session, the finding is read again from Security Hub by id, in its Region, and must be
// Security Hub's own, active, not suppressed, failing IAM.4, about the account acted on.

// maxPages bounds the re-read. Filtered reads may answer empty pages with a NextToken before
// the match (aws/aws-sdk-go-v2#3303), so one empty page proves nothing; a read that keeps paging
// proves nothing either.
const maxPages = 10

// HubAPI is the part of the Security Hub client the proof reads with.
type HubAPI interface {
	GetFindings(ctx context.Context, in *securityhub.GetFindingsInput, opts ...func(*securityhub.Options)) (*securityhub.GetFindingsOutput, error)
	GetFindingsV2(ctx context.Context, in *securityhub.GetFindingsV2Input, opts ...func(*securityhub.Options)) (*securityhub.GetFindingsV2Output, error)
}

// SecurityHubProof re-reads findings with Security Hub clients, one per Region.
type SecurityHubProof struct {
	Hub func(region string) HubAPI
}

// ProductARN is the ProductArn of Security Hub's own control findings (ASFF) in a Region.
func ProductARN(region string) string {
	return fmt.Sprintf("arn:%s:securityhub:%s::product/aws/securityhub", partition(region), region)
}

// ProductUIDV2 is metadata.product.uid of Security Hub's own findings in OCSF: the same ARN
// with productv2, as GetFindingsV2 returns it.
func ProductUIDV2(region string) string {
	return fmt.Sprintf("arn:%s:securityhub:%s::productv2/aws/securityhub", partition(region), region)
}

// Prove returns nil only when Security Hub holds the finding as its own, ACTIVE, not
// SUPPRESSED, FAILED, for IAM.4, about f's account in f's Region. Any doubt is an error.
func (p SecurityHubProof) Prove(ctx context.Context, f finding.Finding) error {
	if f.Region == "" || f.ID == "" {
		return errors.New("the finding names no id or Region")
	}
	hub := p.Hub(f.Region)
	switch f.Generation {
	case finding.ASFF:
		return proveASFF(ctx, hub, f)
	case finding.OCSF:
		return proveOCSF(ctx, hub, f)
	}
	return fmt.Errorf("unknown finding generation %q", f.Generation)
}

func proveASFF(ctx context.Context, hub HubAPI, f finding.Finding) error {
	want := ProductARN(f.Region)
	if f.ProductARN != want {
		return fmt.Errorf("the event's finding comes from product %q, not Security Hub's %q", f.ProductARN, want)
	}
	eq := func(v string) []shtypes.StringFilter {
		return []shtypes.StringFilter{{Value: aws.String(v), Comparison: shtypes.StringFilterComparisonEquals}}
	}
	pages := securityhub.NewGetFindingsPaginator(hub, &securityhub.GetFindingsInput{
		Filters:    &shtypes.AwsSecurityFindingFilters{Id: eq(f.ID), ProductArn: eq(want)},
		MaxResults: aws.Int32(10),
	})
	g, err := onlyFinding(ctx, f.Region, pages.HasMorePages, func(ctx context.Context) ([]shtypes.AwsSecurityFinding, error) {
		out, err := pages.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		return out.Findings, nil
	})
	if err != nil {
		return err
	}
	//lint:ignore SA1019 findings from before Workflow.Status carry only WorkflowState; a SUPPRESSED there counts too
	workflow := string(g.WorkflowState)
	if g.Workflow != nil && g.Workflow.Status != "" {
		workflow = string(g.Workflow.Status)
	}
	var compliance, control string
	if g.Compliance != nil {
		compliance, control = string(g.Compliance.Status), aws.ToString(g.Compliance.SecurityControlId)
	}
	if control == "" && slices.Contains(contract.GeneratorIDs(partition(f.Region)), aws.ToString(g.GeneratorId)) {
		control = contract.SecurityControlID // a per-standard finding from before consolidation
	}
	return check([]fact{
		{"Id", aws.ToString(g.Id), f.ID},
		{"ProductArn", aws.ToString(g.ProductArn), want},
		{"AwsAccountId", aws.ToString(g.AwsAccountId), f.AccountID},
		{"Region", aws.ToString(g.Region), f.Region},
		{"RecordState", string(g.RecordState), "ACTIVE"},
		{"Compliance.Status", compliance, "FAILED"},
		{"Compliance.SecurityControlId", control, contract.SecurityControlID},
	}, workflow)
}

func proveOCSF(ctx context.Context, hub HubAPI, f finding.Finding) error {
	want := ProductUIDV2(f.Region)
	if f.ProductARN != want {
		return fmt.Errorf("the event's finding comes from product %q, not Security Hub's %q", f.ProductARN, want)
	}
	eq := func(field shtypes.OcsfStringField, v string) shtypes.OcsfStringFilter {
		return shtypes.OcsfStringFilter{FieldName: field,
			Filter: &shtypes.StringFilter{Value: aws.String(v), Comparison: shtypes.StringFilterComparisonEquals}}
	}
	pages := securityhub.NewGetFindingsV2Paginator(hub, &securityhub.GetFindingsV2Input{
		Filters: &shtypes.OcsfFindingFilters{CompositeFilters: []shtypes.CompositeFilter{{
			Operator: shtypes.AllowedOperatorsAnd,
			StringFilters: []shtypes.OcsfStringFilter{
				eq(shtypes.OcsfStringFieldFindingInfoUid, f.ID),
				eq(shtypes.OcsfStringFieldMetadataProductUid, want),
			},
		}}},
		MaxResults: aws.Int32(10),
	})
	one, err := onlyFinding(ctx, f.Region, pages.HasMorePages, func(ctx context.Context) ([]document.Interface, error) {
		out, err := pages.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		return out.Findings, nil
	})
	if err != nil {
		return err
	}
	var g struct {
		FindingInfo struct {
			UID string `json:"uid"`
		} `json:"finding_info"`
		Metadata struct {
			Product struct {
				UID string `json:"uid"`
			} `json:"product"`
		} `json:"metadata"`
		Cloud struct {
			Account struct {
				UID string `json:"uid"`
			} `json:"account"`
			Region string `json:"region"`
		} `json:"cloud"`
		Compliance struct {
			Control  string `json:"control"`
			Status   string `json:"status"`
			StatusID *int   `json:"status_id"`
		} `json:"compliance"`
		Status   string `json:"status"`
		StatusID *int   `json:"status_id"`
	}
	// The document's own decoder matches Go field names, not json tags: go through its JSON.
	raw, err := one.MarshalSmithyDocument()
	if err == nil {
		err = json.Unmarshal(raw, &g)
	}
	if err != nil {
		return fmt.Errorf("read the re-read finding: %w", err)
	}
	// OCSF 1.x Compliance Finding: compliance.status_id 3 is Fail; status_id 1 New, 2 In
	// Progress, 3 Suppressed, 4 Resolved, 5 Archived, 6 Deleted. Ids win over captions.
	compliance := g.Compliance.Status
	if id := g.Compliance.StatusID; id != nil {
		compliance = map[int]string{1: "Pass", 2: "Warning", 3: "Fail"}[*id]
	}
	status := g.Status
	if id := g.StatusID; id != nil {
		status = map[int]string{1: "New", 2: "In Progress", 3: "Suppressed", 4: "Resolved", 5: "Archived", 6: "Deleted"}[*id]
	}
	// Only an open finding acts: New, or In Progress (Security Hub's NOTIFIED). Resolved,
	// Archived and Deleted are closed; Unknown (0), Other (99) or no status say nothing.
	record, workflow := "ACTIVE", status
	switch status {
	case "New", "In Progress":
	case "Suppressed":
		workflow = "SUPPRESSED"
	case "":
		record = "NONE"
	default:
		record = strings.ToUpper(status)
	}
	return check([]fact{
		{"finding_info.uid", g.FindingInfo.UID, f.ID},
		{"metadata.product.uid", g.Metadata.Product.UID, want},
		{"cloud.account.uid", g.Cloud.Account.UID, f.AccountID},
		{"cloud.region", g.Cloud.Region, f.Region},
		{"status (record)", record, "ACTIVE"},
		{"compliance.status", compliance, "Fail"},
		{"compliance.control", g.Compliance.Control, contract.SecurityControlID},
	}, workflow)
}

// fact is one field of the re-read finding and the value it must have.
type fact struct{ field, got, want string }

func check(facts []fact, workflow string) error {
	var bad []string
	for _, f := range facts {
		if f.got != f.want {
			bad = append(bad, fmt.Sprintf("%s is %q, not %q", f.field, f.got, f.want))
		}
	}
	if workflow == "SUPPRESSED" {
		bad = append(bad, "the finding is SUPPRESSED")
	}
	if len(bad) > 0 {
		return errors.New("the copy Security Hub holds does not allow acting: " + strings.Join(bad, "; "))
	}
	return nil
}

// partition names the ARN partition of a Region (DESIGN.md: aws, aws-cn, aws-us-gov).
func partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// onlyFinding reads every page of a re-read, at most maxPages, and wants exactly one finding
// across them: filtered reads may answer empty pages before the match, and a second finding
// with the same id and product would mean the id does not name one finding.
func onlyFinding[T any](ctx context.Context, region string, more func() bool, next func(context.Context) ([]T, error)) (T, error) {
	var found []T
	var zero T
	for n := 0; more(); n++ {
		if n == maxPages {
			return zero, fmt.Errorf("the re-read in %s still pages after %d pages", region, maxPages)
		}
		page, err := next(ctx)
		if err != nil {
			return zero, fmt.Errorf("re-read the finding in %s: %w", region, err)
		}
		found = append(found, page...)
	}
	if len(found) != 1 {
		return zero, fmt.Errorf("the re-read in %s returns %d findings with this id from Security Hub's own product, want 1", region, len(found))
	}
	return found[0], nil
}
