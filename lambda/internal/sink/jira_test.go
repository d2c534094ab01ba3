package sink

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/iam4-responder/iam4-responder/internal/emulator"
	"github.com/iam4-responder/iam4-responder/lambda/internal/advice"
	"github.com/iam4-responder/iam4-responder/lambda/internal/investigation"
	"github.com/iam4-responder/iam4-responder/lambda/internal/report"
)

// memSecret is Secrets Manager holding the Jira secret; it counts reads.
type memSecret struct {
	mu    sync.Mutex
	token string
	reads int
}

func (s *memSecret) GetSecretValue(context.Context, *secretsmanager.GetSecretValueInput, ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reads++
	return &secretsmanager.GetSecretValueOutput{SecretString: aws.String(`{"email":"ops@example.com","api_token":"` + s.token + `"}`)}, nil
}

func TestJiraFindsTheIssueOfAnEarlierAttemptByItsLabel(t *testing.T) {
	j := Jira{Project: "SEC", IssueType: "Task", Transition: "Done", Creds: &JiraCredentials{API: &memSecret{token: "t0ken"}}}
	f, _ := sampleFinding(t)
	r := report.New(report.Opened, f, "")
	tests := []struct {
		name      string
		create    []string // delivery keys opened before the search
		find      string
		wantRef   string
		wantFound bool
	}{
		{"nothing created yet", nil, "111122223333/IAM.4#1", "", false},
		{"the epoch's issue is found", []string{"111122223333/IAM.4#1"}, "111122223333/IAM.4#1", "SEC-1", true},
		{"another epoch's issue is not this one", []string{"111122223333/IAM.4#1"}, "111122223333/IAM.4#2", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := emulate(t, &emulator.Scenario{Jira: &emulator.Jira{Email: "ops@example.com", Token: "t0ken", Projects: []string{"SEC"}}})
			j.BaseURL = url
			for _, k := range tt.create {
				if _, err := j.Open(t.Context(), r, k); err != nil {
					t.Fatal(err)
				}
			}
			ref, found, err := j.Find(t.Context(), r, tt.find)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]any{tt.wantRef, tt.wantFound}, []any{ref, found}); diff != "" {
				t.Errorf("Find (-want +got):\n%s", diff)
			}
		})
	}
}

func TestJiraResolveTwiceCommentsOnce(t *testing.T) {
	url := emulate(t, &emulator.Scenario{Jira: &emulator.Jira{Email: "ops@example.com", Token: "t0ken", Projects: []string{"SEC"}}})
	j := Jira{BaseURL: url, Project: "SEC", IssueType: "Task", Transition: "Done", Creds: &JiraCredentials{API: &memSecret{token: "t0ken"}}}
	f, _ := sampleFinding(t)
	key, err := j.Open(t.Context(), report.New(report.Opened, f, ""), "111122223333/IAM.4#1")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if _, err := j.Resolve(t.Context(), report.New(report.Resolved, f, "control passed"), key, "111122223333/IAM.4#1"); err != nil {
			t.Fatalf("resolve %d: %v", i+1, err)
		}
	}
	var comments struct{ Total int }
	if err := j.call(t.Context(), http.MethodGet, "/rest/api/3/issue/"+key+"/comment", nil, &comments); err != nil {
		t.Fatal(err)
	}
	if comments.Total != 1 {
		t.Errorf("%d comments after two resolutions, want 1", comments.Total)
	}
}

// scripted answers requests in order with the given statuses and headers, then 200 "{}".
type scripted struct {
	mu      sync.Mutex
	answers []answer
	auth    []string
}

type answer struct {
	status int
	header map[string]string
	body   string
}

func (s *scripted) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.auth = append(s.auth, r.Header.Get("Authorization"))
	a := answer{status: http.StatusOK, body: `{"key":"SEC-9"}`}
	if len(s.answers) > 0 {
		a, s.answers = s.answers[0], s.answers[1:]
	}
	s.mu.Unlock()
	for k, v := range a.header {
		w.Header().Set(k, v)
	}
	w.WriteHeader(a.status)
	fmt.Fprint(w, a.body)
}

