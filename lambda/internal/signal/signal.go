// Package signal reads the real-time root-key events that EventBridge passes on from CloudTrail
// ("AWS API Call via CloudTrail"): the root user creating, deactivating, reactivating or deleting
// its own access key, and any successful call made with a root access key. They move a case
// before Security Hub's next periodic IAM.4 check.
//
// Every field is written by whoever holds the key: Parse keeps only what the follow-up needs,
// capped, and never returns the key id where it could be printed (Signal.KeyID has no JSON name).
package signal

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/iam4-responder/iam4-responder/lambda/contract"
	"github.com/iam4-responder/iam4-responder/lambda/internal/followup"
)

// DetailType is the detail-type EventBridge gives CloudTrail management events.
const DetailType = contract.DetailTypeAPICall

// Kind is what a signal says happened.
type Kind string

// Kinds of signal.
const (
	KeyCreated     Kind = "key_created"
	KeyDeactivated Kind = "key_deactivated"
	KeyActivated   Kind = "key_activated"
	KeyDeleted     Kind = "key_deleted"
	KeyUsed        Kind = "key_used" // a successful call made with a root access key
)

// Signal is one real-time root-key event.
type Signal struct {
	Kind      Kind      `json:"kind"`
	Account   string    `json:"account"`
	Region    string    `json:"region"`
	At        time.Time `json:"at"`
	EventID   string    `json:"event_id"`
	KeyID     string    `json:"-"` // the key the event names or used; never printed whole
	Created   time.Time `json:"created,omitzero"`
	SourceIP  string    `json:"source_ip,omitempty"`
	UserAgent string    `json:"user_agent,omitempty"`
	Action    string    `json:"action,omitempty"` // iam:CreateAccessKey, s3:ListBuckets, …
}

// ErrNotRootKey says the event is well formed but not about a root access key: the caller
// ignores it.
var ErrNotRootKey = errors.New("not a root access-key event")

// Caps on what an event may carry into a ticket (the fields are attacker-written).
const (
	maxField = 256
	maxAgent = 512
)

type event struct {
	DetailType string `json:"detail-type"`
	Account    string `json:"account"`
	Region     string `json:"region"`
	Detail     record `json:"detail"`
}

type record struct {
	EventID      string `json:"eventID"`
	EventTime    string `json:"eventTime"`
	EventSource  string `json:"eventSource"`
	EventName    string `json:"eventName"`
	AWSRegion    string `json:"awsRegion"`
	SourceIP     string `json:"sourceIPAddress"`
	UserAgent    string `json:"userAgent"`
	ErrorCode    string `json:"errorCode"`
	Recipient    string `json:"recipientAccountId"`
	UserIdentity struct {
		Type        string `json:"type"`
		AccessKeyID string `json:"accessKeyId"`
		InvokedBy   string `json:"invokedBy"`
	} `json:"userIdentity"`
	Request  map[string]any `json:"requestParameters"`
	Response struct {
		AccessKey struct {
			AccessKeyID string `json:"accessKeyId"`
			UserName    string `json:"userName"`
		} `json:"accessKey"`
	} `json:"responseElements"`
}

