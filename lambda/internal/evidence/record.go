// Package evidence is step 1 of the runbook done by machine: which root access keys exist (the
// IAM credential report, the account summary) and how they are used (CloudTrail, every enabled
// Region in parallel at CloudTrail's rate limit), aggregated into per-key profiles.
//
// CloudTrail fields are written by whoever holds the key, so every string taken from a record is
// capped on the way in and carried as Text; nothing here escapes for a channel (renderers do).
// Aggregation happens record by record: raw records are never kept, so memory stays flat however
// many events there are. The package decides nothing about remediation (package advice does).
package evidence

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/iam4-responder/iam4-responder/lambda/internal/textcap"
)

// Text is a string that came from an untrusted source, already capped. Only a renderer may
// turn it into channel syntax.
type Text string

// Caps on untrusted strings (runes). Counts stay exact; only the strings are shortened.
const (
	capUserAgent = 256
	capShort     = 128
	capARN       = 512
)

// capText turns an untrusted string into Text of at most n runes, invalid UTF-8 replaced.
func capText(s string, n int) Text { return Text(textcap.Runes(s, n)) }

// Record is the part of a CloudTrail record the evidence uses (CloudTrail user guide, "CloudTrail
// record contents").
type Record struct {
	EventTime    time.Time `json:"eventTime"`
	EventSource  string    `json:"eventSource"`
	EventName    string    `json:"eventName"`
	AWSRegion    string    `json:"awsRegion"`
	SourceIP     string    `json:"sourceIPAddress"`
	UserAgent    string    `json:"userAgent"`
	ErrorCode    string    `json:"errorCode"`
	EventType    string    `json:"eventType"`
	ReadOnly     any       `json:"readOnly"`
	UserIdentity Identity  `json:"userIdentity"`
	// SessionCredentialFromConsole is "true" when the call used the console's session.
	SessionCredentialFromConsole string `json:"sessionCredentialFromConsole"`
	Resources                    []struct {
		ARN  string `json:"ARN"`
		Type string `json:"type"`
	} `json:"resources"`
}

// Identity is the record's userIdentity.
type Identity struct {
	Type           string          `json:"type"`
	AccountID      string          `json:"accountId"`
	AccessKeyID    string          `json:"accessKeyId"`
	InvokedBy      string          `json:"invokedBy"`
	SessionContext json.RawMessage `json:"sessionContext"`
}

// IsRoot reports whether the record is the root user's. LookupEvents' Username=root attribute
// also returns records whose user name merely reads "root"; only the identity type settles it.
func (r *Record) IsRoot() bool { return r.UserIdentity.Type == "Root" }

// hasSession reports whether the record carries a session context (temporary credentials).
func (r *Record) hasSession() bool {
	sc := strings.TrimSpace(string(r.UserIdentity.SessionContext))
	return sc != "" && sc != "null" && sc != "{}"
}

// Action is the IAM action a record names, "service:Action" from eventSource and eventName
// ("s3.amazonaws.com" + "PutObject" → "s3:PutObject").
func (r *Record) Action() string {
	service, _, _ := strings.Cut(r.EventSource, ".")
	if service == "" || r.EventName == "" {
		return ""
	}
	return service + ":" + r.EventName
}
