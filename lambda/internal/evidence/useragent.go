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
// is built on, and the AWS CLI's names botocore.
func ToolOf(ua string) Tool {
	l := strings.ToLower(ua)
	switch {
	case strings.Contains(l, "terraform/"):
		return ToolTerraform
	case strings.Contains(l, "cloudformation.amazonaws.com"):
		return ToolCloudFormation
	case strings.HasPrefix(l, "aws-cli/") || strings.Contains(l, " aws-cli/"):
		return ToolCLI
	case strings.Contains(l, "boto3/") || strings.Contains(l, "botocore/"):
		return ToolBoto3
	case strings.Contains(l, "aws-sdk-go"):
		return ToolGo
	case strings.Contains(l, "aws-sdk-java"):
		return ToolJava
	case strings.Contains(l, "aws-sdk-js") || strings.Contains(l, "aws-sdk-nodejs"):
		return ToolJS
	case strings.Contains(l, "aws-sdk-") || strings.Contains(l, "aws-powershell") || strings.Contains(l, "aws-toolkit"):
		return ToolOtherSDK
	case consoleAgent(ua):
		return ToolConsole
	default:
		return ToolUnknown
	}
}
