package responder

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/iam4-responder/iam4-responder/infra/eventpattern"
	"github.com/iam4-responder/iam4-responder/internal/samples"
	"github.com/iam4-responder/iam4-responder/lambda/contract"
)

// sampleJSON reads one of the project's samples (internal/samples) as JSON.
func sampleJSON(t *testing.T, name string) map[string]any {
	t.Helper()
	b, err := samples.File(name)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return v
}

// enveloped puts a bare CloudTrail record in the envelope EventBridge delivers it in.
func enveloped(t *testing.T, name string) map[string]any {
	t.Helper()
	rec := sampleJSON(t, name)
	detailType := contract.DetailTypeAPICall
	if rec["eventType"] == "AwsConsoleSignIn" {
		detailType = "AWS Console Sign In via CloudTrail"
	}
	return map[string]any{
		"version": "0", "id": "00000000-0000-4000-8000-000000000000", "detail-type": detailType,
		"source":  "aws." + strings.TrimSuffix(rec["eventSource"].(string), ".amazonaws.com"),
		"account": rec["recipientAccountId"], "time": rec["eventTime"], "region": rec["awsRegion"],
		"resources": []any{}, "detail": rec,
	}
}

// detailEdit changes an event's CloudTrail record: path is dotted under detail; a nil value
// deletes the field.
func detailEdit(path string, value any) func(map[string]any) {
	return func(ev map[string]any) {
		m := ev["detail"].(map[string]any)
		keys := strings.Split(path, ".")
		for _, k := range keys[:len(keys)-1] {
			next, ok := m[k].(map[string]any)
			if !ok {
				next = map[string]any{}
				m[k] = next
			}
			m = next
		}
		if value == nil {
			delete(m, keys[len(keys)-1])
		} else {
			m[keys[len(keys)-1]] = value
		}
	}
}

func edited(ev map[string]any, edits ...func(map[string]any)) map[string]any {
	for _, e := range edits {
		e(ev)
	}
	return ev
}

