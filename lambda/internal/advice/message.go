package advice

import (
	"maps"
	"slices"
	"strings"
)

// Message is one thing the ticket must say, as data: a code of report's message catalog and the
// values the sentence names (counts, dates, Regions, actions, error texts quoted verbatim). The
// advice never writes sentences: report owns every sentence in every language, so a ticket can
// be wholly in its reader's language.
//
// Params values are plain strings: numbers in decimal, dates as YYYY-MM-DD. A few params hold a
// code that report translates too: "state" (active, inactive) and "verdict" (a VerdictCode).
type Message struct {
	Code   string            `json:"code"`
	Params map[string]string `json:"params,omitempty"`
}

// Msg builds a message from a code and name, value pairs.
func Msg(code string, kv ...string) Message {
	m := Message{Code: code}
	if len(kv) > 0 {
		m.Params = make(map[string]string, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			m.Params[kv[i]] = kv[i+1]
		}
	}
	return m
}

// String is the message as a stable key (code, then params sorted by name): for sorting,
// de-duplicating and logs.
func (m Message) String() string {
	var b strings.Builder
	b.WriteString(m.Code)
	for _, k := range slices.Sorted(maps.Keys(m.Params)) {
		b.WriteString(" " + k + "=" + m.Params[k])
	}
	return b.String()
}

// Reason codes of KeyAdvice.Reason.
const (
	ReasonInsideAndOutside  = "reason.inside_and_outside"   // inside, outside: calls
	ReasonAllInside         = "reason.all_inside"           // calls
	ReasonAllOutside        = "reason.all_outside"          // calls
	ReasonNeverUsed         = "reason.never_used"           // state, days
	ReasonBeforeLookback    = "reason.used_before_lookback" // state, last_used, days_since, days
	ReasonUnexplained       = "reason.used_unexplained"     // state, last_used, region, service (may be empty)
	ReasonSlotInsufficient  = "reason.slot_insufficient"    // state, days, verdict
	ReasonPresentNotSeen    = "reason.present_not_seen"     // days, verdict
	CautionGap              = "caution.cloudtrail_gap"      // region, from, to, error
	CautionReportUnreadable = "caution.report_unreadable"   // error
)

// Codes lists every message code advice emits, for report's catalog test.
func Codes() []string {
	return []string{
		ReasonInsideAndOutside, ReasonAllInside, ReasonAllOutside, ReasonNeverUsed, ReasonBeforeLookback,
		ReasonUnexplained, ReasonSlotInsufficient, ReasonPresentNotSeen, CautionGap, CautionReportUnreadable,
		"note." + NoteUnmapped, "note." + NoteResourceStar, "note." + NoteAllFailed, "note." + NoteAlso,
		"note." + NoteTooLarge, "note." + NoteNoActions, "note." + NoteMerged, "note." + NoteCallerNotKept,
		"note." + NoteActionsNotKept, "note." + NoteNoReference,
	}
}

// StepKinds lists every Step.Kind, for report's catalog test.
func StepKinds() []string {
	return []string{"find", "find-more", "role", "user", "deactivate", "verify", "verify-unused", "delete", "hold", "nothing", "records-only"}
}

// Looks lists every Step.Look value.
func Looks() []string {
	return []string{"data_events", "regions_not_read", "organization_trail", "credential_report", "cloudtrail_gaps"}
}

// Decisions lists every decision.
func Decisions() []Decision {
	return []Decision{Unused, ReplaceWithRole, ReplaceWithUser, Mixed, None, Unexplained, Insufficient, NoKeyCalls}
}

// VerdictCodes lists every verdict code.
func VerdictCodes() []VerdictCode {
	return []VerdictCode{NeverUsed, UsedBeforeLookback, UsedSeen, UsedUnexplained, ReportUnreadable, NotInReport, EvidenceIncomplete}
}
