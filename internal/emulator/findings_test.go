package emulator

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/iam4-responder/iam4-responder/internal/samples"
)

// sampleFinding is the finding of one of the project's shared sample events (internal/samples),
// changed by edit; the GetFindings tests change the fields they filter on, and say which.
func sampleFinding(t *testing.T, name string, edit func(map[string]any)) json.RawMessage {
	t.Helper()
	b, err := samples.File(name)
	if err != nil {
		t.Fatal(err)
	}
	var ev map[string]any
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	f := ev["detail"].(map[string]any)["findings"].([]any)[0].(map[string]any)
	if edit != nil {
		edit(f)
	}
	out, _ := json.Marshal(f)
	return out
}

const (
	genuineID = "arn:aws:securityhub:us-west-2:111122223333:security-control/IAM.4/finding/09876543-p0o9-i8u7-y6t5-098765432109"
	shProduct = "arn:aws:securityhub:us-west-2::product/aws/securityhub"
)

func hubScenario(t *testing.T) func(*Scenario) {
	return func(s *Scenario) {
		s.Findings = []json.RawMessage{
			sampleFinding(t, "iam4-consolidated-failed.json", nil),
			// imported by the account itself under its default product (BatchImportFindings)
			sampleFinding(t, "iam4-consolidated-failed.json", func(f map[string]any) {
				f["Id"], f["ProductArn"] = "forged-1", "arn:aws:securityhub:us-west-2:111122223333:product/111122223333/default"
			}),
			// the same control's finding in another Region, suppressed
			sampleFinding(t, "iam4-consolidated-failed.json", func(f map[string]any) {
				f["Id"], f["Region"] = "eu-1", "eu-west-1"
				f["ProductArn"] = "arn:aws:securityhub:eu-west-1::product/aws/securityhub"
				f["Workflow"] = map[string]any{"Status": "SUPPRESSED"}
			}),
		}
		s.FindingsV2 = []json.RawMessage{
			sampleFinding(t, "ocsf-iam4-failed.json", nil),
			sampleFinding(t, "ocsf-iam4-failed.json", func(f map[string]any) {
				f["finding_info"].(map[string]any)["uid"] = "forged-v2"
				f["metadata"].(map[string]any)["product"].(map[string]any)["uid"] = "arn:aws:securityhub:us-east-2:111122223333:product/111122223333/default"
			}),
		}
	}
}

func eq(v string) []shtypes.StringFilter {
	return []shtypes.StringFilter{{Value: aws.String(v), Comparison: shtypes.StringFilterComparisonEquals}}
}

