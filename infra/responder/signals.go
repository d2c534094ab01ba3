package responder

// The real-time signals (issue 18, docs/followup.md): CloudTrail management events that
// EventBridge passes on as "AWS API Call via CloudTrail", narrowed to what package signal keeps,
// so that the function is invoked for root access-key events only.
//
// Facts these rules rest on (EventBridge user guide, "AWS service events delivered via AWS
// CloudTrail" and "Receiving read-only management events from AWS services"; the rule State enum
// of botocore's events model):
//   - CloudTrail delivers an API call to the default event bus of the account and Region where it
//     is recorded, best effort, and only when a trail with logging enabled records it. IAM is a global service recorded in its partition's IAM Region
//     (us-east-1, cn-north-1, us-gov-west-1): a rule anywhere else never sees CreateAccessKey.
//   - A rule in state ENABLED does not match read-only management events (Get…, List…,
//     Describe…); only ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS does. A root key used for
//     s3:ListBuckets or sts:GetCallerIdentity is still a use, so the use rule takes every event.
//   - A call made in another Region reaches that Region's bus only: the forwarding rules
//     (ForwardSignals) carry events from the IAM Region and from member accounts to the
//     responder's bus.

import (
	"encoding/json"
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/jsii-runtime-go"

	"github.com/iam4-responder/iam4-responder/lambda/contract"
)

// allManagementEvents is the rule state that also matches read-only management events.
const allManagementEvents = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"

// keyCalls are the IAM calls that change a root access key (package signal reads the same three).
var keyCalls = []string{"CreateAccessKey", "UpdateAccessKey", "DeleteAccessKey"}

// SignalRule is one real-time rule: its pattern as a plain JSON object (for CloudFormation
// templates written by hand, such as the member accounts' StackSet) and whether it needs the
// read-only management events.
type SignalRule struct {
	ID          string
	Description string
	Pattern     map[string]any
	ReadOnly    bool
}

// EventPattern is the rule's pattern for a CDK rule.
func (s SignalRule) EventPattern() *awsevents.EventPattern {
	p := &awsevents.EventPattern{DetailType: jsii.Strings(contract.DetailTypeAPICall)}
	if src, ok := s.Pattern["source"].([]any); ok {
		var sources []string
		for _, v := range src {
			sources = append(sources, v.(string))
		}
		p.Source = jsii.Strings(sources...)
	}
	detail := s.Pattern["detail"].(map[string]any)
	p.Detail = &detail
	return p
}

// JSON is the rule's pattern as EventBridge takes it.
func (s SignalRule) JSON() []byte {
	b, err := json.Marshal(s.Pattern)
	if err != nil {
		panic(fmt.Sprintf("signal pattern %s: %v", s.ID, err)) // plain maps of strings only
	}
	return b
}

// SignalRules returns the real-time rules. They never overlap, so one event invokes the function
// once: the use rule leaves out the three key calls, which the change rule takes whatever
// credential made them.
func SignalRules() []SignalRule {
	root := map[string]any{"type": []any{"Root"}}
	succeeded := []any{map[string]any{"exists": false}}
	change := map[string]any{
		"eventSource":  []any{"iam.amazonaws.com"},
		"eventName":    toAny(keyCalls),
		"userIdentity": root,
		"errorCode":    succeeded,
		// A userName names an IAM user's key: the root acting on someone else's key.
		"requestParameters": map[string]any{"userName": []any{map[string]any{"exists": false}}},
	}
	use := map[string]any{
		"userIdentity": map[string]any{
			"type": []any{"Root"},
			// A long-term key (AKIA…), not a console or GetSessionToken session (ASIA…), and
			// not a call an AWS service made on the root's behalf.
			"accessKeyId": []any{map[string]any{"prefix": "AKIA"}},
			"invokedBy":   []any{map[string]any{"exists": false}},
		},
		"errorCode": succeeded,
		"$or": []any{
			map[string]any{"eventSource": []any{map[string]any{"anything-but": "iam.amazonaws.com"}}},
			map[string]any{"eventName": []any{map[string]any{"anything-but": toAny(keyCalls)}}},
		},
	}
	return []SignalRule{
		{"RootKeyChangeRule", "iam4-responder: the root user creates, deactivates, reactivates or deletes its own access key",
			map[string]any{"source": []any{"aws.iam"}, "detail-type": []any{contract.DetailTypeAPICall}, "detail": change}, false},
		{"RootKeyUseRule", "iam4-responder: a successful call made with a root access key, read-only ones included",
			map[string]any{"detail-type": []any{contract.DetailTypeAPICall}, "detail": use}, true},
	}
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// iamRegions is where IAM's CloudTrail events are recorded and delivered, per partition: the
// credential scope of IAM's global endpoint (botocore data/endpoints.json, service "iam"; a
// test compares).
var iamRegions = map[string]string{"aws": "us-east-1", "aws-cn": "cn-north-1", "aws-us-gov": "us-gov-west-1"}

// IAMRegion returns the Region whose default event bus receives IAM's events in partition, or ""
// for a partition this project does not deploy to.
func IAMRegion(partition string) string { return iamRegions[partition] }
