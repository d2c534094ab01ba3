package contract

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The embedded partitions.json must be the one of the SDK release in go.mod.
func TestPartitionsAreTheSDKs(t *testing.T) {
	out, err := exec.CommandContext(t.Context(), "go", "list", "-m", "-f", "{{.Dir}}", "github.com/aws/aws-sdk-go-v2").Output()
	if err != nil {
		t.Fatalf("go list the SDK module: %v", err)
	}
	sdk, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "internal", "endpoints", "awsrulesfn", "partitions.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(sdk, partitionsJSON) {
		t.Error("partitions.json differs from the SDK's: run go generate ./lambda/contract")
	}
}

func TestPartitionOf(t *testing.T) {
	tests := []struct {
		region   string
		want     string // "" when unknown
		resolves string // PartitionFor's answer
	}{
		{"us-east-1", "aws", "aws"},
		{"ap-northeast-1", "aws", "aws"},
		{"cn-north-1", "aws-cn", "aws-cn"},
		{"cn-northwest-1", "aws-cn", "aws-cn"},
		{"us-gov-west-1", "aws-us-gov", "aws-us-gov"},
		{"us-gov-east-1", "aws-us-gov", "aws-us-gov"},
		{"us-east-99", "", "aws"},            // a typo, or newer than the SDK: resolves by pattern
		{"cn-south-7", "", "aws-cn"},         // a future China Region
		{"us-gov-north-9", "", "aws-us-gov"}, // a future GovCloud Region
		{"aws-global", "", "aws"},            // an endpoint pseudo-Region
	}
	for _, tt := range tests {
		t.Run(tt.region, func(t *testing.T) {
			p, ok := PartitionOf(tt.region)
			if diff := cmp.Diff(tt.want, p.ID); diff != "" || ok != (tt.want != "") {
				t.Errorf("PartitionOf (-want +got):\n%s (ok %v)", diff, ok)
			}
			if diff := cmp.Diff(tt.resolves, PartitionFor(tt.region).ID); diff != "" {
				t.Errorf("PartitionFor (-want +got):\n%s", diff)
			}
		})
	}
}

func TestARNsFollowThePartition(t *testing.T) {
	got := []string{
		RootARN("aws-cn", "111122223333"),
		TaskPolicyARN("aws-us-gov", RootTaskDelete),
		RoleARN("aws-cn", "111122223333", "Iam4Responder-responder"),
		TaskPolicyARN("aws", RootTaskAudit),
	}
	want := []string{
		"arn:aws-cn:iam::111122223333:root",
		"arn:aws-us-gov:iam::aws:policy/root-task/IAMDeleteRootUserCredentials",
		"arn:aws-cn:iam::111122223333:role/Iam4Responder-responder",
		TaskAudit,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ARNs (-want +got):\n%s", diff)
	}
}

func TestSecurityHubProduct(t *testing.T) {
	tests := []struct {
		name string
		arn  string
		want bool
	}{
		{"ASFF, commercial", "arn:aws:securityhub:us-west-2::product/aws/securityhub", true},
		{"OCSF, as GetFindingsV2 shows it", "arn:aws:securityhub:us-east-2::productv2/aws/securityhub", true},
		{"China", "arn:aws-cn:securityhub:cn-north-1::product/aws/securityhub", true},
		{"GovCloud", "arn:aws-us-gov:securityhub:us-gov-west-1::product/aws/securityhub", true},
		{"an account's default product (BatchImportFindings)", "arn:aws:securityhub:us-east-1:111122223333:product/111122223333/default", false},
		{"another AWS product", "arn:aws:securityhub:us-east-1::product/aws/guardduty", false},
		{"a partner product", "arn:aws:securityhub:us-east-1::product/prowler/prowler", false},
		{"partition that does not own the Region", "arn:aws:securityhub:cn-north-1::product/aws/securityhub", false},
		{"unknown Region", "arn:aws:securityhub:us-east-99::product/aws/securityhub", false},
		{"a suffix trick", "arn:aws:securityhub:us-east-1::product/aws/securityhub/../default", false},
		{"an account in the product ARN", "arn:aws:securityhub:us-east-1:111122223333:product/aws/securityhub", false},
		{"not an ARN", "Security Hub", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SecurityHubProduct(tt.arn); got != tt.want {
				t.Errorf("SecurityHubProduct(%q) = %v, want %v", tt.arn, got, tt.want)
			}
		})
	}
}
