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
	"errors"
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
//
// Decoding a record never fails on a well-formed JSON object: a record whose fields cannot be
// read (an eventTime that is not a time, a string where an object belongs) decodes to a Record
// whose Unreadable says why, so that one bad record is skipped and counted instead of aborting a
// whole log or a whole Region, and never silently.
type Record struct {
	EventTime    time.Time `json:"eventTime"`
	EventID      string    `json:"eventID"`
	EventSource  string    `json:"eventSource"`
	EventName    string    `json:"eventName"`
	AWSRegion    string    `json:"awsRegion"`
	SourceIP     string    `json:"sourceIPAddress"`
	UserAgent    string    `json:"userAgent"`
	ErrorCode    string    `json:"errorCode"`
	EventType    string    `json:"eventType"`
	ReadOnly     any       `json:"readOnly"`
	UserIdentity Identity  `json:"userIdentity"`
	// SessionCredentialFromConsole is "true" when the call used the console's session. Kept as
	// raw JSON: it is documented as a string, and a boolean must not make a record unreadable.
	SessionCredentialFromConsole json.RawMessage `json:"sessionCredentialFromConsole"`
	// ResponseElements is read only for the root's GetSessionToken, whose response names the
	// session's access key id; other events' responses have every shape.
	ResponseElements json.RawMessage `json:"responseElements"`
	Resources        []struct {
		ARN  string `json:"ARN"`
		Type string `json:"type"`
	} `json:"resources"`

	// Unreadable, when not empty, says why the record could not be read; its other fields are
	// then empty. The reason is the package's own words, never text from the record.
	Unreadable string `json:"-"`
}

// UnmarshalJSON decodes a record; see Record for why it does not fail on a bad field.
func (r *Record) UnmarshalJSON(b []byte) error {
	type plain Record
	var p struct {
		plain
		// Read apart: exports write the time in more than one form (eventTimes).
		EventTime json.RawMessage `json:"eventTime"`
	}
	if err := json.Unmarshal(b, &p); err != nil {
		*r = Record{Unreadable: unreadable(err)}
		return nil
	}
	*r = Record(p.plain)
	t, reason := eventTime(p.EventTime)
	if reason != "" {
		*r = Record{Unreadable: reason}
		return nil
	}
	r.EventTime = t
	return nil
}

// eventTimes are the forms eventTime takes: CloudTrail writes RFC 3339 in UTC ("…Z"); Athena and
// log platforms that re-export records write "2006-01-02 15:04:05[.fraction]", in UTC.
var eventTimes = []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999"}

func eventTime(raw json.RawMessage) (time.Time, string) {
	if len(raw) == 0 || string(raw) == "null" {
		return time.Time{}, "eventTime is missing"
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return time.Time{}, "eventTime is not an RFC 3339 time"
	}
	for _, layout := range eventTimes {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), ""
		}
	}
	return time.Time{}, "eventTime is not an RFC 3339 time"
}

// unreadable turns a decoding error into a reason that can be counted: the same fault in many
// records gives the same words.
func unreadable(err error) string {
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &typeErr) && typeErr.Field == "":
		return "not a record: a JSON " + typeErr.Value + " where an object belongs"
	case errors.As(err, &typeErr):
		return strings.TrimPrefix(typeErr.Field, "plain.") + " has the wrong type: a JSON " + typeErr.Value
	default:
		return "not a readable record"
	}
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

// fromConsole reports whether sessionCredentialFromConsole is true, as the documented string or
// as a boolean.
func (r *Record) fromConsole() bool {
	v := strings.Trim(strings.TrimSpace(string(r.SessionCredentialFromConsole)), `"`)
	return strings.EqualFold(v, "true")
}

// SessionKeyID is the access key id of the session a successful GetSessionToken created (its
// responseElements.credentials.accessKeyId, STS API reference), or "".
func (r *Record) SessionKeyID() string {
	if r.EventSource != "sts.amazonaws.com" || r.EventName != "GetSessionToken" || r.ErrorCode != "" ||
		len(r.ResponseElements) == 0 {
		return ""
	}
	var resp struct {
		Credentials struct {
			AccessKeyID string `json:"accessKeyId"`
		} `json:"credentials"`
	}
	if json.Unmarshal(r.ResponseElements, &resp) != nil {
		return ""
	}
	if id := resp.Credentials.AccessKeyID; strings.HasPrefix(id, "ASIA") {
		return id
	}
	return ""
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
