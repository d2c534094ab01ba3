package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// hub holds Security Hub findings as ASFF JSON objects, by ProductArn and Id (findingKey).
type hub struct {
	mu       sync.Mutex
	findings map[string]map[string]any
	order    []string
	updates  int
	// OCSF findings of the new Security Hub, by finding_info.uid.
	v2      map[string]map[string]any
	orderV2 []string
}

// ocsfStatus names the OCSF finding status ids (OCSF 1.x).
var ocsfStatus = map[int]string{0: "Unknown", 1: "New", 2: "In Progress", 3: "Suppressed", 4: "Resolved", 5: "Archived", 6: "Deleted", 99: "Other"}

type ocsfID struct {
	CloudAccountUID    string `json:"CloudAccountUid"`
	FindingInfoUID     string `json:"FindingInfoUid"`
	MetadataProductUID string `json:"MetadataProductUid"`
}

// batchUpdateFindingsV2 follows BatchUpdateFindingsV2 (Security Hub API reference): findings by
// identifier or metadata uid, a comment of at most 512 characters, a status id.
func (s *Server) batchUpdateFindingsV2(w http.ResponseWriter, body []byte) {
	var in struct {
		FindingIdentifiers []ocsfID `json:"FindingIdentifiers"`
		MetadataUids       []string `json:"MetadataUids"`
		Comment            *string  `json:"Comment"`
		StatusID           *int     `json:"StatusId"`
		SeverityID         *int     `json:"SeverityId"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		writeRESTError(w, http.StatusBadRequest, "ValidationException", err.Error())
		return
	}
	switch {
	case len(in.FindingIdentifiers)+len(in.MetadataUids) == 0 || len(in.FindingIdentifiers)+len(in.MetadataUids) > maxBatch:
		writeRESTError(w, http.StatusBadRequest, "ValidationException", "name 1 to 100 findings")
		return
	case in.Comment == nil && in.StatusID == nil && in.SeverityID == nil:
		writeRESTError(w, http.StatusBadRequest, "ValidationException", "update at least one of Comment, StatusId, SeverityId")
		return
	case in.Comment != nil && len([]rune(*in.Comment)) > maxNote:
		writeRESTError(w, http.StatusBadRequest, "ValidationException", "Comment must be at most 512 characters")
		return
	}
	if in.StatusID != nil {
		if _, ok := ocsfStatus[*in.StatusID]; !ok {
			writeRESTError(w, http.StatusBadRequest, "ValidationException", "unknown StatusId")
			return
		}
	}
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	processed, unprocessed := []map[string]any{}, []map[string]any{}
	apply := func(f map[string]any) {
		if in.StatusID != nil {
			f["status_id"], f["status"] = *in.StatusID, ocsfStatus[*in.StatusID]
		}
		if in.Comment != nil {
			f["comment"] = *in.Comment
		}
	}
	for _, id := range in.FindingIdentifiers {
		f, ok := s.hub.v2[id.FindingInfoUID]
		if !ok || jsonPath(f, "metadata", "product", "uid") != id.MetadataProductUID ||
			jsonPath(f, "cloud", "account", "uid") != id.CloudAccountUID {
			unprocessed = append(unprocessed, map[string]any{"FindingIdentifier": id,
				"ErrorCode": "ResourceNotFoundException", "ErrorMessage": "Finding not found"})
			continue
		}
		apply(f)
		processed = append(processed, map[string]any{"FindingIdentifier": id})
	}
	for _, uid := range in.MetadataUids {
		found := false
		for _, f := range s.hub.v2 {
			if jsonPath(f, "metadata", "uid") == uid {
				apply(f)
				found = true
			}
		}
		if found {
			processed = append(processed, map[string]any{"MetadataUid": uid})
		} else {
			unprocessed = append(unprocessed, map[string]any{"MetadataUid": uid,
				"ErrorCode": "ResourceNotFoundException", "ErrorMessage": "Finding not found"})
		}
	}
	writeJSON(w, "application/json", map[string]any{"ProcessedFindings": processed, "UnprocessedFindings": unprocessed})
}

func jsonPath(m map[string]any, keys ...string) string {
	var cur any = m
	for _, k := range keys {
		obj, ok := cur.(map[string]any)
		if !ok {
			return ""
		}
		cur = obj[k]
	}
	s, _ := cur.(string)
	return s
}

// Security Hub limits (BatchUpdateFindings API reference): a note of at most 512 characters,
// UpdatedBy of at most 128, 100 findings a call, 50 user-defined fields.
const (
	maxNote       = 512
	maxUpdatedBy  = 128
	maxBatch      = 100
	maxUserFields = 50
)

func (s *Server) securityHub(w http.ResponseWriter, r *http.Request, body []byte) {
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/findings/import":
		s.importFindings(w, body)
	case r.Method == http.MethodPatch && r.URL.Path == "/findings/batchupdate":
		s.batchUpdateFindings(w, body)
	case r.Method == http.MethodPost && r.URL.Path == "/findings":
		s.getFindings(w, requestRegion(r), body)
	case r.Method == http.MethodPatch && r.URL.Path == "/findingsv2/batchupdatev2":
		s.batchUpdateFindingsV2(w, body)
	case r.Method == http.MethodPost && r.URL.Path == "/findingsv2":
		s.getFindingsV2(w, requestRegion(r), body)
	default:
		writeRESTError(w, http.StatusNotFound, "ResourceNotFoundException", "no such Security Hub operation")
	}
}

func writeRESTError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", code)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"Code": code, "Message": message})
}

func (s *Server) importFindings(w http.ResponseWriter, body []byte) {
	var in struct {
		Findings []map[string]any `json:"Findings"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		writeRESTError(w, http.StatusBadRequest, "InvalidInputException", err.Error())
		return
	}
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	failed := []map[string]any{}
	for _, f := range in.Findings {
		id, _ := f["Id"].(string)
		if id == "" {
			failed = append(failed, map[string]any{"Id": "", "ErrorCode": "InvalidInput", "ErrorMessage": "Id is required"})
			continue
		}
		key := findingKey(jsonPath(f, "ProductArn"), id)
		if _, ok := s.hub.findings[key]; !ok {
			s.hub.order = append(s.hub.order, key)
		}
		s.hub.findings[key] = f
	}
	writeJSON(w, "application/json", map[string]any{
		"FailedCount": len(failed), "SuccessCount": len(in.Findings) - len(failed), "FailedFindings": failed,
	})
}

