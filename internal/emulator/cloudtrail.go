package emulator

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// CloudTrail's LookupEvents limits (CloudTrail API reference, LookupEvents).
const (
	maxPage  = 50
	lookback = 90 * 24 * time.Hour
)

type lookupInput struct {
	LookupAttributes []struct {
		AttributeKey   string `json:"AttributeKey"`
		AttributeValue string `json:"AttributeValue"`
	} `json:"LookupAttributes"`
	StartTime     *epoch  `json:"StartTime"`
	EndTime       *epoch  `json:"EndTime"`
	MaxResults    *int    `json:"MaxResults"`
	NextToken     *string `json:"NextToken"`
	EventCategory string  `json:"EventCategory"`
}

// epoch reads the JSON protocols' timestamps: seconds since the epoch, possibly fractional.
type epoch struct{ time.Time }

func (e *epoch) UnmarshalJSON(b []byte) error {
	f, err := strconv.ParseFloat(string(bytes.Trim(b, `"`)), 64)
	if err != nil {
		return fmt.Errorf("timestamp %s: %w", b, err)
	}
	sec := int64(f)
	e.Time = time.Unix(sec, int64((f-float64(sec))*1e9)).UTC()
	return nil
}

func (s *Server) cloudtrail(w http.ResponseWriter, acct *account, op, region string, body []byte) {
	if op != "LookupEvents" {
		writeJSONError(w, http.StatusBadRequest, "UnknownOperationException", "the emulator serves LookupEvents only")
		return
	}
	if !s.allow(acct.id, region) {
		s.Throttled.Add(1)
		// The shape CloudTrail answers with above 2 requests per second.
		writeJSONError(w, http.StatusBadRequest, "ThrottlingException", "Rate exceeded")
		return
	}
	var in lookupInput
	if err := json.Unmarshal(body, &in); err != nil {
		writeJSONError(w, http.StatusBadRequest, "SerializationException", err.Error())
		return
	}
	if len(in.LookupAttributes) > 1 {
		writeJSONError(w, http.StatusBadRequest, "InvalidLookupAttributesException",
			"You can specify only one lookup attribute.")
		return
	}
	now := s.now()
	start, end := now.Add(-lookback), now
	if in.StartTime != nil && in.StartTime.After(start) {
		start = in.StartTime.Time
	}
	if in.EndTime != nil && in.EndTime.Before(end) {
		end = in.EndTime.Time
	}
	if start.After(end) {
		writeJSONError(w, http.StatusBadRequest, "InvalidTimeRangeException", "Start time must be before end time.")
		return
	}
	limit := maxPage
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > maxPage {
			writeJSONError(w, http.StatusBadRequest, "InvalidMaxResultsException", "MaxResults must be between 1 and 50.")
			return
		}
		limit = *in.MaxResults
	}
	key, value := "", ""
	if len(in.LookupAttributes) == 1 {
		key, value = in.LookupAttributes[0].AttributeKey, in.LookupAttributes[0].AttributeValue
	}
	// A token pins the window of the first page, so that "now" moving on does not shift it.
	query := fmt.Sprintf("%s|%s|%s=%s", acct.id, region, key, value)
	offset := 0
	if in.NextToken != nil && *in.NextToken != "" {
		var ok bool
		if offset, start, end, ok = decodeToken(*in.NextToken, query); !ok {
			writeJSONError(w, http.StatusBadRequest, "InvalidNextTokenException", "Invalid NextToken.")
			return
		}
	}
	// Event history holds management events only; CloudTrail Insights events are asked for
	// with EventCategory "insight", and the emulator has none.
	insights := strings.EqualFold(in.EventCategory, "insight")
	served := func(ev event) bool {
		return !ev.data && !insights && !ev.at.After(end) && !ev.at.Before(start) && ev.matches(key, value)
	}
	events := acct.trail[region]
	out := struct {
		Events    []map[string]any `json:"Events"`
		NextToken string           `json:"NextToken,omitempty"`
	}{Events: []map[string]any{}}
	i := offset
	for ; i < len(events) && len(out.Events) < limit; i++ {
		ev := events[i]
		if !served(ev) {
			continue
		}
		out.Events = append(out.Events, ev.lookupEntry(acct.id, region))
	}
	// A token only when more could follow, as CloudTrail does.
	for j := i; j < len(events); j++ {
		if served(events[j]) {
			out.NextToken = encodeToken(i, start, end, query)
			break
		}
	}
	writeJSON(w, "application/x-amz-json-1.1", out)
}

func (ev event) matches(key, value string) bool {
	switch key {
	case "":
		return true
	case "Username":
		return ev.root && value == "root"
	case "AccessKeyId":
		return ev.keyID == value
	case "EventName":
		return ev.name == value
	case "EventSource":
		return ev.source == value
	case "EventId":
		return ev.id == value
	case "ReadOnly":
		return strconv.FormatBool(ev.ro) == value
	case "ResourceName":
		for _, r := range ev.res {
			if r.Name == value {
				return true
			}
		}
	case "ResourceType":
		for _, r := range ev.res {
			if r.Type == value {
				return true
			}
		}
	}
	return false
}

func (ev event) lookupEntry(account, region string) map[string]any {
	username := ""
	if ev.root {
		username = "root"
	}
	resources := []map[string]string{}
	for _, r := range ev.res {
		resources = append(resources, map[string]string{"ResourceType": r.Type, "ResourceName": r.Name})
	}
	entry := map[string]any{
		"EventId": ev.id, "EventName": ev.name, "ReadOnly": strconv.FormatBool(ev.ro),
		"EventTime": float64(ev.at.Unix()), "EventSource": ev.source, "Username": username,
		"Resources": resources, "CloudTrailEvent": string(ev.record(account, region)),
	}
	if ev.keyID != "" {
		entry["AccessKeyId"] = ev.keyID
	}
	return entry
}

// Tokens are opaque to clients: the offset, the window and the query they belong to.
func encodeToken(offset int, start, end time.Time, query string) string {
	return base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf("%d|%d|%d\n%s", offset, start.UnixNano(), end.UnixNano(), query)))
}

func decodeToken(token, query string) (offset int, start, end time.Time, ok bool) {
	b, err := base64.StdEncoding.DecodeString(token)
	if err != nil {
		return 0, start, end, false
	}
	head, q, found := strings.Cut(string(b), "\n")
	if !found || q != query {
		return 0, start, end, false
	}
	var s, e int64
	if _, err := fmt.Sscanf(head, "%d|%d|%d", &offset, &s, &e); err != nil || offset < 0 {
		return 0, start, end, false
	}
	return offset, time.Unix(0, s).UTC(), time.Unix(0, e).UTC(), true
}