// Parse reads one EventBridge event. It returns ErrNotRootKey for a well-formed event that is
// not about a root access key (another principal, a key of an IAM user, a failed call).
func Parse(raw []byte) (Signal, error) {
	var ev event
	if err := json.Unmarshal(raw, &ev); err != nil {
		return Signal{}, fmt.Errorf("real-time event: %w", err)
	}
	if ev.DetailType != DetailType {
		return Signal{}, fmt.Errorf("real-time event: detail-type %q, want %q", clip(ev.DetailType, 64), DetailType)
	}
	r := ev.Detail
	at, err := time.Parse(time.RFC3339, r.EventTime)
	if err != nil {
		return Signal{}, fmt.Errorf("real-time event %s: eventTime: %w", clip(r.EventID, 64), err)
	}
	if r.UserIdentity.Type != "Root" || r.ErrorCode != "" {
		return Signal{}, ErrNotRootKey
	}
	account := r.Recipient
	if account == "" {
		account = ev.Account
	}
	if !isAccount(account) {
		return Signal{}, fmt.Errorf("real-time event %s: account %q", clip(r.EventID, 64), clip(account, 32))
	}
	s := Signal{Account: account, Region: clip(r.AWSRegion, 32), At: at.UTC(), EventID: clip(r.EventID, 128),
		SourceIP: clip(r.SourceIP, maxField), UserAgent: clip(r.UserAgent, maxAgent),
		Action: clip(strings.TrimSuffix(r.EventSource, ".amazonaws.com")+":"+r.EventName, maxField)}
	if r.EventSource == "iam.amazonaws.com" {
		switch r.EventName {
		case "CreateAccessKey", "UpdateAccessKey", "DeleteAccessKey":
			// A userName in the request means the root acted on an IAM user's key.
			if name, _ := r.Request["userName"].(string); name != "" {
				return Signal{}, ErrNotRootKey
			}
			return keyChange(s, r)
		}
	}
	if strings.HasPrefix(r.UserIdentity.AccessKeyID, "AKIA") && r.UserIdentity.InvokedBy == "" {
		s.Kind, s.KeyID = KeyUsed, r.UserIdentity.AccessKeyID
		return s, nil
	}
	return Signal{}, ErrNotRootKey
}

func keyChange(s Signal, r record) (Signal, error) {
	switch r.EventName {
	case "CreateAccessKey":
		s.Kind, s.KeyID = KeyCreated, r.Response.AccessKey.AccessKeyID
		// The key exists from the call's time. The response's createDate is a display string
		// ("Jan 1, 2019 0:00:00 PM" in a real record) whose clock the record does not say.
		s.Created = s.At
	case "UpdateAccessKey":
		s.KeyID, _ = r.Request["accessKeyId"].(string)
		switch status, _ := r.Request["status"].(string); status {
		case "Inactive":
			s.Kind = KeyDeactivated
		case "Active":
			s.Kind = KeyActivated
		default:
			return Signal{}, fmt.Errorf("real-time event %s: UpdateAccessKey status %q", s.EventID, clip(status, 32))
		}
	case "DeleteAccessKey":
		s.Kind = KeyDeleted
		s.KeyID, _ = r.Request["accessKeyId"].(string)
	}
	if s.KeyID == "" {
		return Signal{}, fmt.Errorf("real-time event %s: %s names no access key", s.EventID, r.EventName)
	}
	s.KeyID = clip(s.KeyID, 128)
	return s, nil
}

// Observation is what the signal tells the case's follow-up.
func (s Signal) Observation() followup.Observation {
	o := followup.Observation{At: s.At, KeysKnown: true, Partial: true}
	switch s.Kind {
	case KeyCreated:
		o.Keys = []followup.Key{{ID: s.KeyID, Created: s.Created, Active: true}}
	case KeyDeactivated:
		o.Keys = []followup.Key{{ID: s.KeyID, Active: false}}
	case KeyActivated:
		o.Keys = []followup.Key{{ID: s.KeyID, Active: true}}
	case KeyDeleted:
		o.Deleted = []followup.Key{{ID: s.KeyID}}
	case KeyUsed:
		o = followup.Observation{At: s.At, CalledAt: s.At}
	}
	return o
}

// Window is how often one caller's use of a key is announced on an open case.
const Window = time.Hour

// Throttle names the announcement slot of a "used again" signal: one per caller (address and
// tool) and hour, so a script calling every second tells the team once an hour, not 3,600 times.
// The ledger claims it like any delivery.
func (s Signal) Throttle() string {
	agent, _, _ := strings.Cut(s.UserAgent, " ")
	return fmt.Sprintf("used/%s/%s/%s", s.SourceIP, agent, s.At.Truncate(Window).Format("2006-01-02T15"))
}

func isAccount(s string) bool { return contract.CheckAccountID(s) == nil }

// clip cuts s to at most n bytes on a rune boundary and drops invalid UTF-8.
func clip(s string, n int) string {
	s = strings.ToValidUTF8(s, "")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
