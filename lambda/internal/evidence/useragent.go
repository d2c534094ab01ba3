package evidence

import "strings"

// Tool is the client a user agent names.
type Tool string

const (
	ToolCLI            Tool = "AWS CLI"
	ToolBoto3          Tool = "boto3 (Python)"
	ToolGo             Tool = "AWS SDK for Go"
	ToolJava           Tool = "AWS SDK for Java"
	ToolJS             Tool = "AWS SDK for JavaScript"
	ToolOtherSDK       Tool = "other AWS SDK"
	ToolTerraform      Tool = "Terraform"
	ToolCloudFormation Tool = "CloudFormation"
	ToolConsole        Tool = "console"
	ToolUnknown        Tool = "unknown"
)

// ToolOf groups a user agent by tool. Order matters: Terraform's agent also names the Go SDK it
// is built on, the AWS CLI's names botocore, and the consoles' backends name the Java SDK
// ("[S3Console/0.4, aws-internal/3 aws-sdk-java/1.11.…]"). S3's brackets are removed first.
func ToolOf(ua string) Tool {
	l := strings.ToLower(unbracket(ua))
	has := func(s string) bool { return strings.HasPrefix(l, s) || strings.Contains(l, " "+s) }
	switch {
	case strings.Contains(l, "terraform/") || strings.Contains(l, "terraform-provider-aws"):
		return ToolTerraform
	case strings.Contains(l, "cloudformation.amazonaws.com"):
		return ToolCloudFormation
	case consoleAgent(ua):
		return ToolConsole
	case has("aws-cli/"):
		return ToolCLI
	case has("boto3/") || has("botocore/") || has("aws-sdk-python/"):
		return ToolBoto3
	case strings.Contains(l, "aws-sdk-go"):
		return ToolGo
	case strings.Contains(l, "aws-sdk-java"):
		return ToolJava
	case strings.Contains(l, "aws-sdk-js") || strings.Contains(l, "aws-sdk-nodejs"):
		return ToolJS
	case strings.Contains(l, "aws-sdk-") || strings.Contains(l, "awspowershell") ||
		strings.Contains(l, "aws-powershell") || strings.Contains(l, "aws-toolkit"):
		return ToolOtherSDK
	default:
		return ToolUnknown
	}
}
