package sink

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/iam4-responder/iam4-responder/internal/emulator"
	"github.com/iam4-responder/iam4-responder/internal/samples"
	"github.com/iam4-responder/iam4-responder/internal/testenv"
	"github.com/iam4-responder/iam4-responder/lambda/internal/finding"
	"github.com/iam4-responder/iam4-responder/lambda/internal/report"
)

// sampleFinding is the consolidated FAILED sample, parsed by the intake.
func sampleFinding(t *testing.T) (finding.Finding, map[string]any) {
	t.Helper()
	raw, err := samples.File("iam4-consolidated-failed.json")
	if err != nil {
		t.Fatal(err)
	}
	ev, err := finding.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return ev.Findings[0], m["detail"].(map[string]any)["findings"].([]any)[0].(map[string]any)
}

func emulate(t *testing.T, s *emulator.Scenario) string {
	t.Helper()
	if s.Account == "" {
		s.Account = "111122223333"
	}
	srv, err := emulator.New(s, nil)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return hs.URL
}

func TestOpsItemOpensOncePerCaseAndResolves(t *testing.T) {
	url := emulate(t, &emulator.Scenario{})
	api := ssm.NewFromConfig(testenv.AWSConfig(url))
	f, _ := sampleFinding(t)
	o := OpsItem{API: api}
	id, err := o.Open(t.Context(), report.New(report.Opened, f, ""), "111122223333/IAM.4#1")
	if err != nil {
		t.Fatal(err)
	}
	// A second delivery (another Lambda, a lost ledger write) meets OpsCenter's dedup.
	again, err := o.Open(t.Context(), report.New(report.Opened, f, ""), "111122223333/IAM.4#1")
	if err != nil || again != id {
		t.Fatalf("second Open = %q, %v; want the same OpsItem %q", again, err, id)
	}
	item, err := api.GetOpsItem(t.Context(), &ssm.GetOpsItemInput{OpsItemId: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	got := item.OpsItem
	if aws.ToString(got.Source) != "iam4-responder" || aws.ToString(got.Category) != "Security" || aws.ToString(got.Severity) != "1" ||
		!strings.Contains(aws.ToString(got.OperationalData["/aws/dedup"].Value), "111122223333/IAM.4") {
		t.Errorf("OpsItem = %+v", got)
	}
	if _, err := o.Resolve(t.Context(), report.New(report.Resolved, f, "control passed"), id, "111122223333/IAM.4#1"); err != nil {
		t.Fatal(err)
	}
	item, _ = api.GetOpsItem(t.Context(), &ssm.GetOpsItemInput{OpsItemId: aws.String(id)})
	if item.OpsItem.Status != "Resolved" {
		t.Errorf("status = %s after Resolve", item.OpsItem.Status)
	}
}

func jiraSink(t *testing.T, url, token string) Jira {
	t.Helper()
	cfg := testenv.AWSConfig(testenv.Moto(t))
	sm := secretsmanager.NewFromConfig(cfg)
	name := testenv.Name("jira")
	secret, err := sm.CreateSecret(t.Context(), &secretsmanager.CreateSecretInput{
		Name: aws.String(name), SecretString: aws.String(`{"email":"ops@example.com","api_token":"` + token + `"}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	return Jira{BaseURL: url, Project: "SEC", IssueType: "Task", Labels: []string{"iam4", "security"},
		Priorities: map[string]string{"CRITICAL": "Highest"}, Transition: "Done", HTTP: http.DefaultClient,
		Creds: &JiraCredentials{API: sm, SecretID: aws.ToString(secret.ARN)}}
}

func TestJiraOpensCommentsAndTransitions(t *testing.T) {
	url := emulate(t, &emulator.Scenario{Jira: &emulator.Jira{Email: "ops@example.com", Token: "t0ken", Projects: []string{"SEC"}}})
	j := jiraSink(t, url, "t0ken")
	f, _ := sampleFinding(t)
	key, err := j.Open(t.Context(), report.New(report.Opened, f, ""), "111122223333/IAM.4#1")
	if err != nil {
		t.Fatal(err)
	}
	if key != "SEC-1" {
		t.Errorf("key = %q", key)
	}
	if _, err := j.Resolve(t.Context(), report.New(report.Resolved, f, "control passed"), key, "111122223333/IAM.4#1"); err != nil {
		t.Fatal(err)
	}
	var issue struct {
		Fields struct {
			Status   struct{ Name string }
			Priority struct{ Name string }
			Labels   []string
			Comment  struct{ Total int }
		}
	}
	req, _ := http.NewRequest(http.MethodGet, url+"/rest/api/3/issue/"+key, nil)
	req.SetBasicAuth("ops@example.com", "t0ken")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_ = json.NewDecoder(resp.Body).Decode(&issue)
	if issue.Fields.Status.Name != "Done" || issue.Fields.Priority.Name != "Highest" || issue.Fields.Comment.Total != 1 ||
		strings.Join(issue.Fields.Labels, ",") != "iam4,security,iam4-111122223333-IAM.4-1" {
		t.Errorf("issue = %+v", issue)
	}
}

func TestJiraErrors(t *testing.T) {
	url := emulate(t, &emulator.Scenario{Jira: &emulator.Jira{Email: "ops@example.com", Token: "t0ken", Projects: []string{"SEC"}}})
	f, _ := sampleFinding(t)
	bad := jiraSink(t, url, "wrong")
	if _, err := bad.Open(t.Context(), report.New(report.Opened, f, ""), "111122223333/IAM.4#1"); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("wrong token: %v", err)
	}
	if strings.Contains(fmt.Sprint(bad.Creds), "wrong") {
		t.Error("the token shows in the credentials' printed form")
	}
	j := jiraSink(t, url, "t0ken")
	j.Project = "NOPE"
	if _, err := j.Open(t.Context(), report.New(report.Opened, f, ""), "111122223333/IAM.4#1"); err == nil || !strings.Contains(err.Error(), "project") {
		t.Errorf("unknown project: %v", err)
	}
	j.Project, j.Transition = "SEC", "Closed"
	key, err := j.Open(t.Context(), report.New(report.Opened, f, ""), "111122223333/IAM.4#1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := j.Resolve(t.Context(), report.New(report.Resolved, f, "passed"), key, "111122223333/IAM.4#1"); err == nil || !strings.Contains(err.Error(), `"Closed"`) {
		t.Errorf("missing transition: %v", err)
	}
}

func TestSecurityHubWriteBack(t *testing.T) {
	f, raw := sampleFinding(t)
	rawJSON, _ := json.Marshal(raw)
	url := emulate(t, &emulator.Scenario{Findings: []json.RawMessage{rawJSON}})
	api := securityhub.NewFromConfig(testenv.AWSConfig(url))
	s := SecurityHub{API: api}
	note := report.New(report.Opened, f, "").SecurityHubNote(map[string]string{"jira": "SEC-1"})
	if err := s.Notified(t.Context(), f, note, map[string]string{"jira": "SEC-1"}); err != nil {
		t.Fatal(err)
	}
	out, err := api.GetFindings(t.Context(), &securityhub.GetFindingsInput{Filters: &shtypes.AwsSecurityFindingFilters{
		Id: []shtypes.StringFilter{{Value: aws.String(f.ID), Comparison: shtypes.StringFilterComparisonEquals}},
	}})
	if err != nil || len(out.Findings) != 1 {
		t.Fatalf("GetFindings = %v, %v", out, err)
	}
	got := out.Findings[0]
	if got.Workflow.Status != shtypes.WorkflowStatusNotified || aws.ToString(got.Note.Text) != note ||
		got.UserDefinedFields["iam4:jira"] != "SEC-1" || got.UserDefinedFields["iam4:case"] != "111122223333/IAM.4" {
		t.Errorf("finding after write-back: workflow %v, note %v, fields %v", got.Workflow, got.Note, got.UserDefinedFields)
	}
	unknown := f
	unknown.ID = "arn:aws:securityhub:us-west-2:111122223333:security-control/IAM.4/finding/unknown"
	if err := s.Notified(t.Context(), unknown, note, nil); err == nil || !strings.Contains(err.Error(), "FindingNotFound") {
		t.Errorf("unknown finding: %v", err)
	}
}

func TestChatPublishesTheNotificationJSON(t *testing.T) {
	cfg := testenv.AWSConfig(testenv.Moto(t))
	topic, queue := testenv.TopicWithQueue(t, cfg, testenv.Name("chat"))
	f, _ := sampleFinding(t)
	c := Chat{SNS: SNS{API: sns.NewFromConfig(cfg), TopicARN: topic}}
	if _, err := c.Open(t.Context(), report.New(report.Opened, f, ""), "111122223333/IAM.4#1"); err != nil {
		t.Fatal(err)
	}
	var envelope struct{ Message string }
	_ = json.Unmarshal([]byte(aws.ToString(testenv.Receive(t, cfg, queue, 1)[0].Body)), &envelope)
	var n struct {
		Version, Source string
		Content         struct{ TextType, Title string }
	}
	if err := json.Unmarshal([]byte(envelope.Message), &n); err != nil || n.Version != "1.0" || n.Source != "custom" || n.Content.TextType != "client-markdown" {
		t.Errorf("chat message = %s (%v)", envelope.Message, err)
	}
}

func TestSecurityHubWriteBackV2(t *testing.T) {
	raw, err := samples.File("ocsf-iam4-failed.json")
	if err != nil {
		t.Fatal(err)
	}
	ev, err := finding.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	f := ev.Findings[0]
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	ocsf, _ := json.Marshal(m["detail"].(map[string]any)["findings"].([]any)[0])
	url := emulate(t, &emulator.Scenario{FindingsV2: []json.RawMessage{ocsf}})
	s := SecurityHub{API: securityhub.NewFromConfig(testenv.AWSConfig(url))}
	note := report.New(report.Opened, f, "").SecurityHubNote(map[string]string{"jira": "SEC-1"})
	if err := s.Notified(t.Context(), f, note, map[string]string{"jira": "SEC-1"}); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(url+"/findingsv2", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Findings []struct {
			StatusID int    `json:"status_id"`
			Comment  string `json:"comment"`
		}
	}
	_ = json.NewDecoder(resp.Body).Decode(&out)
	if len(out.Findings) != 1 || out.Findings[0].StatusID != 2 || out.Findings[0].Comment != note {
		t.Errorf("OCSF finding after write-back: %+v", out.Findings)
	}
	unknown := f
	unknown.ID += "-unknown"
	if err := s.Notified(t.Context(), unknown, note, nil); err == nil || !strings.Contains(err.Error(), "ResourceNotFoundException") {
		t.Errorf("unknown finding: %v", err)
	}
}
