package sink

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/iam4-responder/iam4-responder/lambda/internal/textcap"
)

// HTTPError is Jira's refusal: the status and Jira's own messages, redacted.
type HTTPError struct {
	Status  int
	Message string
}

func (e *HTTPError) Error() string { return fmt.Sprintf("HTTP %d: %s", e.Status, e.Message) }

// Bounds of the 429 retries: Jira Cloud's rate limiting answers 429 with Retry-After in seconds
// (Atlassian, "Rate limiting"); a longer wait than maxRetryAfter is not worth the invocation's
// time, the case is retried by Lambda or the sweeper instead.
const (
	maxRateRetries = 3
	maxRetryAfter  = 30 * time.Second
	defaultBackoff = 2 * time.Second
)

func (j Jira) call(ctx context.Context, method, path string, in, out any) error {
	var payload []byte
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		payload = b
	}
	return j.send(ctx, method, path, payload, "application/json", out)
}

// send makes one request of Jira's REST API with the credentials, refreshing them once on 401
// and waiting out 429s, and decodes a JSON answer into out.
func (j Jira) send(ctx context.Context, method, path string, payload []byte, contentType string, out any) error {
	refreshed := false
	for attempt := 0; ; attempt++ {
		email, token, err := j.Creds.Get(ctx)
		if err != nil {
			return err
		}
		status, header, raw, err := j.do(ctx, method, path, payload, contentType, email, token)
		if err != nil {
			return err
		}
		switch {
		case status == http.StatusUnauthorized && !refreshed:
			// The token may have been rotated since the secret was read: read it once more.
			j.Creds.Invalidate(token)
			refreshed = true
			continue
		case status == http.StatusTooManyRequests && attempt < maxRateRetries:
			wait, ok := retryAfter(header.Get("Retry-After"))
			if !ok {
				wait = defaultBackoff << attempt
			}
			if wait > maxRetryAfter {
				return &HTTPError{Status: status, Message: "rate limited for " + wait.String()}
			}
			if err := j.wait(ctx, wait); err != nil {
				return err
			}
			continue
		case status/100 != 2:
			return &HTTPError{Status: status, Message: redact(jiraMessage(raw), token, basic(email, token))}
		}
		if out != nil && len(raw) > 0 {
			if err := json.Unmarshal(raw, out); err != nil {
				return fmt.Errorf("decode answer: %w", err)
			}
		}
		return nil
	}
}

func (j Jira) do(ctx context.Context, method, path string, payload []byte, contentType, email, token string) (int, http.Header, []byte, error) {
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(j.BaseURL, "/")+path, body)
	if err != nil {
		return 0, nil, nil, err
	}
	req.SetBasicAuth(email, token)
	req.Header.Set("Accept", "application/json")
	if payload != nil {
		req.Header.Set("Content-Type", contentType)
	}
	if strings.HasSuffix(path, "/attachments") {
		// Jira refuses uploads without it as a possible cross-site request (REST API v3,
		// "Add attachment").
		req.Header.Set("X-Atlassian-Token", "no-check")
	}
	client := j.HTTP
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, resp.Header, raw, nil
}

func (j Jira) wait(ctx context.Context, d time.Duration) error {
	if j.Wait != nil {
		return j.Wait(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// retryAfter reads Retry-After as seconds or as an HTTP date (RFC 9110, 10.2.3).
func retryAfter(v string) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(0, time.Until(t)), true
	}
	return 0, false
}

// maxMessage caps Jira's error text: it goes into errors that are logged.
const maxMessage = 300

// jiraMessage extracts Jira's error texts; a body that is not Jira's error JSON is not quoted.
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

// jiraMessageMax caps Jira's error texts in our errors (runes): they are logged.
const jiraMessageMax = 300

var (
	// An Authorization header's value, in any of the forms an echoing proxy or server writes.
	authValue = regexp.MustCompile(`(?i)\b(authorization|proxy-authorization)("?\s*[:=]\s*"?)(basic|bearer)?\s*[^\s",;}]+`)
	schemeVal = regexp.MustCompile(`(?i)\b(basic|bearer)\s+[A-Za-z0-9+/=._~-]{8,}`)
	// Atlassian API tokens (ATATT…), JWTs, and any long run of token alphabet.
	tokenLike = regexp.MustCompile(`\bATATT[A-Za-z0-9_=-]+|\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_.-]+|[A-Za-z0-9+/_=-]{32,}`)
)

// redact removes credentials from text that will be logged: the known secrets, their basic
// authentication encoding, Authorization values and anything shaped like a token; then caps it
// without splitting a character.
func redact(s string, secrets ...string) string {
	for _, sec := range secrets {
		if len(sec) >= 4 {
			s = strings.ReplaceAll(s, sec, "[redacted]")
		}
	}
	s = authValue.ReplaceAllString(s, "$1$2[redacted]")
	s = schemeVal.ReplaceAllString(s, "$1 [redacted]")
	s = tokenLike.ReplaceAllString(s, "[redacted]")
	if len(s) > maxMessage {
		n := maxMessage
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		s = s[:n] + "…"
	}
	return s
}

// SecretsAPI is the part of the Secrets Manager client the Jira credentials use.
type SecretsAPI interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// JiraCredentials reads the Jira e-mail and API token from a Secrets Manager secret holding
// {"email": "...", "api_token": "..."}, kept until Jira refuses the token (Invalidate). The
// token is never logged.
type JiraCredentials struct {
	API      SecretsAPI
	SecretID string

	mu           sync.Mutex
	email, token string
}

// Get returns the credentials, reading the secret when none is kept.
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

// Invalidate forgets the kept token if it is still the one Jira refused, so the next Get reads
// the secret again (a concurrent caller may have refreshed it already).
func (c *JiraCredentials) Invalidate(refused string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token == refused {
		c.email, c.token = "", ""
	}
}

// String keeps the token out of anything that prints the credentials.
func (c *JiraCredentials) String() string { return "JiraCredentials{secret: " + c.SecretID + "}" }

// GoString does the same for %#v.
func (c *JiraCredentials) GoString() string { return c.String() }

// basic is the Authorization value's credential part for email and token.
func basic(email, token string) string {
	return base64.StdEncoding.EncodeToString([]byte(email + ":" + token))
}
