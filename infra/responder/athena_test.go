package responder

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
	"github.com/google/go-cmp/cmp"

	"github.com/iam4-responder/iam4-responder/lambda/contract"
)

// athenaStacks synthesizes two responders once: one that creates the table and workgroup over
// an organization trail's bucket in a log-archive account, one that uses an existing table.
var athenaStacks = sync.OnceValues(func() (map[string]map[string]any, map[string][]string) {
	dir, err := os.MkdirTemp("", "iam4-athena-test")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	code := filepath.Join(dir, "code")
	if err := os.MkdirAll(code, 0o755); err != nil {
		panic(err)
	}
	if err := os.WriteFile(filepath.Join(code, "bootstrap"), []byte("stand-in"), 0o755); err != nil {
		panic(err)
	}
	props := map[string]*AthenaProps{
		"Created": {TrailBucket: "aws-controltower-logs-999988887777-us-east-1", TrailPrefix: "o-exampleorgid",
			OrganizationID: "o-exampleorgid", TrailKeyARN: "arn:aws:kms:us-east-1:999988887777:key/1234abcd-12ab-34cd-56ef-1234567890ab",
			Regions: []string{"us-east-1", "eu-west-1"}, TrailStart: "2024/01/01"},
		"Existing": {Database: "security", Table: "org_trail", Workgroup: "secops", ResultsBucket: "secops-athena-results",
			TrailBucket: "org-trail-bucket"},
	}
	tpls, nags := map[string]map[string]any{}, map[string][]string{}
	for name, p := range props {
		// One app per stack: an app's tree may not change after its first synthesis.
		app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(filepath.Join(dir, "out-"+name))})
		stack := awscdk.NewStack(app, jsii.String(name), nil)
		New(stack, "Responder", Props{Code: awslambda.Code_FromAsset(jsii.String(code), nil), Athena: p})
		awscdk.Aspects_Of(stack).Add(cdknag.NewAwsSolutionsChecks(nil), nil)
		tpl := assertions.Template_FromStack(stack, nil)
		for _, msg := range *assertions.Annotations_FromStack(stack).FindError(jsii.String("*"),
			assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*"))) {
			nags[name] = append(nags[name], fmt.Sprintf("%+v", msg)) // the whole message: its fields are deprecated one by one
		}
		var t map[string]any
		b, _ := json.Marshal(tpl.ToJSON())
		if err := json.Unmarshal(b, &t); err != nil {
			panic(err)
		}
		tpls[name] = t
	}
	return tpls, nags
})

func athenaTemplate(t *testing.T, name string) map[string]any {
	t.Helper()
	tpls, nags := athenaStacks()
	if len(nags[name]) > 0 {
		t.Errorf("cdk-nag errors in %s:\n%s", name, strings.Join(nags[name], "\n"))
	}
	return tpls[name]
}

// resources returns the properties of every resource of a type.
func resourcesOf(tpl map[string]any, typ string) []map[string]any {
	var out []map[string]any
	for _, r := range tpl["Resources"].(map[string]any) {
		if r := r.(map[string]any); r["Type"] == typ {
			out = append(out, r["Properties"].(map[string]any))
		}
	}
	return out
}

// statements returns the function role's policy statements by Sid, as JSON for comparison.
func athenaStatements(t *testing.T, tpl map[string]any, sids ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, p := range resourcesOf(tpl, "AWS::IAM::Policy") {
		for _, s := range p["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			s := s.(map[string]any)
			for _, sid := range sids {
				if s["Sid"] == sid {
					delete(s, "Sid")
					b, _ := json.Marshal(s)
					out[sid] = string(b)
				}
			}
		}
	}
	return out
}

func TestAthenaTableProjectsTheOrganizationTrail(t *testing.T) {
	tpl := athenaTemplate(t, "Created")
	tables := resourcesOf(tpl, "AWS::Glue::Table")
	if len(tables) != 1 {
		t.Fatalf("%d Glue tables", len(tables))
	}
	in := tables[0]["TableInput"].(map[string]any)
	params := in["Parameters"].(map[string]any)
	got := map[string]any{
		"template": params["storage.location.template"], "account": params["projection.account.type"],
		"regions": params["projection.region.values"], "range": params["projection.timestamp.range"],
		"format": params["projection.timestamp.format"], "location": in["StorageDescriptor"].(map[string]any)["Location"],
		"partitions": len(in["PartitionKeys"].([]any)), "name": in["Name"],
	}
	want := map[string]any{
		"template": "s3://aws-controltower-logs-999988887777-us-east-1/o-exampleorgid/AWSLogs/o-exampleorgid/${account}/CloudTrail/${region}/${timestamp}",
		"account":  "injected", "regions": "us-east-1,eu-west-1", "range": "2024/01/01,NOW", "format": "yyyy/MM/dd",
		"location":   "s3://aws-controltower-logs-999988887777-us-east-1/o-exampleorgid/AWSLogs/o-exampleorgid/",
		"partitions": 3, "name": "cloudtrail_logs",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("table (-want +got):\n%s", diff)
	}
}