func TestGetFindingsFiltersAsTheAPIDoes(t *testing.T) {
	_, url := start(t, "small.json", hubScenario(t))
	tests := []struct {
		name    string
		region  string
		filters shtypes.AwsSecurityFindingFilters
		want    []string
	}{
		{"by id and Security Hub's product in the finding's Region", "us-west-2",
			shtypes.AwsSecurityFindingFilters{Id: eq(genuineID), ProductArn: eq(shProduct)}, []string{genuineID}},
		{"the forged finding is not Security Hub's product", "us-west-2",
			shtypes.AwsSecurityFindingFilters{Id: eq("forged-1"), ProductArn: eq(shProduct)}, nil},
		{"a Region sees its own findings only", "eu-west-1",
			shtypes.AwsSecurityFindingFilters{Id: eq(genuineID)}, nil},
		{"the aggregation Region sees every Region's", "us-east-1",
			shtypes.AwsSecurityFindingFilters{ComplianceSecurityControlId: eq("IAM.4")}, []string{genuineID, "forged-1", "eu-1"}},
		{"nested fields: workflow status", "us-east-1",
			shtypes.AwsSecurityFindingFilters{WorkflowStatus: eq("SUPPRESSED")}, []string{"eu-1"}},
		{"EQUALS filters on one field are joined by OR", "us-east-1",
			shtypes.AwsSecurityFindingFilters{Id: append(eq("eu-1"), eq("forged-1")...)}, []string{"forged-1", "eu-1"}},
		{"NOT_EQUALS and PREFIX on one field are both required", "us-east-1",
			shtypes.AwsSecurityFindingFilters{ProductArn: []shtypes.StringFilter{
				{Value: aws.String("arn:aws:securityhub:"), Comparison: shtypes.StringFilterComparisonPrefix},
				{Value: aws.String(shProduct), Comparison: shtypes.StringFilterComparisonNotEquals},
			}}, []string{"forged-1", "eu-1"}},
		{"fields are filtered together (AND)", "us-east-1",
			shtypes.AwsSecurityFindingFilters{ComplianceStatus: eq("FAILED"), RecordState: eq("ACTIVE"), Region: eq("eu-west-1")}, []string{"eu-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			filters := tt.filters
			out, err := securityhub.NewFromConfig(config(url, tt.region)).GetFindings(t.Context(), &securityhub.GetFindingsInput{Filters: &filters})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range out.Findings {
				got = append(got, aws.ToString(f.Id))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
		})
	}
}

func TestGetFindingsPagesAndRefusesWhatItCannotFilter(t *testing.T) {
	_, url := start(t, "small.json", hubScenario(t))
	hub := securityhub.NewFromConfig(config(url, "us-east-1"))
	var got []string
	p := securityhub.NewGetFindingsPaginator(hub, &securityhub.GetFindingsInput{MaxResults: aws.Int32(2)})
	for pages := 0; p.HasMorePages(); pages++ {
		if pages > 3 {
			t.Fatal("the pages do not end")
		}
		out, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range out.Findings {
			got = append(got, aws.ToString(f.Id))
		}
	}
	if diff := cmp.Diff([]string{genuineID, "forged-1", "eu-1"}, got); diff != "" {
		t.Errorf("paged ids (-want +got):\n%s", diff)
	}
	_, err := hub.GetFindings(t.Context(), &securityhub.GetFindingsInput{Filters: &shtypes.AwsSecurityFindingFilters{ResourceId: eq("x")}})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "InvalidInputException" {
		t.Errorf("a filter the emulator does not implement: %v, want InvalidInputException", err)
	}
}

func TestGetFindingsV2FiltersAsTheAPIDoes(t *testing.T) {
	_, url := start(t, "small.json", hubScenario(t))
	uid := func(v string) shtypes.OcsfStringFilter {
		return shtypes.OcsfStringFilter{FieldName: shtypes.OcsfStringFieldFindingInfoUid,
			Filter: &shtypes.StringFilter{Value: aws.String(v), Comparison: shtypes.StringFilterComparisonEquals}}
	}
	product := shtypes.OcsfStringFilter{FieldName: shtypes.OcsfStringFieldMetadataProductUid,
		Filter: &shtypes.StringFilter{Value: aws.String("arn:aws:securityhub:us-east-2::productv2/aws/securityhub"), Comparison: shtypes.StringFilterComparisonEquals}}
	const genuine = "arn:aws:securityhub:us-east-2:111122223333:security-control/IAM.4/finding/11233211-1234-efab-abcd-701234567892"
	tests := []struct {
		name    string
		region  string
		filters shtypes.OcsfFindingFilters
		want    []string
		wantErr string
	}{
		{"by uid and Security Hub's product", "us-east-2", shtypes.OcsfFindingFilters{CompositeFilters: []shtypes.CompositeFilter{{
			StringFilters: []shtypes.OcsfStringFilter{uid(genuine), product}}}}, []string{genuine}, ""},
		{"the forged finding is not Security Hub's product", "us-east-2", shtypes.OcsfFindingFilters{CompositeFilters: []shtypes.CompositeFilter{{
			StringFilters: []shtypes.OcsfStringFilter{uid("forged-v2"), product}}}}, nil, ""},
		{"OR within a composite filter", "us-east-2", shtypes.OcsfFindingFilters{CompositeFilters: []shtypes.CompositeFilter{{
			Operator: shtypes.AllowedOperatorsOr, StringFilters: []shtypes.OcsfStringFilter{uid(genuine), uid("forged-v2")}}}}, []string{genuine, "forged-v2"}, ""},
		{"another Region sees none of us-east-2's", "eu-west-1", shtypes.OcsfFindingFilters{}, nil, ""},
		{"a filter kind the emulator does not implement is refused", "us-east-2", shtypes.OcsfFindingFilters{CompositeFilters: []shtypes.CompositeFilter{{
			BooleanFilters: []shtypes.OcsfBooleanFilter{{FieldName: shtypes.OcsfBooleanFieldComplianceAssessmentsMeetsCriteria, Filter: &shtypes.BooleanFilter{Value: aws.Bool(true)}}}}}}, nil, "ValidationException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			filters := tt.filters
			out, err := securityhub.NewFromConfig(config(url, tt.region)).GetFindingsV2(t.Context(), &securityhub.GetFindingsV2Input{Filters: &filters})
			var apiErr smithy.APIError
			if tt.wantErr != "" {
				if !errors.As(err, &apiErr) || apiErr.ErrorCode() != tt.wantErr {
					t.Fatalf("error = %v, want %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range out.Findings {
				raw, err := d.MarshalSmithyDocument()
				if err != nil {
					t.Fatal(err)
				}
				var f struct {
					Info struct {
						UID string `json:"uid"`
					} `json:"finding_info"`
				}
				if err := json.Unmarshal(raw, &f); err != nil {
					t.Fatal(err)
				}
				got = append(got, f.Info.UID)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("uids (-want +got):\n%s", diff)
			}
		})
	}
}

// TestFilterFieldsAreTheModels checks the emulator's filter fields against the SDK's types,
// which are generated from the same Security Hub model as botocore's.
func TestFilterFieldsAreTheModels(t *testing.T) {
	asff := reflect.TypeFor[shtypes.AwsSecurityFindingFilters]()
	for name := range findingFields {
		if f, ok := asff.FieldByName(name); !ok || f.Type != reflect.TypeFor[[]shtypes.StringFilter]() {
			t.Errorf("%s is not a string filter of AwsSecurityFindingFilters", name)
		}
	}
	for name := range ocsfFields {
		if !slices.Contains(shtypes.OcsfStringField("").Values(), shtypes.OcsfStringField(name)) {
			t.Errorf("%s is not an OcsfStringField", name)
		}
	}
}
