package sink

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/iam4-responder/iam4-responder/lambda/internal/report"
	"github.com/iam4-responder/iam4-responder/lambda/internal/textcap"
)

// Jira opens one Jira Cloud issue per case (REST API v3) and, when the case closes, comments
// on it and moves it through the configured transition.
type Jira struct {
	BaseURL    string // https://your-domain.atlassian.net
	Project    string
	IssueType  string
	Labels     []string
	Priorities map[string]string // finding severity label → priority name; no entry leaves Jira's default
	Transition string            // the transition that closes the issue, e.g. "Done"
	HTTP       *http.Client
	Creds      *JiraCredentials
}

// Name is the sink's name.
func (Jira) Name() string { return "jira" }

// Open creates the issue and returns its key.
func (j Jira) Open(ctx context.Context, r report.Report) (string, error) {
	fields := map[string]any{
		"project":     map[string]string{"key": j.Project},
		"summary":     r.JiraSummary(),
		"description": r.JiraDescription(),
		"issuetype":   map[string]string{"name": j.IssueType},
	}
	if len(j.Labels) > 0 {
		fields["labels"] = j.Labels
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
	return out.Key, nil
}

// Resolve comments on the issue and applies the closing transition.
func (j Jira) Resolve(ctx context.Context, r report.Report, key string) (string, error) {
	if key == "" {
		return "", errors.New("resolve Jira issue: no issue key recorded for the case")
	}
	path := "/rest/api/3/issue/" + url.PathEscape(key)
	if err := j.call(ctx, http.MethodPost, path+"/comment", map[string]any{"body": r.JiraResolution()}, nil); err != nil {
		return "", fmt.Errorf("comment on %s: %w", key, err)
	}
	var ts struct {
		Transitions []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"transitions"`
	}
	if err := j.call(ctx, http.MethodGet, path+"/transitions", nil, &ts); err != nil {
		return "", fmt.Errorf("list transitions of %s: %w", key, err)
	}
	for _, t := range ts.Transitions {
		if strings.EqualFold(t.Name, j.Transition) {
			body := map[string]any{"transition": map[string]string{"id": t.ID}}
			if err := j.call(ctx, http.MethodPost, path+"/transitions", body, nil); err != nil {
				return "", fmt.Errorf("transition %s to %q: %w", key, j.Transition, err)
			}
			return key, nil
		}
	}
	return "", fmt.Errorf("issue %s offers no transition named %q", key, j.Transition)
}

func (j Jira) call(ctx context.Context, method, path string, in, out any) error {
	email, token, err := j.Creds.Get(ctx)
	if err != nil {
		return err
	}
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(j.BaseURL, "/")+path, body)
	if err != nil {
		return err
	}
	req.SetBasicAuth(email, token)
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	client := j.HTTP
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("HTTP %d: %s", resp.StatusCode, jiraMessage(raw))
	}
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("decode answer: %w", err)
		}
	}
	return nil
}

// jiraMessageMax caps Jira's error texts in our errors (runes): they are logged.
const jiraMessageMax = 300

// jiraMessage extracts Jira's error texts, capped: they are logged.
func jiraMessage(raw []byte) string {
	var e struct {
		ErrorMessages []string          `json:"errorMessages"`
		Errors        map[string]string `json:"errors"`
	}
	if json.Unmarshal(raw, &e) != nil {
		return "(no JSON error body)"
	}
	msgs := e.ErrorMessages
	for k, v := range e.Errors {
		msgs = append(msgs, k+": "+v)
	}
	return textcap.Runes(strings.Join(msgs, "; "), jiraMessageMax)
}

// SecretsAPI is the part of the Secrets Manager client the Jira credentials use.
type SecretsAPI interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// JiraCredentials reads the Jira e-mail and API token from a Secrets Manager secret holding
// {"email": "...", "api_token": "..."}, once per cold start. The token is never logged.
type JiraCredentials struct {
	API      SecretsAPI
	SecretID string

	mu           sync.Mutex
	email, token string
}

// Get returns the credentials, reading the secret on first use.
func (c *JiraCredentials) Get(ctx context.Context) (string, string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token != "" {
		return c.email, c.token, nil
	}
	out, err := c.API.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(c.SecretID)})
	if err != nil {
		return "", "", fmt.Errorf("read the Jira secret: %w", err)
	}
	var v struct {
		Email    string `json:"email"`
		APIToken string `json:"api_token"`
	}
	if err := json.Unmarshal([]byte(aws.ToString(out.SecretString)), &v); err != nil || v.Email == "" || v.APIToken == "" {
		return "", "", errors.New(`the Jira secret must be JSON {"email": "...", "api_token": "..."}`)
	}
	c.email, c.token = v.Email, v.APIToken
	return c.email, c.token, nil
}

// String keeps the token out of anything that prints the credentials.
func (c *JiraCredentials) String() string { return "JiraCredentials{secret: " + c.SecretID + "}" }

// GoString does the same for %#v.
func (c *JiraCredentials) GoString() string { return c.String() }
