package trailgen

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"time"
)

//go:embed heldout/records.json
var heldOut []byte

// HeldOutNow is the clock the held-out trail is dated against.
var HeldOutNow = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// HeldOutAccount is the account whose root the held-out trail is about.
const HeldOutAccount = "111122223333"

// HeldOut returns the held-out trail's records: documented CloudTrail records (heldout/SOURCES.md
// says where each comes from) of a key used only for S3 object calls, a key last used 200 days
// before HeldOutNow, console use, another account's root and an IAM user.
func HeldOut() ([]json.RawMessage, error) {
	var recs []json.RawMessage
	if err := json.Unmarshal(heldOut, &recs); err != nil {
		return nil, fmt.Errorf("trailgen: heldout/records.json: %w", err)
	}
	return recs, nil
}
