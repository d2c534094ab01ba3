package contract

// This file names the Security Hub control IAM.4 ("IAM root user access key should not exist")
// in every form a finding can carry it, so that the function's intake and the EventBridge rule
// that feeds it recognise exactly the same findings.

import "strings"

// SecurityControlID is the consolidated control id that every Security Hub control finding has
// carried in Compliance.SecurityControlId since 2023. When present it is the safe key.
const SecurityControlID = "IAM.4"

// Form is one way a per-standard finding names the control: the standard (without the ARN prefix)
// and the control number within it. CIS numbers collide across versions (CIS v1.2.0 control 1.4
// is IAM.3), so a number only counts together with its standard.
type Form struct {
	Standard string // e.g. "cis-aws-foundations-benchmark/v/1.4.0"
	Control  string // e.g. "1.4"
}

// Forms lists every per-standard form of IAM.4, from the Security Hub user guide's control
// mapping (standards reference, "IAM.4") and its sample control findings.
var Forms = []Form{
	{"security-control", "IAM.4"},
	{"aws-foundational-security-best-practices/v/1.0.0", "IAM.4"},
	{"nist-800-53/v/5.0.0", "IAM.4"},
	{"pci-dss/v/3.2.1", "PCI.IAM.1"},
	{"cis-aws-foundations-benchmark/v/1.2.0", "1.12"},
	{"cis-aws-foundations-benchmark/v/1.4.0", "1.4"},
	{"cis-aws-foundations-benchmark/v/3.0.0", "1.4"},
	{"cis-aws-foundations-benchmark/v/5.0.0", "1.3"},
}

// GeneratorIDs returns every GeneratorId an IAM.4 finding of the given partition can carry.
// Security Hub writes them in two shapes: newer standards as "<standard>/<control>", older ones
// as a standards ARN ("arn:aws:securityhub:::standards/..." or, for CIS v1.2.0,
// "arn:aws:securityhub:::ruleset/.../rule/<control>"). Both shapes are listed for each form so the
// rule does not depend on which one a standard happens to use.
func GeneratorIDs(partition string) []string {
	if partition == "" {
		partition = "aws"
	}
	prefix := "arn:" + partition + ":securityhub:::"
	var ids []string
	for _, f := range Forms {
		if f.Standard == "security-control" {
			ids = append(ids, f.Standard+"/"+f.Control)
			continue
		}
		kind := "standards/"
		rule := ""
		if f.Standard == "cis-aws-foundations-benchmark/v/1.2.0" {
			kind, rule = "ruleset/", "rule/"
		}
		ids = append(ids,
			f.Standard+"/"+f.Control,
			prefix+kind+f.Standard+"/"+rule+f.Control,
		)
	}
	return ids
}

// GeneratorIDSuffixes returns the endings that tell an IAM.4 GeneratorId apart in both of its
// shapes and every partition, for EventBridge's suffix matching, which keeps the rule's pattern
// within PutRule's 2,048-character default quota. A control id such as "IAM.4" or "PCI.IAM.1"
// means the same in every standard, so "/IAM.4" covers them all; CIS numbers need their standard.
func GeneratorIDSuffixes() []string {
	var out []string
	seen := map[string]bool{}
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, f := range Forms {
		switch {
		case strings.Contains(f.Control, "IAM."):
			add("/" + f.Control)
		case f.Standard == "cis-aws-foundations-benchmark/v/1.2.0":
			add(f.Standard + "/rule/" + f.Control)
			add(f.Standard + "/" + f.Control)
		default:
			add(f.Standard + "/" + f.Control)
		}
	}
	return out
}

// IsControl reports whether a standard (ARN or bare, as in ProductFields.StandardsArn,
// StandardsGuideArn or the front of a GeneratorId) and a control number name IAM.4.
func IsControl(standard, controlID string) bool {
	std := bareStandard(standard)
	for _, f := range Forms {
		if f.Standard == std && f.Control == controlID {
			return true
		}
	}
	return false
}

// IsGeneratorID reports whether a finding's GeneratorId names IAM.4.
func IsGeneratorID(id string) bool {
	i := strings.LastIndexByte(id, '/')
	if i < 0 {
		return false
	}
	std, ctl := id[:i], id[i+1:]
	std = strings.TrimSuffix(std, "/rule")
	return IsControl(std, ctl)
}

// bareStandard strips "arn:<partition>:securityhub:::" and the "standards/" or "ruleset/" kind
// from a standards ARN, leaving e.g. "cis-aws-foundations-benchmark/v/1.2.0".
func bareStandard(s string) string {
	if strings.HasPrefix(s, "arn:") {
		if i := strings.Index(s, ":::"); i >= 0 {
			s = s[i+3:]
		}
	}
	for _, kind := range []string{"standards/", "ruleset/"} {
		if rest, ok := strings.CutPrefix(s, kind); ok {
			return rest
		}
	}
	return s
}
