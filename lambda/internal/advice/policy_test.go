package advice

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/iam4-responder/iam4-responder/lambda/internal/evidence"
	"github.com/iam4-responder/iam4-responder/lambda/internal/evidence/awsip"
	"github.com/iam4-responder/iam4-responder/lambda/internal/iamref"
)

// Two prefixes copied from AWS's ip-ranges.json (createDate 2026-08-22-15-17-05).
const testRanges = `{"createDate":"2026-08-22-15-17-05","prefixes":[
	{"ip_prefix":"3.112.0.0/14","region":"ap-northeast-1","service":"EC2","network_border_group":"ap-northeast-1"},
	{"ip_prefix":"52.95.150.0/24","region":"eu-west-2","service":"S3","network_border_group":"eu-west-2"}]}`

const (
	ec2JobIP = "3.112.10.20" // inside AWS: EC2 in ap-northeast-1
	laptopIP = "203.0.113.9" // outside AWS (documentation range)
	officeIP = "198.51.100.7"
	cli      = "aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64.ubuntu.22 prompt/off command/ec2.terminate-instances"
	sdk      = "aws-sdk-go-v2/1.30.0 os/linux lang/go#1.22"
)

// call is one root access key call as CloudTrail records it (CloudTrail user guide, "CloudTrail
// record contents": the fields of the root key example; resources as data events list them).
type call struct {
	ip, agent, source, event, errorCode string
	arns                                []string
}

func (c call) record(t *testing.T, i int) *evidence.Record {
	t.Helper()
	var res []map[string]string
	for _, a := range c.arns {
		res = append(res, map[string]string{"ARN": a, "accountId": "111122223333"})
	}
	raw, err := json.Marshal(map[string]any{
		"eventVersion": "1.08",
		"userIdentity": map[string]string{"type": "Root", "principalId": "111122223333",
			"arn": "arn:aws:iam::111122223333:root", "accountId": "111122223333", "accessKeyId": "AKIAIOSFODNN7EXAMPLE"},
		"eventTime": fmt.Sprintf("2026-10-01T%02d:%02d:00Z", i/60%24, i%60), "eventSource": c.source + ".amazonaws.com",
		"eventName": c.event, "awsRegion": "ap-northeast-1", "sourceIPAddress": c.ip, "userAgent": c.agent,
		"errorCode": c.errorCode, "eventType": "AwsApiCall", "eventID": fmt.Sprintf("00000000-0000-0000-0000-%012d", i),
		"resources": res, "recipientAccountId": "111122223333",
	})
	if err != nil {
		t.Fatal(err)
	}
	var r evidence.Record
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatal(err)
	}
	return &r
}

// profiles runs the calls through the evidence aggregate, as the Lambda and the CLI do.
func profiles(t *testing.T, calls ...call) []evidence.KeyProfile {
	t.Helper()
	ranges, err := awsip.Parse(strings.NewReader(testRanges))
	if err != nil {
		t.Fatal(err)
	}
	u := evidence.NewUsage(ranges)
	for i, c := range calls {
		u.Add(c.record(t, i))
	}
	return u.Summary().Keys
}

func times(n int, c call) []call { return slices.Repeat([]call{c}, n) }

// doc is a draft policy decoded for comparison.
type doc struct {
	Version   string
	Statement []statement
}

// view is what a reviewer reads of one group: who, what it is allowed, and the notes' codes.
type view struct {
	Target, Name string
	Callers      []string
	Statements   []statement
	Notes        []string
}

func views(t *testing.T, d Drafts) []view {
	t.Helper()
	var out []view
	for _, g := range d.Groups {
		v := view{Target: g.Target, Name: g.Name}
		for _, c := range g.Callers {
			v.Callers = append(v.Callers, string(c.IP))
		}
		if g.Policy != nil {
			var p doc
			if err := json.Unmarshal(g.Policy, &p); err != nil {
				t.Fatalf("%s: %v\n%s", g.Name, err, g.Policy)
			}
			if p.Version != "2012-10-17" {
				t.Errorf("%s: Version %q", g.Name, p.Version)
			}
			v.Statements = p.Statement
		}
		for _, n := range g.Notes {
			v.Notes = append(v.Notes, n.Code+" "+n.Action)
		}
		out = append(out, v)
	}
	return out
}