func TestJiraRetriesAndRefreshes(t *testing.T) {
	tests := []struct {
		name      string
		answers   []answer
		wantErr   string // empty: success
		wantReads int    // secret reads
		wantWaits []time.Duration
	}{
		{"a rotated token is read once more after 401", []answer{{status: 401, body: `{"errorMessages":["Client must be authenticated"]}`}},
			"", 2, nil},
		{"a second 401 fails without a third read", []answer{{status: 401}, {status: 401, body: `{"errorMessages":["Client must be authenticated"]}`}},
			"HTTP 401: Client must be authenticated", 2, nil},
		{"429 waits Retry-After seconds", []answer{{status: 429, header: map[string]string{"Retry-After": "7"}}},
			"", 1, []time.Duration{7 * time.Second}},
		{"429 without Retry-After backs off", []answer{{status: 429}, {status: 429}},
			"", 1, []time.Duration{2 * time.Second, 4 * time.Second}},
		{"429 asking for too long a wait gives up", []answer{{status: 429, header: map[string]string{"Retry-After": "3600"}}},
			"HTTP 429", 1, nil},
		{"429 retries are bounded", []answer{{status: 429}, {status: 429}, {status: 429}, {status: 429}},
			"HTTP 429", 1, []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := &scripted{answers: tt.answers}
			hs := httptest.NewServer(srv)
			t.Cleanup(hs.Close)
			secret := &memSecret{token: "t0ken"}
			var waits []time.Duration
			j := Jira{BaseURL: hs.URL, Project: "SEC", IssueType: "Task", Creds: &JiraCredentials{API: secret},
				Wait: func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }}
			f, _ := sampleFinding(t)
			_, err := j.Open(t.Context(), report.New(report.Opened, f, ""), "111122223333/IAM.4#1")
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("Open = %v, want success", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("Open = %v, want an error containing %q", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.wantWaits, waits); diff != "" {
				t.Errorf("waits (-want +got):\n%s", diff)
			}
			if secret.reads != tt.wantReads {
				t.Errorf("secret read %d times, want %d", secret.reads, tt.wantReads)
			}
		})
	}
}

// TestJiraErrorsNeverCarryCredentials sends back error bodies that reflect the request's
// credentials in the forms a proxy or a misconfigured server writes them.
func TestJiraErrorsNeverCarryCredentials(t *testing.T) {
	const token = "ATATT3xFfGF0T4nq8Zp1cRkSecretToken0123456789"
	basicValue := basic("ops@example.com", token)
	bodies := []string{
		`{"errorMessages":["Authorization: Basic ` + basicValue + `"]}`,
		`{"errorMessages":["bad header authorization=Basic ` + basicValue + `"]}`,
		`{"errorMessages":["token ` + token + ` is revoked"]}`,
		`{"errors":{"auth":"Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJvcHMifQ.c2lnbmF0dXJl"}}`,
		`{"errorMessages":["{\"Authorization\":\"Basic ` + basicValue + `\"}"]}`,
		`{"errorMessages":["Proxy-Authorization: Bearer abcdefghijklmnopqrstuvwxyz0123"]}`,
		`{"errorMessages":["session ` + strings.Repeat("a1B2", 12) + ` expired"]}`,
		`{"errors":{"x":"basic ` + basicValue + `"}}`,
		`{"errorMessages":["ATATT3xFfGF0otherTokenLike_value=="]}`,
		`{"errorMessages":["` + strings.Repeat("é", 400) + `"]}`,
	}
	for i, body := range bodies {
		t.Run(fmt.Sprint("variant ", i+1), func(t *testing.T) {
			hs := httptest.NewServer(&scripted{answers: []answer{{status: 400, body: body}}})
			t.Cleanup(hs.Close)
			j := Jira{BaseURL: hs.URL, Project: "SEC", IssueType: "Task", Creds: &JiraCredentials{API: &memSecret{token: token}}}
			f, _ := sampleFinding(t)
			_, err := j.Open(t.Context(), report.New(report.Opened, f, ""), "k")
			if err == nil {
				t.Fatal("a 400 succeeded")
			}
			msg := err.Error()
			for _, secret := range []string{token, basicValue, "eyJhbGciOiJIUzI1NiJ9", "abcdefghijklmnopqrstuvwxyz0123", strings.Repeat("a1B2", 12), "ATATT3xFfGF0other"} {
				if strings.Contains(msg, secret) {
					t.Errorf("error carries a credential: %s", msg)
				}
			}
			if !strings.Contains(msg, "HTTP 400") || len(msg) > maxMessage+100 {
				t.Errorf("error = %q", msg)
			}
		})
	}
}

