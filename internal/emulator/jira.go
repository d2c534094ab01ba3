package emulator

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"regexp"
	"strings"
	"sync"
)

// Jira is the Jira Cloud fake's configuration in a scenario.
type Jira struct {
	Email       string   `json:"email"`
	Token       string   `json:"token"`
	Projects    []string `json:"projects"`
	Transitions []string `json:"transitions,omitempty"` // offered on every issue; "Done" when unset
}

// jiraStore is a Jira Cloud fake for REST API v3: it checks basic authentication and the shape
// of Atlassian Document Format bodies, and keeps issues, comments and transitions.
type jiraStore struct {
	mu     sync.Mutex
	issues map[string]*jiraIssue
	order  []string
}

type jiraIssue struct {
	ID          string           `json:"id"`
	Key         string           `json:"key"`
	Summary     string           `json:"summary"`
	Description json.RawMessage  `json:"description"`
	Labels      []string         `json:"labels"`
	Priority    string           `json:"priority"`
	Type        string           `json:"issuetype"`
	Status      string           `json:"status"`
	Comments    []jiraComment    `json:"comments"`
	Attachments []jiraAttachment `json:"attachment"`
}

// jiraAttachment is a file attached to an issue.
type jiraAttachment struct {
	Filename string `json:"filename"`
	MimeType string `json:"mimeType"`
	Size     int    `json:"size"`
	Content  []byte `json:"-"`
}

// jiraComment is a comment with its entity properties (Jira returns them with expand=properties).
type jiraComment struct {
	ID         string            `json:"id"`
	Body       json.RawMessage   `json:"body"`
	Properties []json.RawMessage `json:"properties,omitempty"`
}

func (s *Server) jira(w http.ResponseWriter, r *http.Request, body []byte) {
	cfg := s.scenario.Jira
	if cfg == nil {
		jiraError(w, http.StatusNotFound, "Jira is not part of this scenario")
		return
	}
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte(cfg.Email+":"+cfg.Token))
	if r.Header.Get("Authorization") != want {
		w.Header().Set("WWW-Authenticate", `Basic realm="jira"`)
		jiraError(w, http.StatusUnauthorized, "Client must be authenticated to access this resource.")
		return
	}
	s.jiraIssues.mu.Lock()
	defer s.jiraIssues.mu.Unlock()
	rest := strings.TrimPrefix(r.URL.Path, "/rest/api/3/issue")
	parts := strings.Split(strings.Trim(rest, "/"), "/")
	switch {
	case r.URL.Path == "/rest/api/3/search/jql" && r.Method == http.MethodPost:
		s.jiraSearch(w, body)
	case r.Method == http.MethodPost && rest == "":
		s.jiraCreate(w, body)
	case len(parts) == 1 && parts[0] != "" && r.Method == http.MethodGet:
		is, ok := s.jiraIssues.issues[parts[0]]
		if !ok {
			jiraError(w, http.StatusNotFound, "Issue does not exist or you do not have permission to see it.")
			return
		}
		writeJSON(w, "application/json", map[string]any{"id": is.ID, "key": is.Key, "fields": map[string]any{
			"summary": is.Summary, "description": is.Description, "labels": is.Labels,
			"status": map[string]string{"name": is.Status}, "priority": map[string]string{"name": is.Priority},
			"comment": map[string]any{"comments": is.Comments, "total": len(is.Comments)}, "attachment": is.Attachments,
		}})
	case len(parts) == 2 && parts[1] == "attachments" && r.Method == http.MethodPost:
		s.jiraAttach(w, r, parts[0], body)
	case len(parts) == 2 && parts[1] == "comment" && r.Method == http.MethodPost:
		is, ok := s.jiraIssues.issues[parts[0]]
		if !ok {
			jiraError(w, http.StatusNotFound, "Issue does not exist or you do not have permission to see it.")
			return
		}
		var in struct {
			Body       json.RawMessage   `json:"body"`
			Properties []json.RawMessage `json:"properties"`
		}
		if err := json.Unmarshal(body, &in); err != nil || checkADF(in.Body) != nil {
			jiraError(w, http.StatusBadRequest, fmt.Sprintf("Comment body is not valid Atlassian Document Format: %v", checkADF(in.Body)))
			return
		}
		c := jiraComment{ID: fmt.Sprint(10000 + len(is.Comments) + 1), Body: in.Body, Properties: in.Properties}
		is.Comments = append(is.Comments, c)
		w.WriteHeader(http.StatusCreated)
		writeJSON(w, "application/json", map[string]any{"id": c.ID})
	case len(parts) == 2 && parts[1] == "comment" && r.Method == http.MethodGet:
		is, ok := s.jiraIssues.issues[parts[0]]
		if !ok {
			jiraError(w, http.StatusNotFound, "Issue does not exist or you do not have permission to see it.")
			return
		}
		out := make([]jiraComment, 0, len(is.Comments))
		for _, c := range is.Comments {
			if r.URL.Query().Get("expand") != "properties" {
				c.Properties = nil
			}
			out = append(out, c)
		}
		writeJSON(w, "application/json", map[string]any{"comments": out, "startAt": 0, "maxResults": len(out), "total": len(out)})
	case len(parts) == 2 && parts[1] == "transitions":
		is, ok := s.jiraIssues.issues[parts[0]]
		if !ok {
			jiraError(w, http.StatusNotFound, "Issue does not exist or you do not have permission to see it.")
			return
		}
		names := cfg.Transitions
		if len(names) == 0 {
			names = []string{"Done"}
		}
		if r.Method == http.MethodGet {
			var ts []map[string]any
			for i, n := range names {
				ts = append(ts, map[string]any{"id": fmt.Sprint(31 + i), "name": n, "to": map[string]string{"name": n}})
			}
			writeJSON(w, "application/json", map[string]any{"transitions": ts})
			return
		}
		var in struct {
			Transition struct {
				ID string `json:"id"`
			} `json:"transition"`
		}
		_ = json.Unmarshal(body, &in)
		for i, n := range names {
			if in.Transition.ID == fmt.Sprint(31+i) {
				is.Status = n
				w.WriteHeader(http.StatusNoContent)
				return
			}
		}
		jiraError(w, http.StatusBadRequest, "Transition id '"+in.Transition.ID+"' is not valid for this issue.")
	default:
		jiraError(w, http.StatusNotFound, "no such Jira resource in the fake")
	}
}