func TestAthenaWorkgroupEncryptsAndExpiresResults(t *testing.T) {
	tpl := athenaTemplate(t, "Created")
	wgs := resourcesOf(tpl, "AWS::Athena::WorkGroup")
	if len(wgs) != 1 {
		t.Fatalf("%d workgroups", len(wgs))
	}
	cfg := wgs[0]["WorkGroupConfiguration"].(map[string]any)
	rc := cfg["ResultConfiguration"].(map[string]any)
	got := []any{cfg["EnforceWorkGroupConfiguration"], cfg["BytesScannedCutoffPerQuery"],
		rc["EncryptionConfiguration"].(map[string]any)["EncryptionOption"]}
	if diff := cmp.Diff([]any{true, 1e11, "SSE_S3"}, got); diff != "" {
		t.Errorf("enforced, scan cutoff, encryption (-want +got):\n%s", diff)
	}
	buckets := resourcesOf(tpl, "AWS::S3::Bucket")
	if len(buckets) != 1 {
		t.Fatalf("%d buckets", len(buckets))
	}
	rules, _ := json.Marshal(buckets[0]["LifecycleConfiguration"])
	if !strings.Contains(string(rules), `"ExpirationInDays":7`) {
		t.Errorf("results bucket lifecycle = %s, want expiry after 7 days", rules)
	}
	env := resourcesOf(tpl, "AWS::Lambda::Function")[0]["Environment"].(map[string]any)["Variables"].(map[string]any)
	if env[contract.EnvAthenaTable] != "cloudtrail_logs" || env[contract.EnvAthenaLookbackDays] != "365" ||
		!strings.HasPrefix(fmt.Sprint(env[contract.EnvAthenaDatabase]), "iam4_") {
		t.Errorf("environment = %v", env)
	}
}

