package sink

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"time"

	"github.com/iam4-responder/iam4-responder/lambda/internal/report"
	"github.com/iam4-responder/iam4-responder/lambda/internal/textcap"
)

// Jira opens one Jira Cloud issue per case and epoch (REST API v3) and, when the case closes,
// comments on it and moves it through the configured transition. Each issue carries a label
// naming its delivery key, so an attempt whose answer was lost is found by search instead of
// being created twice.
type Jira struct {
	BaseURL    string // https://your-domain.atlassian.net
	Project    string
	IssueType  string
	Labels     []string
	Priorities map[string]string // finding severity label → priority name; no entry leaves Jira's default
	Transition string            // the transition that closes the issue, e.g. "Done"
	// Statuses names the transition to take when the case's follow-up enters a state (keys are
	// followup.State values: deactivated, ready_to_delete, …); no entry leaves the status alone.
	Statuses map[string]string
	HTTP     *http.Client
	Creds    *JiraCredentials
	// Wait sleeps before a retry after HTTP 429 (a timer honouring ctx when nil).
	Wait func(ctx context.Context, d time.Duration) error
}

// Name is the sink's name.
func (Jira) Name() string { return "jira" }

// Repeatable says Resolve may run again (it checks the issue before commenting and
// transitioning); Open may not, it is found by label instead (Find).
func (Jira) Repeatable(phase string) bool { return phase == "resolve" }

// CaseLabel is the label that names a delivery key in Jira (labels cannot hold spaces; the
// key's "/" and "#" become "-").
func CaseLabel(key string) string {
	return "iam4-" + strings.NewReplacer("/", "-", "#", "-", " ", "-").Replace(key)
}

// Open creates the issue and returns its key.
func (j Jira) Open(ctx context.Context, r report.Report, key string) (string, error) {
	fields := map[string]any{
		"project":     map[string]string{"key": j.Project},
		"summary":     r.JiraSummary(),
		"description": r.JiraDescription(),
		"issuetype":   map[string]string{"name": j.IssueType},
		"labels":      append(append([]string{}, j.Labels...), CaseLabel(key)),
	}
	if p := j.Priorities[strings.ToUpper(r.Finding.Severity)]; p != "" {
		fields["priority"] = map[string]string{"name": p}
	}
	var out struct {
		Key string `json:"key"`
	}
	if err := j.call(ctx, http.MethodPost, "/rest/api/3/issue", map[string]any{"fields": fields}, &out); err != nil {
		return "", fmt.Errorf("create Jira issue: %w", err)
	}
	if out.Key == "" {
		return "", errors.New("create Jira issue: no key in the answer")
	}
	// The description names the attachments (the full evidence and every draft policy). The
	// issue exists now, so a failed upload does not fail the delivery: a comment says what is
	// missing instead, and the e-mail and the OpsItem still carry the evidence.
	if files := r.JiraAttachments(); len(files) > 0 {
		if err := j.attach(ctx, out.Key, files); err != nil {
			note := report.ADF{Type: "doc", Version: 1, Content: []report.ADF{{Type: "paragraph", Content: []report.ADF{
				{Type: "text", Text: "iam4-responder could not attach the evidence and draft policies: " + textcap.Runes(err.Error(), 300)}}}}}
			_ = j.call(ctx, http.MethodPost, "/rest/api/3/issue/"+out.Key+"/comment", map[string]any{"body": note}, nil)
		}
	}
	return out.Key, nil
}

