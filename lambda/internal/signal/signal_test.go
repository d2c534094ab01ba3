package signal

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iam4-responder/iam4-responder/internal/samples"
	"github.com/iam4-responder/iam4-responder/lambda/internal/followup"
)

func load(t *testing.T, name string) []byte {
	t.Helper()
	b, err := samples.File(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseRealTimeEvents(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2019, 1, d, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		file    string
		want    Signal
		wantErr error
	}{
		{"root-createaccesskey.json", Signal{Kind: KeyCreated, Account: "123456789012", Region: "us-east-1",
			At: day(1), EventID: "1111", KeyID: "1111", Created: day(1), SourceIP: "111.111.111.111",
			UserAgent: "signin.amazonaws.com", Action: "iam:CreateAccessKey"}, nil},
		{"root-updateaccesskey-inactive-ADAPTED.json", Signal{Kind: KeyDeactivated, Account: "123456789012",
			Region: "us-east-1", At: day(2), EventID: "2222", KeyID: "1111", SourceIP: "111.111.111.111",
			UserAgent: "signin.amazonaws.com", Action: "iam:UpdateAccessKey"}, nil},
		{"root-updateaccesskey-active-ADAPTED.json", Signal{Kind: KeyActivated, Account: "123456789012",
			Region: "us-east-1", At: day(3), EventID: "3333", KeyID: "1111", SourceIP: "111.111.111.111",
			UserAgent: "signin.amazonaws.com", Action: "iam:UpdateAccessKey"}, nil},
		{"root-deleteaccesskey-ADAPTED.json", Signal{Kind: KeyDeleted, Account: "123456789012",
			Region: "us-east-1", At: day(4), EventID: "4444", KeyID: "1111", SourceIP: "111.111.111.111",
			UserAgent: "signin.amazonaws.com", Action: "iam:DeleteAccessKey"}, nil},
		{"root-key-call-ADAPTED.json", Signal{Kind: KeyUsed, Account: "111122223333", Region: "us-east-1",
			At: time.Date(2022, 11, 10, 16, 24, 34, 0, time.UTC), EventID: "EXAMPLEb-7dae-48cb-895f-20e86EXAMPLE",
			KeyID: "AKIAIOSFODNN7EXAMPLE", SourceIP: "192.0.2.0",
			UserAgent: "aws-cli/1.11.10 Python/2.7.8 Linux/3.2.45-0.6.wd.865.49.315.metal1.x86_64 botocore/1.4.67",
			Action:    "iam:EnableMFADevice"}, nil},
		{"root-createaccesskey-for-user.json", Signal{}, ErrNotRootKey},
		{"root-updateaccesskey-denied-ADAPTED.json", Signal{}, ErrNotRootKey},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := Parse(load(t, tt.file))
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseRejectsWhatIsNotACloudTrailCall(t *testing.T) {
	tests := []struct{ name, raw, want string }{
		{"a Security Hub finding", `{"detail-type":"Security Hub Findings - Imported","detail":{}}`, "detail-type"},
		{"a bad time", `{"detail-type":"AWS API Call via CloudTrail","detail":{"eventTime":"yesterday","userIdentity":{"type":"Root"}}}`, "eventTime"},
		{"an account that is not one", `{"detail-type":"AWS API Call via CloudTrail","account":"1; drop","detail":{"eventTime":"2019-01-01T00:00:00Z","userIdentity":{"type":"Root","accessKeyId":"AKIAX"}}}`, "account"},
		{"an update without a status", `{"detail-type":"AWS API Call via CloudTrail","detail":{"eventTime":"2019-01-01T00:00:00Z","recipientAccountId":"123456789012","eventSource":"iam.amazonaws.com","eventName":"UpdateAccessKey","requestParameters":{"accessKeyId":"AKIAX"},"userIdentity":{"type":"Root"}}}`, "status"},
		{"not JSON", `{`, "real-time event"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.raw))
			if err == nil || errors.Is(err, ErrNotRootKey) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one naming %q", err, tt.want)
			}
		})
	}
}

func TestHostileFieldsAreCappedAndTheKeyIsNeverMarshalled(t *testing.T) {
	raw := strings.Replace(string(load(t, "root-key-call-ADAPTED.json")), `"192.0.2.0"`, `"`+strings.Repeat("é", 5000)+`"`, 1)
	s, err := Parse([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.SourceIP) > maxField {
		t.Errorf("source address of %d bytes kept", len(s.SourceIP))
	}
	if !strings.HasSuffix(s.SourceIP, "é") {
		t.Errorf("cut inside a character: %q", s.SourceIP[len(s.SourceIP)-4:])
	}
	b, _ := json.Marshal(s)
	if strings.Contains(string(b), "AKIAIOSFODNN7EXAMPLE") {
		t.Errorf("the key id is marshalled: %s", b)
	}
}

func TestSignalsWalkTheCase(t *testing.T) {
	// The real-time events of one key's life, in order, move the case as the runbook says.
	c := followup.Start(time.Date(2018, 12, 31, 0, 0, 0, 0, time.UTC), nil)
	var got []followup.State
	for _, f := range []string{"root-createaccesskey.json", "root-updateaccesskey-inactive-ADAPTED.json",
		"root-updateaccesskey-active-ADAPTED.json"} {
		s, err := Parse(load(t, f))
		if err != nil {
			t.Fatal(err)
		}
		var ts []followup.Transition
		c, ts = followup.Step(c, s.Observation(), followup.Settings{})
		for _, tr := range ts {
			got = append(got, tr.To)
		}
	}
	want := []followup.State{followup.NewKey, followup.Deactivated, followup.UsedAgain}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestThrottleIsOnePerCallerAndHour(t *testing.T) {
	s, err := Parse(load(t, "root-key-call-ADAPTED.json"))
	if err != nil {
		t.Fatal(err)
	}
	later := s
	later.At = s.At.Add(20 * time.Minute)
	next := s
	next.At = s.At.Add(time.Hour)
	other := s
	other.SourceIP = "198.51.100.7"
	if s.Throttle() != later.Throttle() {
		t.Error("two calls in one hour from one caller have different slots")
	}
	if s.Throttle() == next.Throttle() || s.Throttle() == other.Throttle() {
		t.Error("another hour or another caller shares the slot")
	}
}