func (s *Server) jiraCreate(w http.ResponseWriter, body []byte) {
	var in struct {
		Fields struct {
			Project struct {
				Key string `json:"key"`
			} `json:"project"`
			Summary     string          `json:"summary"`
			Description json.RawMessage `json:"description"`
			IssueType   struct {
				Name string `json:"name"`
			} `json:"issuetype"`
			Labels   []string `json:"labels"`
			Priority *struct {
				Name string `json:"name"`
			} `json:"priority"`
		} `json:"fields"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		jiraError(w, http.StatusBadRequest, err.Error())
		return
	}
	f := in.Fields
	errs := map[string]string{}
	if !contains(s.scenario.Jira.Projects, f.Project.Key) {
		errs["project"] = "Specify a valid project ID or key"
	}
	if f.Summary == "" || len([]rune(f.Summary)) > 255 || strings.ContainsAny(f.Summary, "\r\n") {
		errs["summary"] = "Summary must be 1 to 255 characters on one line."
	}
	if f.IssueType.Name == "" {
		errs["issuetype"] = "Specify an issue type"
	}
	if err := checkADF(f.Description); err != nil {
		errs["description"] = "Operation value must be an Atlassian Document (see the Atlassian Document Format): " + err.Error()
	}
	for _, l := range f.Labels {
		if l == "" || strings.ContainsAny(l, " \t\r\n") {
			errs["labels"] = "Labels cannot contain spaces."
		}
	}
	if len(errs) > 0 {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]any{"errorMessages": []string{}, "errors": errs})
		return
	}
	n := len(s.jiraIssues.order) + 1
	is := &jiraIssue{ID: fmt.Sprint(10000 + n), Key: fmt.Sprintf("%s-%d", f.Project.Key, n), Summary: f.Summary,
		Description: f.Description, Labels: f.Labels, Type: f.IssueType.Name, Status: "To Do"}
	if f.Priority != nil {
		is.Priority = f.Priority.Name
	}
	s.jiraIssues.issues[is.Key] = is
	s.jiraIssues.order = append(s.jiraIssues.order, is.Key)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(map[string]string{"id": is.ID, "key": is.Key, "self": "/rest/api/3/issue/" + is.ID})
}

// jqlClause is the one JQL shape the fake understands: field = "value" joined by AND, with an
// optional ORDER BY; anything else is refused as Jira refuses a bad query (HTTP 400).
var (
	jqlClause = regexp.MustCompile(`^\s*(project|labels)\s*=\s*"([^"]*)"\s*$`)
	jqlOrder  = regexp.MustCompile(`(?i)\s+ORDER\s+BY\s+created\s+(ASC|DESC)\s*$`)
)