// attach uploads files to the issue (POST /rest/api/3/issue/{key}/attachments: multipart parts
// named "file").
func (j Jira) attach(ctx context.Context, key string, files []report.Attachment) error {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, f := range files {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename=%q`, f.Name))
		h.Set("Content-Type", f.ContentType)
		w, err := mw.CreatePart(h)
		if err != nil {
			return err
		}
		if _, err := w.Write(f.Body); err != nil {
			return err
		}
	}
	if err := mw.Close(); err != nil {
		return err
	}
	if err := j.send(ctx, http.MethodPost, "/rest/api/3/issue/"+key+"/attachments", body.Bytes(), mw.FormDataContentType(), nil); err != nil {
		return fmt.Errorf("attach files to %s: %w", key, err)
	}
	return nil
}

// Find looks for the issue an earlier attempt created for key, by its label (JQL search,
// POST /rest/api/3/search/jql). Jira's search index may lag a fresh issue by seconds; a takeover
// comes at least a lease later.
func (j Jira) Find(ctx context.Context, _ report.Report, key string) (string, bool, error) {
	jql := fmt.Sprintf("project = %q AND labels = %q ORDER BY created ASC", j.Project, CaseLabel(key))
	var out struct {
		Issues []struct {
			Key string `json:"key"`
		} `json:"issues"`
	}
	body := map[string]any{"jql": jql, "fields": []string{"key"}, "maxResults": 1}
	if err := j.call(ctx, http.MethodPost, "/rest/api/3/search/jql", body, &out); err != nil {
		return "", false, fmt.Errorf("search Jira for %s: %w", CaseLabel(key), err)
	}
	if len(out.Issues) == 0 {
		return "", false, nil
	}
	return out.Issues[0].Key, true, nil
}

// commentProperty marks the resolution comment with its delivery key, so a repeated Resolve
// sees that the comment exists.
const commentProperty = "iam4-delivery"

// Resolve comments on the issue and applies the closing transition, skipping what an earlier
// attempt already did.
func (j Jira) Resolve(ctx context.Context, r report.Report, issue, key string) (string, error) {
	if issue == "" {
		return "", errors.New("resolve Jira issue: no issue key recorded for the case")
	}
	if err := j.commentOnce(ctx, issue, r.JiraResolution(), key); err != nil {
		return "", err
	}
	moved, err := j.transition(ctx, issue, j.Transition)
	if err != nil {
		return "", err
	}
	if !moved {
		return "", fmt.Errorf("issue %s offers no transition named %q", issue, j.Transition)
	}
	return issue, nil
}

// commentOnce comments on the issue unless a comment carrying the delivery key exists (an
// earlier attempt whose answer was lost).
func (j Jira) commentOnce(ctx context.Context, issue string, body report.ADF, key string) error {
	path := "/rest/api/3/issue/" + url.PathEscape(issue)
	var comments struct {
		Comments []struct {
			Properties []struct {
				Key   string `json:"key"`
				Value struct {
					Delivery string `json:"delivery"`
				} `json:"value"`
			} `json:"properties"`
		} `json:"comments"`
	}
	if err := j.call(ctx, http.MethodGet, path+"/comment?expand=properties&maxResults=100", nil, &comments); err != nil {
		return fmt.Errorf("list comments of %s: %w", issue, err)
	}
	for _, c := range comments.Comments {
		for _, p := range c.Properties {
			if p.Key == commentProperty && p.Value.Delivery == key {
				return nil
			}
		}
	}
	in := map[string]any{"body": body,
		"properties": []map[string]any{{"key": commentProperty, "value": map[string]string{"delivery": key}}}}
	if err := j.call(ctx, http.MethodPost, path+"/comment", in, nil); err != nil {
		return fmt.Errorf("comment on %s: %w", issue, err)
	}
	return nil
}

// transition applies the transition named name; moved is false when the issue offers none of
// that name and is not in a status of that name already (an earlier attempt moved it).
func (j Jira) transition(ctx context.Context, issue, name string) (moved bool, err error) {
	path := "/rest/api/3/issue/" + url.PathEscape(issue)
	var ts struct {
		Transitions []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"transitions"`
	}
	if err := j.call(ctx, http.MethodGet, path+"/transitions", nil, &ts); err != nil {
		return false, fmt.Errorf("list transitions of %s: %w", issue, err)
	}
	for _, t := range ts.Transitions {
		if strings.EqualFold(t.Name, name) {
			body := map[string]any{"transition": map[string]string{"id": t.ID}}
			if err := j.call(ctx, http.MethodPost, path+"/transitions", body, nil); err != nil {
				return false, fmt.Errorf("transition %s to %q: %w", issue, name, err)
			}
			return true, nil
		}
	}
	var st struct {
		Fields struct {
			Status struct {
				Name string `json:"name"`
			} `json:"status"`
		} `json:"fields"`
	}
	if err := j.call(ctx, http.MethodGet, path+"?fields=status", nil, &st); err == nil && strings.EqualFold(st.Fields.Status.Name, name) {
		return true, nil // an earlier attempt moved it already
	}
	return false, nil
}
