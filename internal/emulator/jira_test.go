package emulator

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func jiraServer(t *testing.T) string {
	t.Helper()
	srv, err := New(&Scenario{Account: "111122223333", Jira: &Jira{Email: "ops@example.com", Token: "t0ken", Projects: []string{"SEC", "OPS"}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return hs.URL
}

func jiraDo(t *testing.T, url, method, path string, body any, out any) int {
	t.Helper()
	var r *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	} else {
		r = bytes.NewReader(nil)
	}
	req, _ := http.NewRequestWithContext(t.Context(), method, url+path, r)
	req.SetBasicAuth("ops@example.com", "t0ken")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		_ = json.NewDecoder(resp.Body).Decode(out)
	}
	return resp.StatusCode
}

var adfDoc = map[string]any{"type": "doc", "version": 1, "content": []any{
	map[string]any{"type": "paragraph", "content": []any{map[string]any{"type": "text", "text": "x"}}}}}

func TestJiraSearchFindsIssuesByProjectAndLabel(t *testing.T) {
	url := jiraServer(t)
	for _, is := range []struct{ project, label string }{{"SEC", "iam4-a-1"}, {"SEC", "iam4-a-2"}, {"OPS", "iam4-a-1"}} {
		fields := map[string]any{"project": map[string]string{"key": is.project}, "summary": "s", "description": adfDoc,
			"issuetype": map[string]string{"name": "Task"}, "labels": []string{"iam4", is.label}}
		if code := jiraDo(t, url, http.MethodPost, "/rest/api/3/issue", map[string]any{"fields": fields}, nil); code != http.StatusCreated {
			t.Fatalf("create: HTTP %d", code)
		}
	}
	tests := []struct {
		name     string
		jql      string
		wantCode int
		wantKeys []string
	}{
		{"label within a project", `project = "SEC" AND labels = "iam4-a-1" ORDER BY created ASC`, 200, []string{"SEC-1"}},
		{"label across projects", `labels = "iam4-a-1"`, 200, []string{"SEC-1", "OPS-3"}},
		{"no match", `project = "SEC" AND labels = "iam4-b-1"`, 200, nil},
		{"a query the fake does not understand is refused", `summary ~ "root"`, 400, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out struct {
				Issues []struct{ Key string }
			}
			code := jiraDo(t, url, http.MethodPost, "/rest/api/3/search/jql", map[string]any{"jql": tt.jql, "fields": []string{"key"}}, &out)
			var keys []string
			for _, is := range out.Issues {
				keys = append(keys, is.Key)
			}
			if diff := cmp.Diff([]any{tt.wantCode, tt.wantKeys}, []any{code, keys}); diff != "" {
				t.Errorf("search (-want +got):\n%s", diff)
			}
		})
	}
}

func TestJiraCommentPropertiesShowOnlyWhenExpanded(t *testing.T) {
	url := jiraServer(t)
	fields := map[string]any{"project": map[string]string{"key": "SEC"}, "summary": "s", "description": adfDoc, "issuetype": map[string]string{"name": "Task"}}
	jiraDo(t, url, http.MethodPost, "/rest/api/3/issue", map[string]any{"fields": fields}, nil)
	body := map[string]any{"body": adfDoc, "properties": []any{map[string]any{"key": "iam4-delivery", "value": map[string]string{"delivery": "k#1"}}}}
	if code := jiraDo(t, url, http.MethodPost, "/rest/api/3/issue/SEC-1/comment", body, nil); code != http.StatusCreated {
		t.Fatalf("comment: HTTP %d", code)
	}
	type comments struct {
		Total    int
		Comments []struct{ Properties []map[string]any }
	}
	var plain, expanded comments
	jiraDo(t, url, http.MethodGet, "/rest/api/3/issue/SEC-1/comment", nil, &plain)
	jiraDo(t, url, http.MethodGet, "/rest/api/3/issue/SEC-1/comment?expand=properties", nil, &expanded)
	if plain.Total != 1 || len(plain.Comments[0].Properties) != 0 {
		t.Errorf("without expand: %+v", plain)
	}
	want := []map[string]any{{"key": "iam4-delivery", "value": map[string]any{"delivery": "k#1"}}}
	if expanded.Total != 1 {
		t.Fatalf("with expand: %+v", expanded)
	}
	if diff := cmp.Diff(want, expanded.Comments[0].Properties); diff != "" {
		t.Errorf("properties (-want +got):\n%s", diff)
	}
}
