package evidence

import (
	"encoding/json"
	"testing"

	"github.com/iam4-responder/iam4-responder/internal/samples"
)

// readFile reads one of the project's shared samples (internal/samples, see its SOURCES.md).
// Records the samples lack are built below from the root-key sample by changing the fields the
// CloudTrail user guide documents for each case; every case names its source.

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := samples.File(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func record(t testing.TB, name string, edit func(m map[string]any)) *Record {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(readFile(t, name), &m); err != nil {
		t.Fatal(err)
	}
	if recs, ok := m["Records"].([]any); ok {
		m = recs[0].(map[string]any)
	}
	if edit != nil {
		edit(m)
	}
	b, _ := json.Marshal(m)
	var r Record
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return &r
}

func identity(m map[string]any) map[string]any { return m["userIdentity"].(map[string]any) }

var consoleSession = map[string]any{"attributes": map[string]any{"mfaAuthenticated": "true", "creationDate": "2026-10-01T00:00:00Z"}}

func TestClassify(t *testing.T) {
	const base = "cloudtrail-root-accesskey-event-ADAPTED.json"
	tests := []struct {
		name string
		rec  *Record
		want Kind
	}{
		{"long-term key from the AWS CLI (sample)", record(t, base, nil), AccessKeyCall},
		{"console sign-in (user guide sample)", record(t, "root-console-signin.json", nil), SignIn},
		{"console sign-in with MFA (user guide sample)", record(t, "cloudtrail-root-console-signin-mfa.json", nil), SignIn},
		// CloudTrail user guide, "Example event records for root users": a console call carries
		// an AKIA-looking id with a session context and the console as user agent.
		{"console call carrying an AKIA id is not key use", record(t, base, func(m map[string]any) {
			identity(m)["sessionContext"] = map[string]any{"attributes": map[string]any{"mfaAuthenticated": "true", "creationDate": "2022-11-10T16:00:00Z"}}
			m["userAgent"] = "console.amazonaws.com"
		}), ConsoleCall},
		// CloudTrail record contents: sessionCredentialFromConsole is "true" for console sessions.
		{"sessionCredentialFromConsole marks a console call", record(t, base, func(m map[string]any) {
			identity(m)["accessKeyId"] = "ASIAIOSFODNN7EXAMPLE"
			identity(m)["sessionContext"] = map[string]any{"attributes": map[string]any{"mfaAuthenticated": "false"}}
			m["sessionCredentialFromConsole"] = "true"
			m["userAgent"] = "Coral/Netty4"
		}), ConsoleCall},
		// The kept-back user-guide record "Root user, MFA changed": id "EXAMPLE", a session
		// context and the console backend's Coral user agent.
		{"console backend call with a placeholder id", record(t, base, func(m map[string]any) {
			identity(m)["accessKeyId"] = "EXAMPLE"
			identity(m)["sessionContext"] = map[string]any{"attributes": map[string]any{"mfaAuthenticated": "false"}}
			m["userAgent"] = "Coral/Netty4"
		}), ConsoleCall},
		{"a key holder writing the console's user agent is still key use", record(t, base, func(m map[string]any) {
			m["userAgent"] = "console.amazonaws.com"
		}), AccessKeyCall},
		// CloudTrail record contents, userIdentity.invokedBy: the service that made the call.
		{"call made by a service on the root's behalf", record(t, base, func(m map[string]any) {
			identity(m)["invokedBy"] = "cloudformation.amazonaws.com"
			m["sourceIPAddress"] = "cloudformation.amazonaws.com"
		}), ServiceCall},
		// sts:GetSessionToken with the root key yields ASIA credentials with a session context.
		{"temporary credentials outside the console", record(t, base, func(m map[string]any) {
			identity(m)["accessKeyId"] = "ASIAIOSFODNN7EXAMPLE"
			identity(m)["sessionContext"] = map[string]any{"attributes": map[string]any{"mfaAuthenticated": "false"}}
		}), SessionCall},
		{"no key, no session", record(t, base, func(m map[string]any) { identity(m)["accessKeyId"] = "" }), OtherCall},
		// Panther's compromised-root-creds scenario: root console calls without a key id.
		{"no key with the console's agent is the console", record(t, base, func(m map[string]any) {
			identity(m)["accessKeyId"] = ""
			m["userAgent"] = "console.amazonaws.com"
		}), ConsoleCall},
		// Panther's aws_root_access_key_created fixture and the IAM user guide's console examples:
		// the sign-in service acts for the person at the console.
		{"invokedBy signin.amazonaws.com is a person at the console, not a service", record(t, base, func(m map[string]any) {
			identity(m)["invokedBy"] = "signin.amazonaws.com"
			identity(m)["sessionContext"] = consoleSession
			m["userAgent"] = "signin.amazonaws.com"
		}), ConsoleCall},
	}
	// The service consoles' own agents, as real records carry them, with the console's session.
	for _, agent := range []string{
		"[S3Console/0.4, aws-internal/3 aws-sdk-java/1.11.666 Linux/4.9.184-0.1.ac.235.83.329.metal1.x86_64 OpenJDK_64-Bit_Server_VM/25.232-b09 java/1.8.0_232 vendor/Oracle_Corporation]",
		"S3Console/0.4, aws-internal/3 aws-sdk-java/1.11.666 Linux/4.9.184 OpenJDK_64-Bit_Server_VM/25.232-b09",
		"RDS Console, aws-internal/3 aws-sdk-java/1.12.1 Linux/5.4 OpenJDK_64-Bit_Server_VM/25.302-b08",
		"AWS CloudWatch Console",
		"console.ec2.amazonaws.com",
		"aws-internal/3 aws-sdk-java/1.12.124 Linux/4.9.273-0.1.ac.226.84.332.metal1.x86_64",
		"aws.internal",
		"Mozilla",
		"[Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36]",
	} {
		tests = append(tests, struct {
			name string
			rec  *Record
			want Kind
		}{"console agent " + agent, record(t, base, func(m map[string]any) {
			identity(m)["accessKeyId"] = "ASIAIOSFODNN7EXAMPLE"
			identity(m)["sessionContext"] = consoleSession
			m["userAgent"] = agent
		}), ConsoleCall})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !tt.rec.IsRoot() {
				t.Fatal("fixture is not a root record")
			}
			if got := Classify(tt.rec); got != tt.want {
				t.Errorf("Classify = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestIAMUserRecordIsNotRoot(t *testing.T) {
	if record(t, "cloudtrail-iamuser-longterm-key-apicall.json", nil).IsRoot() {
		t.Error("an IAM user's call counted as root")
	}
}

func TestToolOf(t *testing.T) {
	tests := []struct {
		agent string
		want  Tool
	}{
		{"aws-cli/1.11.10 Python/2.7.8 Linux/3.2.45 botocore/1.4.67", ToolCLI},
		{"aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64.amzn.2 prompt/off command/s3.ls", ToolCLI},
		{"Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux#6.1 md/arch#x86_64 lang/python#3.12.1", ToolBoto3},
		{"aws-sdk-go-v2/1.30.0 os/linux lang/go#1.22 md/GOOS#linux api/s3#1.58.0", ToolGo},
		{"aws-sdk-java/1.12.500 Linux/5.10 OpenJDK_64-Bit_Server_VM/17", ToolJava},
		{"aws-sdk-js/3.450.0 ua/2.0 os/linux lang/js md/nodejs#20.10.0", ToolJS},
		{"APN/1.0 HashiCorp/1.0 Terraform/1.6.6 (+https://www.terraform.io) terraform-provider-aws/5.31.0 aws-sdk-go-v2/1.24.0", ToolTerraform},
		{"cloudformation.amazonaws.com", ToolCloudFormation},
		{"console.amazonaws.com", ToolConsole},
		{"Mozilla/5.0 (Macintosh; Intel Mac OS X 10.12; rv:62.0)", ToolConsole},
		{"aws-sdk-ruby3/3.190.0 ruby/3.2.2", ToolOtherSDK},
		{"curl/8.4.0", ToolUnknown},
		// S3 wraps every user agent in brackets (CloudTrail records of S3 calls, IAM user guide).
		{"[aws-cli/1.11.10 Python/2.7.8 Linux/3.2.45-0.6.wd.865.49.315.metal1.x86_64 botocore/1.4.67]", ToolCLI},
		{"[aws-cli/2.35.15 md/awscrt#0.32.2 ua/2.1 os/macos#24.2.0 md/command#s3.ls]", ToolCLI},
		{"[Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux#6.1]", ToolBoto3},
		{"[S3Console/0.4, aws-internal/3 aws-sdk-java/1.11.666 Linux/4.9.184]", ToolConsole},
		{"RDS Console, aws-internal/3 aws-sdk-java/1.12.1 Linux/5.4", ToolConsole},
		{"aws-internal/3 aws-sdk-java/1.11.706 Linux/4.9.184", ToolConsole},
		{"AWS CloudWatch Console", ToolConsole},
		{"console.ec2.amazonaws.com", ToolConsole},
		{"Mozilla", ToolConsole},
		{"aws-cli/2.13.5 Python/3.11.4 Linux/4.14.255 exec-env/CloudShell exe/x86_64.amzn.2 prompt/off command/ec2.stop-instances", ToolCLI},
		{"", ToolUnknown},
	}
	for _, tt := range tests {
		if got := ToolOf(tt.agent); got != tt.want {
			t.Errorf("ToolOf(%q) = %s, want %s", tt.agent, got, tt.want)
		}
	}
}