func TestOnePolicyPerCallerGroup(t *testing.T) {
	object := "arn:aws:s3:::nightly-backups/db/2026-10-01.dump"
	bucket := "arn:aws:s3:::nightly-backups"
	tests := []struct {
		name  string
		calls []call
		want  []view
	}{
		{
			name: "an EC2 job writing to S3 and a person with the CLI get a role and a user; the role has no iam:CreateUser",
			calls: slices.Concat(
				times(20, call{ip: ec2JobIP, agent: sdk, source: "s3", event: "PutObject", arns: []string{object, bucket}}),
				times(3, call{ip: ec2JobIP, agent: sdk, source: "s3", event: "ListObjectsV2", arns: []string{bucket}}),
				times(2, call{ip: laptopIP, agent: cli, source: "ec2", event: "TerminateInstances"}),
				times(1, call{ip: laptopIP, agent: cli, source: "iam", event: "CreateUser"}),
				times(1, call{ip: laptopIP, agent: cli, source: "sts", event: "GetCallerIdentity"}),
			),
			want: []view{{
				Target: "role", Name: "iam4-root-key-role-1", Callers: []string{ec2JobIP},
				Statements: []statement{
					{Sid: "S3Scoped", Effect: "Allow", Action: []string{"s3:ListBucket"}, Resource: []string{bucket}},
					{Sid: "S3Scoped2", Effect: "Allow", Action: []string{"s3:PutObject"}, Resource: []string{object}},
				},
			}, {
				Target: "user", Name: "iam4-root-key-user-1", Callers: []string{laptopIP},
				Statements: []statement{
					{Sid: "Ec2", Effect: "Allow", Action: []string{"ec2:TerminateInstances"}, Resource: []string{"*"}},
					{Sid: "Iam", Effect: "Allow", Action: []string{"iam:CreateUser"}, Resource: []string{"*"}},
				},
				Notes: []string{"resource_star ec2:TerminateInstances", "resource_star iam:CreateUser"},
			}},
		},
		{
			name: "callers on the same side with the same actions share one replacement",
			calls: slices.Concat(
				times(2, call{ip: laptopIP, agent: cli, source: "ec2", event: "DescribeInstances"}),
				times(1, call{ip: officeIP, agent: cli, source: "ec2", event: "DescribeInstances"}),
			),
			want: []view{{
				Target: "user", Name: "iam4-root-key-user-1", Callers: []string{laptopIP, officeIP},
				Statements: []statement{{Sid: "Ec2", Effect: "Allow", Action: []string{"ec2:DescribeInstances"}, Resource: []string{"*"}}},
			}},
		},
		{
			name: "callers outside AWS with different actions get a user each",
			calls: slices.Concat(
				times(2, call{ip: laptopIP, agent: cli, source: "ec2", event: "DescribeInstances"}),
				times(1, call{ip: officeIP, agent: cli, source: "s3", event: "ListBuckets"}),
			),
			want: []view{{
				Target: "user", Name: "iam4-root-key-user-1", Callers: []string{laptopIP},
				Statements: []statement{{Sid: "Ec2", Effect: "Allow", Action: []string{"ec2:DescribeInstances"}, Resource: []string{"*"}}},
			}, {
				Target: "user", Name: "iam4-root-key-user-2", Callers: []string{officeIP},
				Statements: []statement{{Sid: "S3", Effect: "Allow", Action: []string{"s3:ListAllMyBuckets"}, Resource: []string{"*"}}},
			}},
		},
		{
			name: "renamed calls become real actions, unmappable and failed ones become notes",
			calls: slices.Concat(
				times(1, call{ip: laptopIP, agent: cli, source: "kms", event: "ReEncrypt",
					arns: []string{"arn:aws:kms:ap-northeast-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"}}),
				times(1, call{ip: laptopIP, agent: cli, source: "lambda", event: "UpdateFunctionCode20150331v2",
					arns: []string{"arn:aws:lambda:ap-northeast-1:111122223333:function:report"}}),
				times(1, call{ip: laptopIP, agent: cli, source: "s3", event: "CopyObject", arns: []string{object}}),
				times(1, call{ip: laptopIP, agent: cli, source: "apigateway", event: "GetRestApis"}),
				times(1, call{ip: laptopIP, agent: cli, source: "tagging", event: "GetResources"}),
				times(1, call{ip: laptopIP, agent: cli, source: "macie", event: "UpdateMacieSession"}),
				times(2, call{ip: laptopIP, agent: cli, source: "iam", event: "CreateUser", errorCode: "AccessDenied"}),
				times(1, call{ip: laptopIP, agent: cli, source: "sso", event: "CreateToken"}),
			),
			want: []view{{
				Target: "user", Name: "iam4-root-key-user-1", Callers: []string{laptopIP},
				Statements: []statement{
					{Sid: "Apigateway", Effect: "Allow", Action: []string{"apigateway:GET"}, Resource: []string{"*"}},
					{Sid: "KmsScoped", Effect: "Allow", Action: []string{"kms:ReEncryptFrom", "kms:ReEncryptTo"},
						Resource: []string{"arn:aws:kms:ap-northeast-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"}},
					{Sid: "LambdaScoped", Effect: "Allow", Action: []string{"lambda:UpdateFunctionCode"},
						Resource: []string{"arn:aws:lambda:ap-northeast-1:111122223333:function:report"}},
					{Sid: "S3Scoped", Effect: "Allow", Action: []string{"s3:PutObject"}, Resource: []string{object}},
					{Sid: "Tag", Effect: "Allow", Action: []string{"tag:GetResources"}, Resource: []string{"*"}},
				},
				Notes: []string{"all_failed iam:CreateUser", "also_needs s3:PutObject", "resource_star apigateway:GET", "unmapped macie:UpdateMacieSession"},
			}},
		},
		{
			name:  "a caller whose every call failed gets a group without a policy",
			calls: times(2, call{ip: laptopIP, agent: cli, source: "iam", event: "CreateUser", errorCode: "AccessDenied"}),
			want: []view{{
				Target: "user", Name: "iam4-root-key-user-1", Callers: []string{laptopIP},
				Notes: []string{"all_failed iam:CreateUser", "no_actions "},
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Policies(profiles(t, tt.calls...))
			if diff := cmp.Diff(tt.want, views(t, d)); diff != "" {
				t.Errorf("drafts (-want +got):\n%s", diff)
			}
		})
	}
}

func TestGroupsPerSideAreCapped(t *testing.T) {
	var calls []call
	events := []string{"DescribeInstances", "DescribeVolumes", "DescribeImages", "DescribeSnapshots", "DescribeVpcs", "DescribeSubnets", "DescribeRegions"}
	for i, e := range events {
		calls = append(calls, times(len(events)-i, call{ip: fmt.Sprintf("3.112.0.%d", i+1), agent: sdk, source: "ec2", event: e})...)
	}
	d := Policies(profiles(t, calls...))
	if len(d.Groups) != maxGroupsPerSide {
		t.Fatalf("%d groups, want %d", len(d.Groups), maxGroupsPerSide)
	}
	last := d.Groups[maxGroupsPerSide-1]
	if len(last.Callers) != 3 || len(last.Notes) != 1 || last.Notes[0].Code != NoteMerged {
		t.Errorf("last group: %d callers, notes %+v", len(last.Callers), last.Notes)
	}
}

// TestNoDraftHoldsAnActionIAMLacks sends every (eventSource, eventName) pair collected from
// public CloudTrail records through the whole path (records → evidence → drafts), alternately
// from a caller on EC2 and one outside AWS: every action of every draft is in the reference, the
// role holds only actions of the inside caller's calls and the user only the outside caller's,
// and each call without an action is a note of its caller's group.
func TestNoDraftHoldsAnActionIAMLacks(t *testing.T) {
	ref, err := iamref.Default()
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join("..", "iamref", "testdata", "cloudtrail-pairs.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var calls []call
	allowed := map[string]map[string]bool{"role": {}, "user": {}}
	unmapped := map[string]map[string]bool{"role": {}, "user": {}}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Split(sc.Text(), "\t")
		if strings.HasPrefix(sc.Text(), "#") || len(fields) != 3 {
			continue
		}
		source := strings.TrimSuffix(fields[0], ".amazonaws.com")
		target, ip, agent := "role", ec2JobIP, sdk
		if len(calls)%2 == 1 {
			target, ip, agent = "user", laptopIP, cli
		}
		calls = append(calls, call{ip: ip, agent: agent, source: source, event: fields[1]})
		m := ref.Map(source, fields[1])
		for _, a := range m.Actions {
			allowed[target][a] = true
		}
		if m.Outcome == iamref.Unmapped {
			unmapped[target][source+":"+fields[1]] = true
		}
	}
	if len(calls) < 400 {
		t.Fatalf("only %d pairs", len(calls))
	}
	d := Policies(profiles(t, calls...))
	if len(d.Groups) != 2 {
		t.Fatalf("%d groups, want a role and a user", len(d.Groups))
	}
	total := 0
	for _, g := range d.Groups {
		var p doc
		if err := json.Unmarshal(g.Policy, &p); err != nil {
			t.Fatalf("%s: %v", g.Name, err)
		}
		for _, st := range p.Statement {
			for _, a := range st.Action {
				total++
				if got, ok := ref.Lookup(a); !ok || got.Name != a {
					t.Errorf("%s holds %s, which is not an IAM action", g.Name, a)
				}
				if !allowed[g.Target][a] {
					t.Errorf("%s holds %s, which none of its callers' calls needs", g.Name, a)
				}
			}
		}
		notes := map[string]bool{}
		for _, n := range g.Notes {
			if n.Code == NoteUnmapped {
				notes[n.Action] = true
			}
		}
		if diff := cmp.Diff(unmapped[g.Target], notes); diff != "" {
			t.Errorf("%s: unmapped calls vs notes (-want +got):\n%s", g.Name, diff)
		}
	}
	t.Logf("%d calls, %d actions in %d drafts, none missing from %s", len(calls), total, len(d.Groups), ref.About())
}

// TestDraftsJSON keeps the JSON contract of the drafts (docs/policies.md) in a golden file: the
// issue's two callers, an EC2 job writing to S3 and a person with the CLI.
func TestDraftsJSON(t *testing.T) {
	object := "arn:aws:s3:::nightly-backups/db/2026-10-01.dump"
	d := Policies(profiles(t, slices.Concat(
		times(20, call{ip: ec2JobIP, agent: sdk, source: "s3", event: "PutObject", arns: []string{object, "arn:aws:s3:::nightly-backups"}}),
		times(1, call{ip: ec2JobIP, agent: sdk, source: "s3", event: "CopyObject", arns: []string{object}}),
		times(2, call{ip: laptopIP, agent: cli, source: "ec2", event: "TerminateInstances"}),
		times(1, call{ip: laptopIP, agent: cli, source: "iam", event: "CreateUser"}),
		times(1, call{ip: laptopIP, agent: cli, source: "macie", event: "UpdateMacieSession"}),
	)...))
	got, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", "policies.json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update once)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("policies.json (-want +got):\n%s", diff)
	}
}
