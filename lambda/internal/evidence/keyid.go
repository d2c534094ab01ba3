package evidence

import (
	"encoding/json"
	"fmt"
	"log/slog"
)

// KeyID is a whole access key id. It is carried so that keys are joined by identity (the
// credential report's slots to CloudTrail's calls, through ListAccessKeys), never by their masked
// form, which two keys can share. It never prints whole: fmt, slog, JSON and text encoders all
// see the masked id; only Reveal gives the id, for the API call that needs it.
type KeyID string

// String is the masked id.
func (k KeyID) String() string { return MaskKey(string(k)) }

// GoString keeps %#v masked too.
func (k KeyID) GoString() string { return k.String() }

// Format masks every verb, %s, %v, %q and %x alike.
func (k KeyID) Format(f fmt.State, _ rune) { _, _ = fmt.Fprint(f, k.String()) }

// LogValue masks the id in log/slog records.
func (k KeyID) LogValue() slog.Value { return slog.StringValue(k.String()) }

// MarshalJSON writes the masked id.
func (k KeyID) MarshalJSON() ([]byte, error) { return json.Marshal(k.String()) }

// MarshalText writes the masked id.
func (k KeyID) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// Reveal is the whole id, for an API call that takes it (LookupEvents, DeleteAccessKey).
func (k KeyID) Reveal() string { return string(k) }
