package contract

// This file answers "which partition is this Region in?" from the AWS SDK for Go's own partition
// metadata (aws-sdk-go-v2, internal/endpoints/awsrulesfn/partitions.json), the data its endpoint
// resolver uses. The SDK keeps that package internal, so partitions.json is a verbatim copy,
// refreshed with `go generate` and checked against the SDK module in go.mod by a test: a
// partition is never guessed from a Region's prefix here.

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

//go:generate sh -c "cp \"$(go list -m -f '{{.Dir}}' github.com/aws/aws-sdk-go-v2)/internal/endpoints/awsrulesfn/partitions.json\" partitions.json && chmod 644 partitions.json"

//go:embed partitions.json
var partitionsJSON []byte

// Partition is one AWS partition: "aws", "aws-cn", "aws-us-gov", …
type Partition struct {
	ID        string
	DNSSuffix string
	regions   []string
	pattern   *regexp.Regexp
}

var partitions = mustPartitions(partitionsJSON)

func mustPartitions(raw []byte) []Partition {
	var doc struct {
		Partitions []struct {
			ID      string `json:"id"`
			Outputs struct {
				DNSSuffix string `json:"dnsSuffix"`
			} `json:"outputs"`
			RegionRegex string              `json:"regionRegex"`
			Regions     map[string]struct{} `json:"regions"`
		} `json:"partitions"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		panic(fmt.Sprintf("contract: the embedded partitions.json: %v", err)) // embedded at build time
	}
	var out []Partition
	for _, p := range doc.Partitions {
		part := Partition{ID: p.ID, DNSSuffix: p.Outputs.DNSSuffix, pattern: regexp.MustCompile(p.RegionRegex)}
		for r := range p.Regions {
			// "aws-global", "aws-cn-global", …: endpoint pseudo-Regions, not places to deploy or read.
			if !strings.HasSuffix(r, "-global") {
				part.regions = append(part.regions, r)
			}
		}
		slices.Sort(part.regions)
		out = append(out, part)
	}
	return out
}

// Partitions lists the SDK's partitions.
func Partitions() []Partition { return slices.Clone(partitions) }

// Regions lists the partition's Regions the SDK knows.
func (p Partition) Regions() []string { return slices.Clone(p.regions) }

// PartitionOf returns the partition of a Region the SDK knows by name. ok is false for a name it
// does not list (a typo such as "us-east-99", or a Region newer than the SDK in go.mod).
func PartitionOf(region string) (p Partition, ok bool) {
	for _, p := range partitions {
		if _, found := slices.BinarySearch(p.regions, region); found {
			return p, true
		}
	}
	return Partition{}, false
}

// PartitionFor returns the partition a Region belongs to as the SDK's endpoint resolver decides
// it: by name, else by the partition's Region pattern (a Region launched after this SDK release
// still resolves), else "aws", the resolver's own fallback. Use it for the function's own Region;
// use PartitionOf to validate a setting.
func PartitionFor(region string) Partition {
	if p, ok := PartitionOf(region); ok {
		return p
	}
	for _, p := range partitions {
		if p.pattern.MatchString(region) {
			return p
		}
	}
	for _, p := range partitions {
		if p.ID == "aws" {
			return p
		}
	}
	panic("contract: partitions.json has no aws partition") // checked by the tests
}

// regionShape is the form of every AWS Region name (us-east-1, cn-north-1, us-gov-west-1,
// eu-isoe-west-1), including Regions newer than the SDK's metadata.
var regionShape = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$`)

// RegionShaped reports whether s has a Region name's shape. Untrusted text (a finding's Region,
// a query's Regions) is checked with it before it goes into a host name, a link or SQL;
// settings are checked with ValidRegion, against the SDK's metadata.
func RegionShaped(s string) bool { return len(s) <= 32 && regionShape.MatchString(s) }

// ValidRegion checks a Region name against the SDK's partition metadata.
func ValidRegion(region string) error {
	if _, ok := PartitionOf(region); ok {
		return nil
	}
	msg := fmt.Sprintf("%q is not a Region the AWS SDK knows", region)
	var names []string
	for _, p := range partitions {
		names = append(names, p.regions...)
	}
	if s := Suggest(region, names); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	}
	return fmt.Errorf("%s", msg)
}

// RootARN is the ARN of an account's root user, the resource sts:AssumeRoot is authorized on.
func RootARN(partition, account string) string {
	return "arn:" + partition + ":iam::" + account + ":root"
}

// RoleARN is the ARN of a role without a path.
func RoleARN(partition, account, name string) string {
	return "arn:" + partition + ":iam::" + account + ":role/" + name
}

// The AWS root-task policies that scope centralized root access sessions (IAM user guide,
// "Perform a privileged task on an AWS Organizations member account"), by name.
const (
	RootTaskAudit  = "IAMAuditRootUserCredentials"
	RootTaskDelete = "IAMDeleteRootUserCredentials"
)

// TaskPolicyARN is the ARN of a root-task policy in a partition, as sts:AssumeRoot's
// TaskPolicyArn and the sts:TaskPolicyArn condition key take it.
func TaskPolicyARN(partition, task string) string {
	return "arn:" + partition + ":iam::aws:policy/root-task/" + task
}

// TaskAudit and TaskDelete are the root-task policy ARNs in the aws partition only.
//
// Deprecated: build the ARN for the function's partition with TaskPolicyARN.
const (
	TaskAudit  = "arn:aws:iam::aws:policy/root-task/" + RootTaskAudit
	TaskDelete = "arn:aws:iam::aws:policy/root-task/" + RootTaskDelete
)

// SecurityHubProduct reports whether a product ARN (ASFF ProductArn, or OCSF metadata.product.uid)
// is Security Hub's own, "arn:<partition>:securityhub:<region>::product/aws/securityhub" (OCSF:
// "productv2"), in a partition and Region the SDK knows. Anyone allowed to call
// BatchImportFindings can import findings under their own product
// ("product/<account>/default"): only this ARN says Security Hub itself produced a finding.
func SecurityHubProduct(arn string) bool {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "securityhub" || parts[4] != "" {
		return false
	}
	p, ok := PartitionOf(parts[3])
	if !ok || p.ID != parts[1] {
		return false
	}
	return parts[5] == "product/aws/securityhub" || parts[5] == "productv2/aws/securityhub"
}

// ResponderRoleName is the function role's name in a stack. Member accounts' evidence roles trust
// this exact role, so the name is derived from the stack's, not generated.
func ResponderRoleName(stackName string) string { return stackName + "-responder" }