// jiraSearch answers POST /rest/api/3/search/jql (the enhanced search) for project and label
// equality, in creation order.
func (s *Server) jiraSearch(w http.ResponseWriter, body []byte) {
	var in struct {
		JQL        string `json:"jql"`
		MaxResults int    `json:"maxResults"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		jiraError(w, http.StatusBadRequest, err.Error())
		return
	}
	q := jqlOrder.ReplaceAllString(in.JQL, "")
	want := map[string]string{}
	for _, clause := range regexp.MustCompile(`(?i)\s+AND\s+`).Split(q, -1) {
		m := jqlClause.FindStringSubmatch(clause)
		if m == nil {
			jiraError(w, http.StatusBadRequest, fmt.Sprintf("Error in the JQL Query: the fake does not understand %q.", clause))
			return
		}
		want[m[1]] = m[2]
	}
	issues := []map[string]any{}
	for _, key := range s.jiraIssues.order {
		is := s.jiraIssues.issues[key]
		if p, ok := want["project"]; ok && !strings.HasPrefix(is.Key, p+"-") {
			continue
		}
		if l, ok := want["labels"]; ok && !contains(is.Labels, l) {
			continue
		}
		issues = append(issues, map[string]any{"id": is.ID, "key": is.Key, "fields": map[string]any{}})
		if in.MaxResults > 0 && len(issues) == in.MaxResults {
			break
		}
	}
	writeJSON(w, "application/json", map[string]any{"issues": issues, "isLast": true})
}

func jiraError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"errorMessages": []string{msg}, "errors": map[string]string{}})
}

// ADF node types and marks the fake accepts (Atlassian Document Format structure).
var (
	adfBlocks = map[string]bool{"paragraph": true, "heading": true, "bulletList": true, "orderedList": true,
		"listItem": true, "codeBlock": true, "blockquote": true, "rule": true, "panel": true, "table": true,
		"tableRow": true, "tableCell": true, "tableHeader": true}
	adfInline = map[string]bool{"text": true, "hardBreak": true, "mention": true, "emoji": true, "inlineCard": true}
	adfMarks  = map[string]bool{"strong": true, "em": true, "code": true, "link": true, "strike": true,
		"underline": true, "subsup": true, "textColor": true}
)

// checkADF validates a document: type doc, version 1, known nodes, text only in text nodes,
// link marks with http(s) targets only.
func checkADF(raw json.RawMessage) error {
	var doc struct {
		Type    string            `json:"type"`
		Version int               `json:"version"`
		Content []json.RawMessage `json:"content"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return err
	}
	if doc.Type != "doc" || doc.Version != 1 {
		return fmt.Errorf("the root must be {type: doc, version: 1}")
	}
	for _, c := range doc.Content {
		if err := checkNode(c, 1); err != nil {
			return err
		}
	}
	return nil
}

func checkNode(raw json.RawMessage, depth int) error {
	if depth > 20 {
		return fmt.Errorf("nesting too deep")
	}
	var n struct {
		Type  string  `json:"type"`
		Text  *string `json:"text"`
		Marks []struct {
			Type  string         `json:"type"`
			Attrs map[string]any `json:"attrs"`
		} `json:"marks"`
		Content []json.RawMessage `json:"content"`
	}
	if err := json.Unmarshal(raw, &n); err != nil {
		return err
	}
	switch {
	case n.Type == "text":
		if n.Text == nil || *n.Text == "" {
			return fmt.Errorf("a text node needs non-empty text")
		}
		for _, m := range n.Marks {
			if !adfMarks[m.Type] {
				return fmt.Errorf("unknown mark %q", m.Type)
			}
			if m.Type == "link" {
				href, _ := m.Attrs["href"].(string)
				if !strings.HasPrefix(href, "https://") && !strings.HasPrefix(href, "http://") {
					return fmt.Errorf("link mark with href %q", href)
				}
			}
		}
	case adfBlocks[n.Type] || adfInline[n.Type]:
		if n.Text != nil {
			return fmt.Errorf("%s node with text", n.Type)
		}
	default:
		return fmt.Errorf("unknown node type %q", n.Type)
	}
	for _, c := range n.Content {
		if err := checkNode(c, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// jiraAttach takes files as Jira Cloud does (POST /rest/api/3/issue/{key}/attachments): a
// multipart form whose parts are named "file", and the header X-Atlassian-Token: no-check, without
// which Jira refuses the request as a possible cross-site request (403).
func (s *Server) jiraAttach(w http.ResponseWriter, r *http.Request, key string, body []byte) {
	is, ok := s.jiraIssues.issues[key]
	if !ok {
		jiraError(w, http.StatusNotFound, "Issue does not exist or you do not have permission to see it.")
		return
	}
	if r.Header.Get("X-Atlassian-Token") != "no-check" {
		jiraError(w, http.StatusForbidden, "XSRF check failed")
		return
	}
	_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || params["boundary"] == "" {
		jiraError(w, http.StatusBadRequest, "expected multipart/form-data")
		return
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	var added []jiraAttachment
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			jiraError(w, http.StatusBadRequest, "bad multipart body: "+err.Error())
			return
		}
		if part.FormName() != "file" {
			continue
		}
		content, _ := io.ReadAll(part)
		a := jiraAttachment{Filename: part.FileName(), MimeType: part.Header.Get("Content-Type"), Size: len(content), Content: content}
		is.Attachments = append(is.Attachments, a)
		added = append(added, a)
	}
	if len(added) == 0 {
		jiraError(w, http.StatusBadRequest, "no file part")
		return
	}
	writeJSON(w, "application/json", added)
}
