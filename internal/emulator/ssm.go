package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// opsCenter holds OpsItems.
type opsCenter struct {
	mu    sync.Mutex
	items map[string]map[string]any
	order []string
}

func (s *Server) ssm(w http.ResponseWriter, op string, body []byte) {
	var in map[string]any
	if err := json.Unmarshal(body, &in); err != nil {
		writeJSONError(w, http.StatusBadRequest, "ValidationException", err.Error())
		return
	}
	s.ops.mu.Lock()
	defer s.ops.mu.Unlock()
	switch op {
	case "CreateOpsItem":
		s.createOpsItem(w, in)
	case "UpdateOpsItem":
		s.updateOpsItem(w, in)
	case "GetOpsItem":
		id, _ := in["OpsItemId"].(string)
		item, ok := s.ops.items[id]
		if !ok {
			writeJSONError(w, http.StatusBadRequest, "OpsItemNotFoundException", "OpsItem "+id+" not found")
			return
		}
		writeJSON(w, "application/x-amz-json-1.1", map[string]any{"OpsItem": item})
	case "DescribeOpsItems":
		summaries := []map[string]any{}
		for _, id := range s.ops.order {
			it := s.ops.items[id]
			summaries = append(summaries, map[string]any{
				"OpsItemId": id, "Title": it["Title"], "Status": it["Status"], "Source": it["Source"],
				"Severity": it["Severity"], "Category": it["Category"], "OperationalData": it["OperationalData"],
				"CreatedTime": it["CreatedTime"], "LastModifiedTime": it["LastModifiedTime"],
			})
		}
		writeJSON(w, "application/x-amz-json-1.1", map[string]any{"OpsItemSummaries": summaries})
	default:
		writeJSONError(w, http.StatusBadRequest, "UnknownOperationException", "the emulator does not serve SSM "+op)
	}
}

// createOpsItem follows the Systems Manager API reference: a title of 1 to 1,024 characters, a
// description of 1 to 2,048, a Source without "aws" or "amazon", and /aws/dedup: an open OpsItem
// with the same dedup string makes the call fail with OpsItemAlreadyExistsException naming it.
func (s *Server) createOpsItem(w http.ResponseWriter, in map[string]any) {
	title, _ := in["Title"].(string)
	desc, _ := in["Description"].(string)
	source, _ := in["Source"].(string)
	switch {
	case title == "" || len([]rune(title)) > 1024:
		writeJSONError(w, http.StatusBadRequest, "OpsItemInvalidParameterException", "Title must be 1 to 1024 characters")
		return
	case desc == "" || len([]rune(desc)) > 2048:
		writeJSONError(w, http.StatusBadRequest, "OpsItemInvalidParameterException", "Description must be 1 to 2048 characters")
		return
	case source == "" || strings.Contains(strings.ToLower(source), "aws") || strings.Contains(strings.ToLower(source), "amazon"):
		writeJSONError(w, http.StatusBadRequest, "OpsItemInvalidParameterException", "Source must not contain aws or amazon")
		return
	}
	data, _ := in["OperationalData"].(map[string]any)
	if dedup := dedupString(data); dedup != "" {
		for _, id := range s.ops.order {
			it := s.ops.items[id]
			if it["Status"] != "Resolved" && dedupString(it["OperationalData"].(map[string]any)) == dedup {
				w.Header().Set("Content-Type", "application/x-amz-json-1.1")
				w.Header().Set("X-Amzn-ErrorType", "OpsItemAlreadyExistsException")
				w.WriteHeader(http.StatusBadRequest)
				_ = json.NewEncoder(w).Encode(map[string]any{"__type": "OpsItemAlreadyExistsException",
					"message": "An OpsItem with the same dedup string already exists", "OpsItemId": id})
				return
			}
		}
	}
	id := fmt.Sprintf("oi-%012x", len(s.ops.order)+0xa1b2c3d4e5)
	now := float64(time.Now().Unix())
	item := map[string]any{}
	for k, v := range in {
		item[k] = v
	}
	if data == nil {
		item["OperationalData"] = map[string]any{}
	}
	item["OpsItemId"], item["Status"], item["CreatedTime"], item["LastModifiedTime"] = id, "Open", now, now
	item["OpsItemArn"] = "arn:aws:ssm:us-east-1:" + s.scenario.Account + ":opsitem/" + id
	s.ops.items[id] = item
	s.ops.order = append(s.ops.order, id)
	writeJSON(w, "application/x-amz-json-1.1", map[string]any{"OpsItemId": id, "OpsItemArn": item["OpsItemArn"]})
}

func dedupString(data map[string]any) string {
	d, ok := data["/aws/dedup"].(map[string]any)
	if !ok {
		return ""
	}
	v, _ := d["Value"].(string)
	var parsed struct {
		DedupString string `json:"dedupString"`
	}
	_ = json.Unmarshal([]byte(v), &parsed)
	return parsed.DedupString
}

func (s *Server) updateOpsItem(w http.ResponseWriter, in map[string]any) {
	id, _ := in["OpsItemId"].(string)
	item, ok := s.ops.items[id]
	if !ok {
		writeJSONError(w, http.StatusBadRequest, "OpsItemNotFoundException", "OpsItem "+id+" not found")
		return
	}
	if st, ok := in["Status"].(string); ok {
		switch st {
		case "Open", "InProgress", "Resolved":
			item["Status"] = st
		default:
			writeJSONError(w, http.StatusBadRequest, "OpsItemInvalidParameterException", "unknown Status "+st)
			return
		}
	}
	if data, ok := in["OperationalData"].(map[string]any); ok {
		cur := item["OperationalData"].(map[string]any)
		for k, v := range data {
			cur[k] = v
		}
	}
	if d, ok := in["Description"].(string); ok {
		item["Description"] = d
	}
	item["LastModifiedTime"] = float64(time.Now().Unix())
	writeJSON(w, "application/x-amz-json-1.1", map[string]any{})
}
