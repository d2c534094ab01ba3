package evidence

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// getSessionToken is the root key's GetSessionToken record: the STS API reference's response
// shape (credentials.accessKeyId of the new session) in a CloudTrail record.
func getSessionToken(key, session string, at time.Time) *Record {
	r := keyCall(key, "203.0.113.9", "aws-cli/2.15.0 Python/3.11", "sts:GetSessionToken", at)
	r.EventID = "gst-" + session
	r.ResponseElements = json.RawMessage(`{"credentials": {"accessKeyId": "` + session + `",
		"sessionToken": "redacted", "expiration": "Oct 2, 2026, 1:00:00 AM"}}`)
	return r
}

func sessionCall(session, ip, agent, action string, at time.Time) *Record {
	r := keyCall(session, ip, agent, action, at)
	r.EventID = "call-" + session + "-" + at.Format(time.RFC3339)
	r.UserIdentity.SessionContext = json.RawMessage(`{"attributes": {"creationDate": "2026-10-01T00:00:00Z", "mfaAuthenticated": "false"}}`)
	return r
}

func TestSessionsOfTheRootKeyCountTowardTheKey(t *testing.T) {
	t0 := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	const key, session, stranger = "AKIAIOSFODNN7EXAMPLE", "ASIAIOSFODNN7SESSION", "ASIAIOSFODNN7UNKNOWN"
	u := NewUsage(testRanges(t))
	// Newest first, as LookupEvents returns them: the session's calls before its GetSessionToken.
	u.Add(sessionCall(session, "54.250.10.11", "Boto3/1.34.0 md/Botocore#1.34.0", "ec2:TerminateInstances", t0.Add(2*time.Hour)))
	u.Add(sessionCall(session, "54.250.10.11", "Boto3/1.34.0 md/Botocore#1.34.0", "iam:CreateUser", t0.Add(time.Hour)))
	u.Add(sessionCall(stranger, "198.51.100.1", "aws-cli/2.15.0", "s3:ListBuckets", t0.Add(time.Hour)))
	u.Add(getSessionToken(key, session, t0))
	s := u.Summary()
	if s.SessionCalls != 3 || s.SessionCallsAttributed != 2 || s.AccessKeyCalls != 1 {
		t.Errorf("session calls %d (attributed %d), access-key calls %d; want 3 (2), 1",
			s.SessionCalls, s.SessionCallsAttributed, s.AccessKeyCalls)
	}
	if len(s.Keys) != 1 {
		t.Fatalf("keys = %+v", s.Keys)
	}
	k := s.Keys[0]
	got := struct {
		Calls, SessionCalls, Sessions int
		First, Last                   time.Time
		IPs                           []IPCount
		Tools                         []Count
		Actions                       []string
		Inside, Outside               int
	}{k.Calls, k.SessionCalls, k.Sessions, k.FirstUse, k.LastUse, k.SourceIPs, k.Tools, nil, k.InsideCalls, k.OutsideCalls}
	for _, a := range k.Actions {
		got.Actions = append(got.Actions, a.Action)
	}
	want := struct {
		Calls, SessionCalls, Sessions int
		First, Last                   time.Time
		IPs                           []IPCount
		Tools                         []Count
		Actions                       []string
		Inside, Outside               int
	}{3, 2, 1, t0, t0.Add(2 * time.Hour),
		[]IPCount{
			{IP: "54.250.10.11", Calls: 2, InsideAWS: true, AWSRegion: "ap-northeast-1", AWSService: "EC2", IPRanges: "2026-11-01-00-00-00",
				// the session's calls are the key's caller's, hour by hour
				Activity: &Activity{FirstDay: "2026-10-01", PerDay: []int{2}, Hours: hours(map[int]int{1: 1, 2: 1})}},
			{IP: "203.0.113.9", Calls: 1, IPRanges: "2026-11-01-00-00-00",
				Activity: &Activity{FirstDay: "2026-10-01", PerDay: []int{1}, Hours: hours(map[int]int{0: 1})}},
		},
		[]Count{{"boto3 (Python)", 2}, {"AWS CLI", 1}},
		[]string{"ec2:TerminateInstances", "iam:CreateUser", "sts:GetSessionToken"},
		2, 1}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("key profile (-want +got):\n%s", diff)
	}
}

func TestSessionKeyID(t *testing.T) {
	t0 := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	failed := getSessionToken("AKIAIOSFODNN7EXAMPLE", "ASIAIOSFODNN7SESSION", t0)
	failed.ErrorCode = "AccessDenied"
	other := getSessionToken("AKIAIOSFODNN7EXAMPLE", "ASIAIOSFODNN7SESSION", t0)
	other.EventName = "GetCallerIdentity"
	for name, tt := range map[string]struct {
		r    *Record
		want string
	}{
		"GetSessionToken names its session":     {getSessionToken("AKIAIOSFODNN7EXAMPLE", "ASIAIOSFODNN7SESSION", t0), "ASIAIOSFODNN7SESSION"},
		"a failed GetSessionToken created none": {failed, ""},
		"another call's response is not read":   {other, ""},
	} {
		if got := tt.r.SessionKeyID(); got != tt.want {
			t.Errorf("%s: SessionKeyID = %q, want %q", name, got, tt.want)
		}
	}
}