// findingKey names an ASFF finding as Security Hub does, by ProductArn and Id together
// (AwsSecurityFindingIdentifier): two products may hold findings with one Id, and a member can
// import one under its default product with the Id of Security Hub's own.
func findingKey(productArn, id string) string { return productArn + "\x00" + id }

type findingID struct {
	ID         string `json:"Id"`
	ProductArn string `json:"ProductArn"`
}

func (s *Server) batchUpdateFindings(w http.ResponseWriter, body []byte) {
	var in struct {
		FindingIdentifiers []findingID `json:"FindingIdentifiers"`
		Note               *struct {
			Text      string `json:"Text"`
			UpdatedBy string `json:"UpdatedBy"`
		} `json:"Note"`
		Workflow *struct {
			Status string `json:"Status"`
		} `json:"Workflow"`
		UserDefinedFields map[string]string `json:"UserDefinedFields"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		writeRESTError(w, http.StatusBadRequest, "InvalidInputException", err.Error())
		return
	}
	switch {
	case len(in.FindingIdentifiers) == 0 || len(in.FindingIdentifiers) > maxBatch:
		writeRESTError(w, http.StatusBadRequest, "InvalidInputException", "FindingIdentifiers must hold 1 to 100 findings")
		return
	case in.Note != nil && (len([]rune(in.Note.Text)) > maxNote || in.Note.Text == ""):
		writeRESTError(w, http.StatusBadRequest, "InvalidInputException", "Note.Text must be 1 to 512 characters")
		return
	case in.Note != nil && (in.Note.UpdatedBy == "" || len([]rune(in.Note.UpdatedBy)) > maxUpdatedBy):
		writeRESTError(w, http.StatusBadRequest, "InvalidInputException", "Note.UpdatedBy must be 1 to 128 characters")
		return
	case len(in.UserDefinedFields) > maxUserFields:
		writeRESTError(w, http.StatusBadRequest, "InvalidInputException", "at most 50 UserDefinedFields")
		return
	}
	if in.Workflow != nil {
		switch in.Workflow.Status {
		case "NEW", "NOTIFIED", "RESOLVED", "SUPPRESSED":
		default:
			writeRESTError(w, http.StatusBadRequest, "InvalidInputException", "Workflow.Status must be NEW, NOTIFIED, RESOLVED or SUPPRESSED")
			return
		}
	}
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	s.hub.updates++
	now := time.Now().UTC().Format("2006-01-02T15:04:05.000Z")
	processed, unprocessed := []findingID{}, []map[string]any{}
	for _, id := range in.FindingIdentifiers {
		f, ok := s.hub.findings[findingKey(id.ProductArn, id.ID)]
		if !ok {
			unprocessed = append(unprocessed, map[string]any{"FindingIdentifier": id,
				"ErrorCode": "FindingNotFound", "ErrorMessage": "Finding Not Found"})
			continue
		}
		if in.Note != nil {
			f["Note"] = map[string]any{"Text": in.Note.Text, "UpdatedBy": in.Note.UpdatedBy, "UpdatedAt": now}
		}
		if in.Workflow != nil {
			f["Workflow"] = map[string]any{"Status": in.Workflow.Status}
		}
		if len(in.UserDefinedFields) > 0 {
			fields, _ := f["UserDefinedFields"].(map[string]any)
			if fields == nil {
				fields = map[string]any{}
			}
			for k, v := range in.UserDefinedFields {
				fields[k] = v
			}
			f["UserDefinedFields"] = fields
		}
		f["UpdatedAt"] = now
		processed = append(processed, id)
	}
	writeJSON(w, "application/json", map[string]any{"ProcessedFindings": processed, "UnprocessedFindings": unprocessed})
}

// findingFields are the ASFF string filters the emulator implements (AwsSecurityFindingFilters
// in botocore's securityhub model), each with the path of the field it reads.
var findingFields = map[string][]string{
	"Id": {"Id"}, "ProductArn": {"ProductArn"}, "AwsAccountId": {"AwsAccountId"}, "GeneratorId": {"GeneratorId"},
	"Region": {"Region"}, "Title": {"Title"}, "ProductName": {"ProductName"}, "RecordState": {"RecordState"},
	"ComplianceStatus": {"Compliance", "Status"}, "ComplianceSecurityControlId": {"Compliance", "SecurityControlId"},
	"WorkflowStatus": {"Workflow", "Status"}, "SeverityLabel": {"Severity", "Label"},
}

// stringFilter is StringFilter of the model: a value and a comparison.
type stringFilter struct {
	Value      string `json:"Value"`
	Comparison string `json:"Comparison"`
}

// matchStrings applies one field's filters as the API documents them (StringFilter): EQUALS,
// PREFIX and CONTAINS filters on a field are joined by OR, the negative ones by AND, and both
// groups must hold.
func matchStrings(v string, filters []stringFilter) (bool, error) {
	positive, anyPositive, negative := false, false, true
	for _, f := range filters {
		switch f.Comparison {
		case "EQUALS":
			anyPositive, positive = true, positive || v == f.Value
		case "PREFIX":
			anyPositive, positive = true, positive || strings.HasPrefix(v, f.Value)
		case "CONTAINS":
			anyPositive, positive = true, positive || strings.Contains(v, f.Value)
		case "NOT_EQUALS":
			negative = negative && v != f.Value
		case "PREFIX_NOT_EQUALS":
			negative = negative && !strings.HasPrefix(v, f.Value)
		case "NOT_CONTAINS":
			negative = negative && !strings.Contains(v, f.Value)
		default:
			return false, fmt.Errorf("the comparison %q is not one the emulator implements", f.Comparison)
		}
	}
	return (!anyPositive || positive) && negative, nil
}

// visible says whether a finding of findingRegion is seen by a call in region: in its own Region,
// and in the aggregation Region, which holds every linked Region's findings (Security Hub user
// guide, "Cross-Region aggregation").
func (s *Server) visible(findingRegion, region string) bool {
	agg := s.scenario.AggregationRegion
	if agg == "" {
		agg = "us-east-1"
	}
	return findingRegion == region || region == agg
}

// page cuts a result list by MaxResults (1 to 100) and an offset NextToken, after the
// scenario's empty pages (tokens "empty-1", "empty-2", …).
func (s *Server) page(out []map[string]any, maxResults int, token string) (map[string]any, error) {
	if maxResults == 0 {
		maxResults = maxBatch
	}
	if maxResults < 1 || maxResults > maxBatch {
		return nil, fmt.Errorf("MaxResults must be 1 to 100")
	}
	empty := 0
	if n, ok := strings.CutPrefix(token, "empty-"); ok {
		if empty, _ = strconv.Atoi(n); empty < 1 {
			return nil, fmt.Errorf("NextToken is not valid")
		}
		token = ""
	}
	if empty < s.scenario.EmptyPages {
		return map[string]any{"Findings": []map[string]any{}, "NextToken": fmt.Sprintf("empty-%d", empty+1)}, nil
	}
	start := 0
	if token != "" {
		n, err := strconv.Atoi(token)
		if err != nil || n < 0 || n > len(out) {
			return nil, fmt.Errorf("NextToken is not valid")
		}
		start = n
	}
	end := min(start+maxResults, len(out))
	res := map[string]any{"Findings": out[start:end]}
	if end < len(out) {
		res["NextToken"] = strconv.Itoa(end)
	}
	return res, nil
}

// getFindings follows GetFindings (ASFF): the findings of the Region called (every linked
// Region's in the aggregation Region) that pass every string filter.
func (s *Server) getFindings(w http.ResponseWriter, region string, body []byte) {
	var in struct {
		Filters    map[string][]stringFilter `json:"Filters"`
		MaxResults int                       `json:"MaxResults"`
		NextToken  string                    `json:"NextToken"`
	}
	if len(body) > 0 {
		if err := json.Unmarshal(body, &in); err != nil {
			writeRESTError(w, http.StatusBadRequest, "InvalidInputException", err.Error())
			return
		}
	}
	for field := range in.Filters {
		if _, ok := findingFields[field]; !ok {
			writeRESTError(w, http.StatusBadRequest, "InvalidInputException", "the emulator does not filter on "+field)
			return
		}
	}
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	out := []map[string]any{}
	for _, key := range s.hub.order {
		f := s.hub.findings[key]
		if !s.visible(jsonPath(f, "Region"), region) {
			continue
		}
		keep := true
		for field, filters := range in.Filters {
			ok, err := matchStrings(jsonPath(f, findingFields[field]...), filters)
			if err != nil {
				writeRESTError(w, http.StatusBadRequest, "InvalidInputException", err.Error())
				return
			}
			keep = keep && ok
		}
		if keep {
			out = append(out, f)
		}
	}
	res, err := s.page(out, in.MaxResults, in.NextToken)
	if err != nil {
		writeRESTError(w, http.StatusBadRequest, "InvalidInputException", err.Error())
		return
	}
	writeJSON(w, "application/json", res)
}

// ocsfFields are the OCSF string fields the emulator filters on (OcsfStringField in botocore's
// securityhub model).
var ocsfFields = map[string]bool{
	"metadata.uid": true, "metadata.product.uid": true, "metadata.product.name": true, "finding_info.uid": true,
	"finding_info.title": true, "cloud.account.uid": true, "cloud.region": true, "compliance.control": true,
	"compliance.status": true, "status": true, "severity": true,
}

type compositeFilter struct {
	StringFilters []struct {
		FieldName string       `json:"FieldName"`
		Filter    stringFilter `json:"Filter"`
	} `json:"StringFilters"`
	Operator string `json:"Operator"`
	// Filters the emulator does not implement; a request using them is refused, not ignored.
	DateFilters            []json.RawMessage `json:"DateFilters"`
	BooleanFilters         []json.RawMessage `json:"BooleanFilters"`
	NumberFilters          []json.RawMessage `json:"NumberFilters"`
	MapFilters             []json.RawMessage `json:"MapFilters"`
	IPFilters              []json.RawMessage `json:"IpFilters"`
	NestedCompositeFilters []json.RawMessage `json:"NestedCompositeFilters"`
}

// match applies one composite filter: its string filters joined by its Operator (AND when unset).
func (c compositeFilter) match(f map[string]any) (bool, error) {
	if len(c.DateFilters)+len(c.BooleanFilters)+len(c.NumberFilters)+len(c.MapFilters)+len(c.IPFilters)+len(c.NestedCompositeFilters) > 0 {
		return false, fmt.Errorf("the emulator implements StringFilters only")
	}
	or := c.Operator == "OR"
	if c.Operator != "" && c.Operator != "AND" && !or {
		return false, fmt.Errorf("the Operator must be AND or OR")
	}
	result := !or
	for _, sf := range c.StringFilters {
		if !ocsfFields[sf.FieldName] {
			return false, fmt.Errorf("the emulator does not filter on %s", sf.FieldName)
		}
		ok, err := matchStrings(jsonPath(f, strings.Split(sf.FieldName, ".")...), []stringFilter{sf.Filter})
		if err != nil {
			return false, err
		}
		if or {
			result = result || ok
		} else {
			result = result && ok
		}
	}
	return result, nil
}

// getFindingsV2 follows GetFindingsV2 (OCSF): the findings of the Region called (every linked
// Region's in the aggregation Region) that pass the composite filters, joined by
// CompositeOperator (AND when unset).
func (s *Server) getFindingsV2(w http.ResponseWriter, region string, body []byte) {
	var in struct {
		Filters struct {
			CompositeFilters  []compositeFilter `json:"CompositeFilters"`
			CompositeOperator string            `json:"CompositeOperator"`
		} `json:"Filters"`
		MaxResults int    `json:"MaxResults"`
		NextToken  string `json:"NextToken"`
	}
	if len(body) > 0 {
		if err := json.Unmarshal(body, &in); err != nil {
			writeRESTError(w, http.StatusBadRequest, "ValidationException", err.Error())
			return
		}
	}
	or := in.Filters.CompositeOperator == "OR"
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	out := []map[string]any{}
	for _, uid := range s.hub.orderV2 {
		f := s.hub.v2[uid]
		if !s.visible(jsonPath(f, "cloud", "region"), region) {
			continue
		}
		keep := !or || len(in.Filters.CompositeFilters) == 0
		for _, c := range in.Filters.CompositeFilters {
			ok, err := c.match(f)
			if err != nil {
				writeRESTError(w, http.StatusBadRequest, "ValidationException", err.Error())
				return
			}
			if or {
				keep = keep || ok
			} else {
				keep = keep && ok
			}
		}
		if keep {
			out = append(out, f)
		}
	}
	res, err := s.page(out, in.MaxResults, in.NextToken)
	if err != nil {
		writeRESTError(w, http.StatusBadRequest, "ValidationException", err.Error())
		return
	}
	writeJSON(w, "application/json", res)
}
