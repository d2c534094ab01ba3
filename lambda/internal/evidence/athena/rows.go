package athena

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/athena/types"

	"github.com/iam4-responder/iam4-responder/lambda/internal/evidence"
)

// row is one result row: a group of root calls identical in everything Classify and Usage look at.
type row struct {
	keyID, eventType, source, name, category, region string
	ip, agent, invokedBy, fromConsole                string
	hasSession, failed                               bool
	calls, unnamed                                   int
	first, last                                      time.Time
	arns                                             []string // distinct, from the row's resource lists
}

func columnIndex(md *types.ResultSetMetadata) (map[string]int, error) {
	if md == nil {
		return nil, fmt.Errorf("query results carry no column metadata")
	}
	idx := map[string]int{}
	for i, c := range md.ColumnInfo {
		idx[aws.ToString(c.Name)] = i
	}
	for _, name := range resultColumns {
		if _, ok := idx[name]; !ok {
			return nil, fmt.Errorf("query results lack column %q", name)
		}
	}
	return idx, nil
}

// isHeader reports whether a row repeats the column names, as the first row of a SELECT's
// first page does.
func isHeader(r types.Row, cols map[string]int) bool {
	for name, i := range cols {
		if i >= len(r.Data) || aws.ToString(r.Data[i].VarCharValue) != name {
			return false
		}
	}
	return true
}

func parseRow(r types.Row, cols map[string]int) (row, error) {
	get := func(name string) string {
		i := cols[name]
		if i >= len(r.Data) {
			return ""
		}
		return aws.ToString(r.Data[i].VarCharValue) // NULL comes as a Datum without a value
	}
	out := row{
		keyID: get("key_id"), eventType: get("event_type"), source: get("event_source"), name: get("event_name"),
		category: get("event_category"), region: get("aws_region"), ip: get("source_ip"), agent: get("user_agent"),
		invokedBy: get("invoked_by"), fromConsole: get("from_console"),
		hasSession: get("has_session") == "true", failed: get("failed") == "true",
	}
	var err error
	if out.calls, err = strconv.Atoi(get("calls")); err != nil || out.calls < 1 {
		return row{}, fmt.Errorf("calls %q", get("calls"))
	}
	if out.unnamed, err = strconv.Atoi(get("unnamed")); err != nil || out.unnamed < 0 || out.unnamed > out.calls {
		return row{}, fmt.Errorf("unnamed %q", get("unnamed"))
	}
	if out.first, err = time.Parse(time.RFC3339, get("first_time")); err != nil {
		return row{}, fmt.Errorf("first_time: %w", err)
	}
	if out.last, err = time.Parse(time.RFC3339, get("last_time")); err != nil {
		return row{}, fmt.Errorf("last_time: %w", err)
	}
	if out.arns, err = parseResourceSets(get("resource_sets")); err != nil {
		return row{}, fmt.Errorf("resource_sets: %w", err)
	}
	return out, nil
}

// parseResourceSets reads the JSON array of JSON-encoded resource lists. Trino casts a ROW to
// a JSON object and older engines to a positional array; both are read.
func parseResourceSets(s string) ([]string, error) {
	if s == "" {
		return nil, nil
	}
	var sets []string
	if err := json.Unmarshal([]byte(s), &sets); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var arns []string
	for _, set := range sets {
		var items []json.RawMessage
		if err := json.Unmarshal([]byte(set), &items); err != nil {
			return nil, err
		}
		for _, it := range items {
			var obj struct {
				ARN string `json:"arn"` // case-insensitive: ARN in DuckDB, arn in the Glue table
			}
			var pos []*string
			switch {
			case json.Unmarshal(it, &obj) == nil:
			case json.Unmarshal(it, &pos) == nil && len(pos) > 0 && pos[0] != nil:
				obj.ARN = *pos[0]
			default:
				return nil, fmt.Errorf("resource %s", it)
			}
			if obj.ARN != "" && !seen[obj.ARN] {
				seen[obj.ARN] = true
				arns = append(arns, obj.ARN)
			}
		}
	}
	return arns, nil
}

// sessionMark stands for a session context the row says was there; Classify only asks whether
// one was.
var sessionMark = json.RawMessage(`{"attributes":{}}`)

// feed adds the row's calls to u one by one, so that Usage keeps its own caps, counts and
// classification exactly as for LookupEvents records; the loop costs time in proportion to the
// calls, never memory. The first call carries the first time, the others the last (both in
// the row's hour, so each call's day and hour are its own); the calls
// that named no resource carry none, the next one all the row's ARNs.
func (r row) feed(u *evidence.Usage) {
	rec := evidence.Record{
		EventType: r.eventType, EventSource: r.source, EventName: r.name, AWSRegion: r.region,
		SourceIP: r.ip, UserAgent: r.agent, SessionCredentialFromConsole: consoleFlag(r.fromConsole),
		UserIdentity: evidence.Identity{Type: "Root", AccessKeyID: r.keyID, InvokedBy: r.invokedBy},
	}
	if r.hasSession {
		rec.UserIdentity.SessionContext = sessionMark
	}
	if r.failed {
		rec.ErrorCode = "failed" // Usage counts a call as failed when the record has any error code
	}
	all := resources(r.arns)
	var one []struct {
		ARN  string `json:"ARN"`
		Type string `json:"type"`
	}
	if len(all) > 0 {
		one = all[:1]
	}
	for i := range r.calls {
		rec.EventTime = r.last
		if i == 0 {
			rec.EventTime = r.first
		}
		switch {
		case i < r.unnamed:
			rec.Resources = nil
		case i == r.unnamed:
			rec.Resources = all
		default:
			rec.Resources = one
		}
		u.Add(&rec)
	}
}

func resources(arns []string) []struct {
	ARN  string `json:"ARN"`
	Type string `json:"type"`
} {
	out := make([]struct {
		ARN  string `json:"ARN"`
		Type string `json:"type"`
	}, len(arns))
	for i, a := range arns {
		out[i].ARN = a
	}
	return out
}

// consoleFlag gives the row's sessionCredentialFromConsole back the JSON shape a record has (the
// documented string "true"), or nothing when the row had none.
func consoleFlag(v string) json.RawMessage {
	if v == "" {
		return nil
	}
	b, _ := json.Marshal(v)
	return b
}
