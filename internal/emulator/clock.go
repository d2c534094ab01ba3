package emulator

import (
	"encoding/json"
	"fmt"
	"time"
)

// Following a case to the end takes days: the deactivated key is watched for a week before it
// may be deleted. These let a demo or a test walk those days on the scenario's clock and change
// the root's keys as the team would in the console; the credential report (its GeneratedTime and
// rows) and the account summary answer from them at once.

// Now is the scenario's clock.
func (s *Server) Now() time.Time { return s.now() }

// Advance moves the scenario's clock on by d. Event history already built keeps its times; the
// rate limit runs on real time as always.
func (s *Server) Advance(d time.Duration) { s.offset.Add(int64(d)) }

// SetRootKeys changes an account's root keys (at most two, as IAM allows).
func (s *Server) SetRootKeys(account string, change func(keys []RootKey) []RootKey) error {
	a, ok := s.accounts[account]
	if !ok {
		return fmt.Errorf("no account %s in the scenario", account)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := change(append([]RootKey(nil), a.root.Keys...))
	if len(keys) > 2 {
		return fmt.Errorf("account %s: %d root keys; IAM allows two", account, len(keys))
	}
	a.root.Keys = keys
	return nil
}

// AddFindings imports ASFF findings after the start, as Security Hub imports a control's
// finding when its periodic check runs.
func (s *Server) AddFindings(raws ...json.RawMessage) error {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	for i, raw := range raws {
		var f map[string]any
		if err := json.Unmarshal(raw, &f); err != nil {
			return fmt.Errorf("finding %d: %w", i, err)
		}
		id, _ := f["Id"].(string)
		key := findingKey(jsonPath(f, "ProductArn"), id)
		if _, ok := s.hub.findings[key]; !ok {
			s.hub.order = append(s.hub.order, key)
		}
		s.hub.findings[key] = f
	}
	return nil
}