// TestSignalRulesSelectExactlyTheRootKeyEvents runs real and forged CloudTrail events through
// EventBridge's matching semantics: each root key event invokes the function through exactly one
// rule, and nothing else does.
func TestSignalRulesSelectExactlyTheRootKeyEvents(t *testing.T) {
	signal := func(name string) func(t *testing.T) map[string]any {
		return func(t *testing.T) map[string]any { return sampleJSON(t, name) }
	}
	record := func(name string) func(t *testing.T) map[string]any {
		return func(t *testing.T) map[string]any { return enveloped(t, name) }
	}
	forged := func(base func(*testing.T) map[string]any, edits ...func(map[string]any)) func(t *testing.T) map[string]any {
		return func(t *testing.T) map[string]any { return edited(base(t), edits...) }
	}
	const change, use = "RootKeyChangeRule", "RootKeyUseRule"
	tests := []struct {
		name  string
		event func(t *testing.T) map[string]any
		want  string // the one rule that matches; "" for none
	}{
		{"the root creates its own key from the console", signal("root-createaccesskey.json"), change},
		{"the root deactivates its key", signal("root-updateaccesskey-inactive-ADAPTED.json"), change},
		{"the root reactivates its key", signal("root-updateaccesskey-active-ADAPTED.json"), change},
		{"the root deletes its key", signal("root-deleteaccesskey-ADAPTED.json"), change},
		{"a call made with a root access key", signal("root-key-call-ADAPTED.json"), use},
		{"the root creates a key for an IAM user", signal("root-createaccesskey-for-user.json"), ""},
		{"a denied UpdateAccessKey moves nothing", signal("root-updateaccesskey-denied-ADAPTED.json"), ""},
		{"an IAM user's long-term key is not the root's", record("cloudtrail-iamuser-longterm-key-apicall.json"), ""},
		{"the root signing in to the console", record("cloudtrail-root-console-signin-mfa.json"), ""},
		{"a read-only call with a root key still counts", forged(signal("root-key-call-ADAPTED.json"),
			detailEdit("eventSource", "s3.amazonaws.com"), detailEdit("eventName", "ListBuckets"), detailEdit("readOnly", true)), use},
		{"a root key call in another Region's service", forged(signal("root-key-call-ADAPTED.json"),
			detailEdit("eventSource", "ec2.amazonaws.com"), detailEdit("eventName", "DescribeInstances"), detailEdit("awsRegion", "eu-west-1")), use},
		{"a key created with a root access key is one change, not also a use", forged(signal("root-createaccesskey.json"),
			detailEdit("userIdentity.accessKeyId", "AKIAIOSFODNN7EXAMPLE"), detailEdit("userIdentity.invokedBy", nil),
			detailEdit("userIdentity.sessionContext", nil)), change},
		{"a failed call with a root key", forged(signal("root-key-call-ADAPTED.json"), detailEdit("errorCode", "AccessDenied")), ""},
		{"a root console session's call (ASIA) is not key use", forged(signal("root-key-call-ADAPTED.json"),
			detailEdit("userIdentity.accessKeyId", "ASIAIOSFODNN7EXAMPLE")), ""},
		{"a call an AWS service made for the root", forged(signal("root-key-call-ADAPTED.json"),
			detailEdit("userIdentity.invokedBy", "cloudformation.amazonaws.com")), ""},
		{"a role session creating a key", forged(signal("root-createaccesskey.json"),
			detailEdit("userIdentity.type", "AssumedRole"), detailEdit("userIdentity.accessKeyId", "ASIAIOSFODNN7EXAMPLE"),
			detailEdit("userIdentity.arn", "arn:aws:sts::123456789012:assumed-role/Admin/session")), ""},
		{"an IAM user creating a key", forged(record("cloudtrail-iamuser-longterm-key-apicall.json"),
			detailEdit("eventSource", "iam.amazonaws.com"), detailEdit("eventName", "CreateAccessKey")), ""},
		{"the same record from another source", forged(signal("root-createaccesskey.json"), func(ev map[string]any) {
			ev["source"] = "aws.securityhub"
		}), ""},
		{"the same record with another detail-type", forged(signal("root-key-call-ADAPTED.json"), func(ev map[string]any) {
			ev["detail-type"] = "Security Hub Findings - Imported"
		}), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw, err := json.Marshal(tt.event(t))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range SignalRules() {
				ok, err := eventpattern.Match(r.JSON(), raw)
				if err != nil {
					t.Fatalf("%s: %v", r.ID, err)
				}
				if ok {
					got = append(got, r.ID)
				}
			}
			var want []string
			if tt.want != "" {
				want = []string{tt.want}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("matching rules (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSignalRulesAreDeployedAsWritten: the stack's rules carry exactly SignalRules' patterns, the
// use rule also takes read-only management events, and both invoke the function.
func TestSignalRulesAreDeployedAsWritten(t *testing.T) {
	type deployed struct {
		Pattern map[string]any
		State   any
	}
	got := map[string]deployed{}
	for _, rule := range resources(t, "AWS::Events::Rule") {
		p, _ := rule["EventPattern"].(map[string]any)
		if dt, _ := p["detail-type"].([]any); len(dt) == 0 || dt[0] != contract.DetailTypeAPICall {
			continue
		}
		targets := rule["Targets"].([]any)
		if len(targets) != 1 || !strings.Contains(mustJSON(t, targets[0]), "FunctionArn") && !strings.Contains(mustJSON(t, targets[0]), "Function") {
			t.Errorf("%s: targets %s, want the function", rule["Description"], mustJSON(t, targets))
		}
		got[rule["Description"].(string)] = deployed{p, rule["State"]}
	}
	want := map[string]deployed{}
	for _, r := range SignalRules() {
		var p map[string]any
		_ = json.Unmarshal(r.JSON(), &p)
		state := any("ENABLED")
		if r.ReadOnly {
			state = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
		}
		want[r.Description] = deployed{p, state}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("signal rules (-want +got):\n%s", diff)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
