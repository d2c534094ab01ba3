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

// MaskKeys masks several ids that are shown together, as one report or one containment outcome
// shows a root's keys. Each shows its prefix and the fewest last characters, at least four, that
// tell it from the others: AWS's documentation keys AKIAIOSFODNN7EXAMPLE and AKIAI44QH8DHBEXAMPLE
// are AKIA…7EXAMPLE and AKIA…BEXAMPLE, never both AKIA…MPLE. At least four characters stay
// hidden, so ids that agree in all but those still print alike; equal ids get equal masks.
func MaskKeys(ids ...KeyID) map[KeyID]string {
	shown := map[KeyID]int{} // last characters shown, by id
	for _, id := range ids {
		shown[id] = 4
	}
	mask := func(id KeyID) string { return maskTail(string(id), shown[id]) }
	for grew := true; grew; {
		grew = false
		by := map[string][]KeyID{}
		for id := range shown {
			by[mask(id)] = append(by[mask(id)], id)
		}
		for _, same := range by {
			for _, id := range same {
				if len(same) > 1 && shown[id] < len(id)-8 {
					shown[id]++
					grew = true
				}
			}
		}
	}
	out := make(map[KeyID]string, len(shown))
	for id := range shown {
		out[id] = mask(id)
	}
	return out
}
