package emulator

import (
	"encoding/json"
	"maps"
	"slices"
)

// TrailRecords renders every record of the scenario's accounts, management and data events,
// as a trail that logs data events delivers them to its bucket: what the Athena emulator
// serves (write them with trailgen.Place), while LookupEvents keeps serving management events
// only. The order is by account, Region, then time, so that a directory written twice is the
// same.
func (s *Server) TrailRecords() []json.RawMessage {
	var out []json.RawMessage
	for _, id := range slices.Sorted(maps.Keys(s.accounts)) {
		a := s.accounts[id]
		for _, region := range slices.Sorted(maps.Keys(a.trail)) {
			evs := a.trail[region]
			for i := len(evs) - 1; i >= 0; i-- { // stored newest first
				out = append(out, evs[i].record(a.id, region))
			}
		}
	}
	return out
}