func TestAthenaPermissionsAreExact(t *testing.T) {
	for _, tc := range []struct {
		stack string
		want  map[string]string
	}{
		{"Created", map[string]string{
			"ListTrailLogs":    `{"Action":"s3:ListBucket","Condition":{"StringLike":{"s3:prefix":"o-exampleorgid/AWSLogs/o-exampleorgid/*"}},"Effect":"Allow","Resource":{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":s3:::aws-controltower-logs-999988887777-us-east-1"]]}}`,
			"ReadTrailLogs":    `{"Action":"s3:GetObject","Effect":"Allow","Resource":{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":s3:::aws-controltower-logs-999988887777-us-east-1/o-exampleorgid/AWSLogs/o-exampleorgid/*"]]}}`,
			"DecryptTrailLogs": `{"Action":"kms:Decrypt","Effect":"Allow","Resource":"arn:aws:kms:us-east-1:999988887777:key/1234abcd-12ab-34cd-56ef-1234567890ab"}`,
		}},
		{"Existing", map[string]string{
			"RunTrailQuery":     `{"Action":["athena:StartQueryExecution","athena:GetQueryExecution","athena:GetQueryResults","athena:StopQueryExecution"],"Effect":"Allow","Resource":{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":athena:",{"Ref":"AWS::Region"},":",{"Ref":"AWS::AccountId"},":workgroup/secops"]]}}`,
			"ReadTrailTable":    `{"Action":["glue:GetDatabase","glue:GetTable"],"Effect":"Allow","Resource":[{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":glue:",{"Ref":"AWS::Region"},":",{"Ref":"AWS::AccountId"},":catalog"]]},{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":glue:",{"Ref":"AWS::Region"},":",{"Ref":"AWS::AccountId"},":database/security"]]},{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":glue:",{"Ref":"AWS::Region"},":",{"Ref":"AWS::AccountId"},":table/security/org_trail"]]}]}`,
			"WriteQueryResults": `{"Action":["s3:GetObject","s3:PutObject","s3:AbortMultipartUpload"],"Effect":"Allow","Resource":{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":s3:::secops-athena-results/results/*"]]}}`,
		}},
	} {
		t.Run(tc.stack, func(t *testing.T) {
			var sids []string
			for sid := range tc.want {
				sids = append(sids, sid)
			}
			if diff := cmp.Diff(tc.want, athenaStatements(t, athenaTemplate(t, tc.stack), sids...)); diff != "" {
				t.Errorf("statements (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAnExistingTableCreatesNothing(t *testing.T) {
	tpl := athenaTemplate(t, "Existing")
	got := []int{len(resourcesOf(tpl, "AWS::Glue::Table")), len(resourcesOf(tpl, "AWS::Glue::Database")),
		len(resourcesOf(tpl, "AWS::Athena::WorkGroup")), len(resourcesOf(tpl, "AWS::S3::Bucket"))}
	if diff := cmp.Diff([]int{0, 0, 0, 0}, got); diff != "" {
		t.Errorf("tables, databases, workgroups, buckets (-want +got):\n%s", diff)
	}
	env := resourcesOf(tpl, "AWS::Lambda::Function")[0]["Environment"].(map[string]any)["Variables"].(map[string]any)
	got2 := []any{env[contract.EnvAthenaDatabase], env[contract.EnvAthenaTable], env[contract.EnvAthenaWorkgroup]}
	if diff := cmp.Diff([]any{"security", "org_trail", "secops"}, got2); diff != "" {
		t.Errorf("environment (-want +got):\n%s", diff)
	}
}

func TestAthenaPropsRefuseHalfATable(t *testing.T) {
	for _, p := range []AthenaProps{
		{Database: "security"},
		{},
		{TrailBucket: "b", OrganizationID: "123"},
		{TrailBucket: "b", TrailPrefix: "logs/"},
	} {
		if err := p.check(); err == nil {
			t.Errorf("%+v: no error", p)
		}
	}
}

// TestAthenaSynthesizesCleanlyInEveryPartition synthesizes a responder that creates the trail's
// table, workgroup and results bucket in a Region of each partition: cdk-nag reports no error,
// cfn-lint passes, and every ARN of the Athena grant is in the stack's partition.
func TestAthenaSynthesizesCleanlyInEveryPartition(t *testing.T) {
	if _, err := exec.LookPath("cfn-lint"); err != nil {
		t.Fatal("cfn-lint is required: pip install cfn-lint")
	}
	for _, tt := range []struct{ region, partition string }{
		{"us-east-1", "aws"}, {"cn-north-1", "aws-cn"}, {"us-gov-west-1", "aws-us-gov"},
	} {
		t.Run(tt.partition, func(t *testing.T) {
			key := "arn:" + tt.partition + ":kms:" + tt.region + ":999988887777:key/1234abcd-12ab-34cd-56ef-1234567890ab"
			p := Props{Emails: []string{"ops@example.com"}, Regions: []string{tt.region}, Athena: &AthenaProps{
				TrailBucket: "org-trail-999988887777", OrganizationID: "o-exampleorgid", TrailKeyARN: key,
				TrailStart: "2024/01/01"}}
			tpl, nag, path := synth(t, p, &awscdk.Environment{Account: jsii.String("111122223333"), Region: jsii.String(tt.region)})
			if len(nag) > 0 {
				t.Errorf("cdk-nag errors:\n%s", strings.Join(nag, "\n"))
			}
			body, _ := json.Marshal(tpl["Resources"])
			if tt.partition != "aws" && strings.Contains(string(body), `arn:aws:`) {
				i := strings.Index(string(body), "arn:aws:")
				t.Errorf("an aws-partition ARN in a %s template: …%s…", tt.partition, string(body)[max(0, i-80):min(len(body), i+80)])
			}
			for _, want := range []string{
				"arn:" + tt.partition + ":s3:::org-trail-999988887777/AWSLogs/o-exampleorgid/*",
				"arn:" + tt.partition + ":athena:" + tt.region + ":111122223333:workgroup/",
				"arn:" + tt.partition + ":glue:" + tt.region + ":111122223333:catalog",
				key,
			} {
				if !strings.Contains(string(body), want) {
					t.Errorf("template lacks %s", want)
				}
			}
			tables := resourcesOf(tpl, "AWS::Glue::Table")
			if n := len(tables) + len(resourcesOf(tpl, "AWS::Athena::WorkGroup")); n != 2 {
				t.Fatalf("tables and workgroups = %d, want 2", n)
			}
			// Unset, the projection holds the partition's Regions: a Region missing from it
			// would return no rows, read as no calls.
			projected := tables[0]["TableInput"].(map[string]any)["Parameters"].(map[string]any)["projection.region.values"].(string)
			for _, r := range contract.PartitionFor(tt.region).Regions() {
				if !slices.Contains(strings.Split(projected, ","), r) {
					t.Errorf("the table does not project %s", r)
				}
			}
			out, err := exec.CommandContext(t.Context(), "cfn-lint", "--ignore-checks", "W3005", "--", path).CombinedOutput()
			if err != nil {
				t.Errorf("cfn-lint %s: %v\n%s", tt.partition, err, out)
			}
		})
	}
}