type apiErr struct{ fault smithy.ErrorFault }

func (e apiErr) Error() string                 { return "api error" }
func (e apiErr) ErrorCode() string             { return "Code" }
func (e apiErr) ErrorMessage() string          { return "message" }
func (e apiErr) ErrorFault() smithy.ErrorFault { return e.fault }

func TestRefusedTellsANoFromAnUnknown(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"Jira 400", &HTTPError{Status: 400}, true},
		{"Jira 429 after the retries", fmt.Errorf("create: %w", &HTTPError{Status: 429}), true},
		{"Jira 408 timeout", &HTTPError{Status: 408}, false},
		{"Jira 500", &HTTPError{Status: 500}, false},
		{"AWS client fault", fmt.Errorf("publish: %w", apiErr{smithy.FaultClient}), true},
		{"AWS server fault", apiErr{smithy.FaultServer}, false},
		{"deadline", context.DeadlineExceeded, false},
		{"connection reset", errors.New("read: connection reset by peer"), false},
	}
	for _, tt := range tests {
		if got := Refused(tt.err); got != tt.want {
			t.Errorf("%s: Refused = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestCaseLabelIsAJiraLabel(t *testing.T) {
	if got := CaseLabel("111122223333/IAM.4#2"); got != "iam4-111122223333-IAM.4-2" {
		t.Errorf("CaseLabel = %q", got)
	}
}

// TestJiraAttachesTheEvidenceItsDescriptionNames: the description says the full evidence and
// every draft policy are attached; the issue holds exactly those files, as the report made them.
func TestJiraAttachesTheEvidenceItsDescriptionNames(t *testing.T) {
	url := emulate(t, &emulator.Scenario{Jira: &emulator.Jira{Email: "ops@example.com", Token: "t0ken", Projects: []string{"SEC"}}})
	j := Jira{BaseURL: url, Project: "SEC", IssueType: "Task", Transition: "Done", Creds: &JiraCredentials{API: &memSecret{token: "t0ken"}}}
	f, _ := sampleFinding(t)
	r := report.New(report.Opened, f, "")
	policy := json.RawMessage(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:PutObject"],"Resource":["*"]}]}`)
	r.Evidence = &investigation.Result{Account: "111122223333", Advice: advice.Advice{Decision: advice.ReplaceWithUser,
		Policies: advice.Drafts{Groups: []advice.DraftPolicy{{Target: "user", Name: "iam4-root-key-user-1", Where: "outside_aws",
			Calls: 3, Callers: []advice.PolicyCaller{{IP: "203.0.113.7", Calls: 3}}, Policy: policy}}}}}
	key, err := j.Open(t.Context(), r, "111122223333/IAM.4#1")
	if err != nil {
		t.Fatal(err)
	}
	var issue struct {
		Fields struct {
			Attachment []struct {
				Filename string
				MimeType string
				Size     int
			}
			Comment struct{ Total int }
		}
	}
	req, _ := http.NewRequest(http.MethodGet, url+"/rest/api/3/issue/"+key, nil)
	req.SetBasicAuth("ops@example.com", "t0ken")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&issue); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range issue.Fields.Attachment {
		got = append(got, a.Filename)
		if a.MimeType != "application/json" || a.Size == 0 {
			t.Errorf("attachment %+v", a)
		}
	}
	var want []string
	for _, a := range r.JiraAttachments() {
		want = append(want, a.Name)
	}
	if diff := cmp.Diff(want, got); diff != "" || len(got) != 2 {
		t.Errorf("attachments (-want +got):\n%s (want the policy and the evidence)", diff)
	}
	if issue.Fields.Comment.Total != 0 {
		t.Errorf("%d comments: an upload failed", issue.Fields.Comment.Total)
	}
}
