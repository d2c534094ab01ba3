package contract

import (
	"strings"
	"testing"
)

func TestEveryGeneratorIDIsRecognised(t *testing.T) {
	for _, partition := range []string{"aws", "aws-cn", "aws-us-gov"} {
		for _, id := range GeneratorIDs(partition) {
			if !IsGeneratorID(id) {
				t.Errorf("GeneratorIDs(%q) lists %q, which IsGeneratorID rejects", partition, id)
			}
		}
	}
}

func TestIsGeneratorID(t *testing.T) {
	tests := []struct {
		name string
		id   string
		want bool
	}{
		{"consolidated", "security-control/IAM.4", true},
		{"FSBP", "aws-foundational-security-best-practices/v/1.0.0/IAM.4", true},
		{"CIS v1.2.0 rule 1.12 (user guide sample shape)", "arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0/rule/1.12", true},
		{"CIS v1.4.0 control 1.4 (user guide sample shape)", "arn:aws:securityhub:::standards/cis-aws-foundations-benchmark/v/1.4.0/1.4", true},
		{"CIS v3.0.0 control 1.4", "cis-aws-foundations-benchmark/v/3.0.0/1.4", true},
		{"CIS v5.0.0 control 1.3", "cis-aws-foundations-benchmark/v/5.0.0/1.3", true},
		{"PCI DSS", "pci-dss/v/3.2.1/PCI.IAM.1", true},
		{"China partition", "arn:aws-cn:securityhub:::standards/cis-aws-foundations-benchmark/v/1.4.0/1.4", true},
		{"CIS v1.2.0 rule 1.4 is IAM.3", "arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0/rule/1.4", false},
		{"CIS v5.0.0 control 1.4 is another control", "cis-aws-foundations-benchmark/v/5.0.0/1.4", false},
		{"IAM.6", "security-control/IAM.6", false},
		{"IAM.40 is not IAM.4", "security-control/IAM.40", false},
		{"empty", "", false},
		{"no slash", "IAM.4", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsGeneratorID(tt.id); got != tt.want {
				t.Errorf("IsGeneratorID(%q) = %v, want %v", tt.id, got, tt.want)
			}
		})
	}
}

func TestSuffixesCoverEveryGeneratorIDAndNoOtherControl(t *testing.T) {
	matches := func(id string) bool {
		for _, s := range GeneratorIDSuffixes() {
			if strings.HasSuffix(id, s) {
				return true
			}
		}
		return false
	}
	for _, partition := range []string{"aws", "aws-cn", "aws-us-gov"} {
		for _, id := range GeneratorIDs(partition) {
			if !matches(id) {
				t.Errorf("no suffix matches %q", id)
			}
		}
	}
	for _, other := range []string{
		"arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0/rule/1.4",
		"cis-aws-foundations-benchmark/v/5.0.0/1.4",
		"security-control/IAM.40",
		"aws-foundational-security-best-practices/v/1.0.0/IAM.6",
	} {
		if matches(other) {
			t.Errorf("a suffix matches %q, which is not IAM.4", other)
		}
	}
}
