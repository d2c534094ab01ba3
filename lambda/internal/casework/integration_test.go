package casework

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/iam4-responder/iam4-responder/internal/emulator"
	"github.com/iam4-responder/iam4-responder/internal/faults"
	"github.com/iam4-responder/iam4-responder/internal/testenv"
	"github.com/iam4-responder/iam4-responder/lambda/internal/awsenv"
	"github.com/iam4-responder/iam4-responder/lambda/internal/config"
	"github.com/iam4-responder/iam4-responder/lambda/internal/investigation"
	"github.com/iam4-responder/iam4-responder/lambda/internal/ledger"
)

// local is the responder wired exactly as in Lambda (newHandler, loadAWS, endpoint variables),
// against moto (DynamoDB, SNS→SQS, Secrets Manager, STS) and the emulator (CloudTrail, IAM,
// Account, SSM OpsCenter, Security Hub, Jira).
type local struct {
	h           *Handler
	server      *emulator.Server
	aws         aws.Config
	emulator    string
	emailQueue  string
	chatQueue   string
	jiraMode    atomic.Value // "", "500" or "hang"
	expire      atomic.Value // the running invocation's context.CancelFunc, for "hang"
	clock       *faults.Clock
	jiraUser    string
	jiraToken   string
	findingIDs  []string
	motoConfig  aws.Config
	findingsRaw []json.RawMessage
}

var regions = []string{"us-west-2", "eu-west-1", "ap-northeast-1"}

// startLocal starts the stand-ins; tune may change the emulator's scenario and the function's
// configuration before the handler is built.
func startLocal(t *testing.T, tune ...func(*emulator.Scenario, *config.Config)) *local {
	t.Helper()
	l := &local{jiraUser: "ops@example.com", jiraToken: "t0ken"}
	l.jiraMode.Store("")
	moto := testenv.Moto(t)
	l.motoConfig = testenv.AWSConfig(moto)

	// One case in three Regions and two standards: six findings Security Hub knows.
	for _, region := range regions {
		for _, sample := range []string{"iam4-consolidated-failed.json", "iam4-fsbp-failed.json"} {
			var ev map[string]any
			_ = json.Unmarshal(regionEvent(t, sample, region), &ev)
			f := ev["detail"].(map[string]any)["findings"].([]any)[0]
			b, _ := json.Marshal(f)
			l.findingsRaw = append(l.findingsRaw, b)
			l.findingIDs = append(l.findingIDs, f.(map[string]any)["Id"].(string))
		}
	}
	scenario := &emulator.Scenario{
		Account: testenv.Account,
		Root: emulator.Root{MFA: true, Keys: []emulator.RootKey{{ID: "AKIAIOSFODNN7EXAMPLE", Active: true,
			Created: time.Now().AddDate(-1, 0, 0), LastUsed: time.Now().Add(-time.Hour), LastUsedRegion: "ap-northeast-1", LastUsedService: "s3"}}},
		Generate: []emulator.Generator{
			{Region: "ap-northeast-1", Count: 60, Days: 30, Key: "AKIAIOSFODNN7EXAMPLE", IPs: []string{"54.250.10.11"},
				UserAgent: "aws-sdk-go-v2/1.30.0 os/linux lang/go#1.22", Actions: []string{"ec2:CreateSnapshot", "ec2:DescribeSnapshots"}},
			{Region: "us-west-2", Count: 4, Days: 30, Key: "AKIAIOSFODNN7EXAMPLE", IPs: []string{"203.0.113.7"},
				UserAgent: "aws-cli/2.15.0 Python/3.11.6", Actions: []string{"ec2:DescribeInstances"}},
		},
		Findings:   l.findingsRaw,
		FindingsV2: []json.RawMessage{ocsfFinding(t, "ocsf-iam4-failed.json")},
		Jira:       &emulator.Jira{Email: l.jiraUser, Token: l.jiraToken, Projects: []string{"SEC"}},
	}
	cfg := config.Config{}
	for _, f := range tune {
		f(scenario, &cfg)
	}
	srv, err := emulator.New(scenario, nil)
	if err != nil {
		t.Fatal(err)
	}
	l.server = srv
	em := httptest.NewServer(srv)
	t.Cleanup(em.Close)
	l.emulator = em.URL

	// Jira sits behind a proxy that can fail or hang on demand.
	target, _ := url.Parse(em.URL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	jira := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch l.jiraMode.Load() {
		case "500":
			http.Error(w, `{"errorMessages":["Internal server error"]}`, http.StatusInternalServerError)
		case "hang":
			if r.Method != http.MethodPost || r.URL.Path != "/rest/api/3/issue" {
				proxy.ServeHTTP(w, r)
				return
			}
			// Jira creates the issue, then its answer does not come before the invocation's
			// deadline: the deadline is reached (deterministically, by cancelling the
			// invocation's context) while the request waits.
			proxy.ServeHTTP(httptest.NewRecorder(), r)
			l.expire.Load().(context.CancelFunc)()
			<-r.Context().Done()
		default:
			proxy.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(jira.Close)

	t.Setenv("AWS_ENDPOINT_URL", moto)
	// STS too: the emulator's AssumeRole hands out credentials that name the member account.
	for _, svc := range []string{"CLOUDTRAIL", "IAM", "ACCOUNT", "SSM", "SECURITYHUB", "STS"} {
		t.Setenv("AWS_ENDPOINT_URL_"+svc, em.URL)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_REGION", testenv.Region)
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")

	name := testenv.Name("e2e")
	emailTopic, emailQueue := testenv.TopicWithQueue(t, l.motoConfig, name+"-email")
	chatTopic, chatQueue := testenv.TopicWithQueue(t, l.motoConfig, name+"-chat")
	dlq, _ := testenv.Queue(t, l.motoConfig, name+"-dlq")
	secret, err := secretsmanager.NewFromConfig(l.motoConfig).CreateSecret(t.Context(), &secretsmanager.CreateSecretInput{
		Name: aws.String(name), SecretString: aws.String(`{"email":"` + l.jiraUser + `","api_token":"` + l.jiraToken + `"}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	l.emailQueue, l.chatQueue = emailQueue, chatQueue
	tuned := cfg
	cfg = config.Config{
		TopicARN: emailTopic, ChatTopicARN: chatTopic, LedgerTable: testenv.Table(t, l.motoConfig, name, ledger.Key),
		DeadLetterQueue: dlq, ClaimLease: 2 * time.Minute, Regions: []string{"us-west-2", "ap-northeast-1"},
		LookbackDays: 90, Language: "en", OpsCenter: true, SecurityHub: true,
		Jira: &config.Jira{URL: jira.URL, Project: "SEC", IssueType: "Task", Transition: "Done",
			Priorities: map[string]string{"CRITICAL": "Highest"}, Labels: []string{"iam4"}, SecretARN: aws.ToString(secret.ARN)},
		MemberRole: config.DefaultMemberRole, AllowedAccounts: tuned.AllowedAccounts, OrganizationID: tuned.OrganizationID,
		Containment: tuned.Containment, ManagementAccount: tuned.ManagementAccount,
	}
	if tuned.Regions != nil {
		cfg.Regions = tuned.Regions
	}
	awsCfg, err := awsenv.Load(os.Getenv, investigation.Retryer) // the function's own loader
	if err != nil {
		t.Fatal(err)
	}
	l.aws = awsCfg
	if l.h, err = New(t.Context(), cfg, awsCfg, quietLog()); err != nil {
		t.Fatal(err)
	}
	l.clock = faults.NewClock(time.Now())
	l.h.Now, l.h.Ledger.Now = l.clock.Now, l.clock.Now
	return l
}

func (l *local) events(t *testing.T, sample string) []json.RawMessage {
	var out []json.RawMessage
	for _, region := range regions {
		for _, s := range []string{sample, strings.Replace(sample, "consolidated", "fsbp", 1)} {
			out = append(out, regionEvent(t, s, region))
		}
	}
	return out
}

// handle runs one event as Lambda would. A finding of a case owned elsewhere is attached to it
// and needs no retry.
func (l *local) handle(t *testing.T, ev json.RawMessage) error { return l.h.Handle(t.Context(), ev) }

func (l *local) opsItems(t *testing.T) []string {
	out, err := ssm.NewFromConfig(l.aws).DescribeOpsItems(t.Context(), &ssm.DescribeOpsItemsInput{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, it := range out.OpsItemSummaries {
		ids = append(ids, aws.ToString(it.OpsItemId)+"="+string(it.Status))
	}
	return ids
}

func (l *local) jiraIssue(t *testing.T, key string) (status string, comments int, ok bool) {
	req, _ := http.NewRequest(http.MethodGet, l.emulator+"/rest/api/3/issue/"+key, nil)
	req.SetBasicAuth(l.jiraUser, l.jiraToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return "", 0, false
	}
	var is struct {
		Fields struct {
			Status  struct{ Name string }
			Comment struct{ Total int }
		}
	}
	_ = json.NewDecoder(resp.Body).Decode(&is)
	return is.Fields.Status.Name, is.Fields.Comment.Total, true
}

func (l *local) findings(t *testing.T) []shtypes.AwsSecurityFinding {
	var all []shtypes.AwsSecurityFinding
	// GetFindings answers at most 100 findings a page, as Security Hub does.
	p := securityhub.NewGetFindingsPaginator(securityhub.NewFromConfig(l.aws), &securityhub.GetFindingsInput{})
	for p.HasMorePages() {
		out, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, out.Findings...)
	}
	return all
}

// TestEndToEndOneTicketPerSinkUnderDuplicatesAndTheLifecycle sends 50 concurrent copies of one
// event and the case's findings from 3 Regions and 2 standards, re-imports them while the key is
// deactivated, and then the PASSED findings.
func TestEndToEndOneTicketPerSinkUnderDuplicatesAndTheLifecycle(t *testing.T) {
	l := startLocal(t)
	failed := l.events(t, "iam4-consolidated-failed.json")

	// Fifty concurrent events: the six findings of the case, duplicated. moto's conditional
	// writes are not atomic, so this race runs on the atomic in-memory store; the sequential
	// tests below run the DynamoDB store on the wire.
	l.h.Ledger = &ledger.Ledger{Store: memoryLedger()}
	var wg sync.WaitGroup
	errs := make([]error, 50)
	for i := range 50 {
		wg.Go(func() { errs[i] = l.h.Handle(t.Context(), failed[i%len(failed)]) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("a delivery failed: %v", err)
	}

	email := testenv.Receive(t, l.motoConfig, l.emailQueue, 1)
	if !strings.Contains(aws.ToString(email[0].Body), "callers inside and outside AWS") {
		t.Errorf("e-mail without the evidence's decision: %s", aws.ToString(email[0].Body))
	}
	testenv.Receive(t, l.motoConfig, l.chatQueue, 1)
	items := l.opsItems(t)
	if len(items) != 1 || !strings.HasSuffix(items[0], "=Open") {
		t.Errorf("OpsItems = %v, want one open", items)
	}
	if status, _, ok := l.jiraIssue(t, "SEC-1"); !ok || status != "To Do" {
		t.Errorf("SEC-1: %q %v", status, ok)
	}
	if _, _, ok := l.jiraIssue(t, "SEC-2"); ok {
		t.Error("a second Jira issue exists")
	}
	opsID := strings.TrimSuffix(items[0], "=Open")
	for _, f := range l.findings(t) {
		if f.Workflow.Status != shtypes.WorkflowStatusNotified || !strings.Contains(aws.ToString(f.Note.Text), "jira SEC-1") ||
			f.UserDefinedFields["iam4:opsitem"] != opsID {
			t.Errorf("finding %s: workflow %s, note %q, fields %v", aws.ToString(f.Id), f.Workflow.Status, aws.ToString(f.Note.Text), f.UserDefinedFields)
		}
	}

	// The key is deactivated, not yet deleted: the control still fails and findings re-import.
	for _, ev := range failed {
		if err := l.handle(t, ev); err != nil {
			t.Fatal(err)
		}
	}
	testenv.Receive(t, l.motoConfig, l.emailQueue, 0)
	if items := l.opsItems(t); len(items) != 1 {
		t.Errorf("re-import opened more OpsItems: %v", items)
	}

	// The key is deleted: every finding passes.
	for _, ev := range l.events(t, "iam4-consolidated-passed.json") {
		if err := l.handle(t, ev); err != nil {
			t.Fatal(err)
		}
	}
	resolved := testenv.Receive(t, l.motoConfig, l.emailQueue, 1)
	if !strings.Contains(aws.ToString(resolved[0].Body), "Resolved") {
		t.Errorf("resolution e-mail: %s", aws.ToString(resolved[0].Body))
	}
	testenv.Receive(t, l.motoConfig, l.chatQueue, 1)
	if items := l.opsItems(t); len(items) != 1 || !strings.HasSuffix(items[0], "=Resolved") {
		t.Errorf("OpsItems after resolution = %v", items)
	}
	if status, comments, _ := l.jiraIssue(t, "SEC-1"); status != "Done" || comments != 1 {
		t.Errorf("SEC-1 after resolution: %q with %d comments", status, comments)
	}
	for _, f := range l.findings(t) {
		if !strings.Contains(aws.ToString(f.Note.Text), "closed the case") {
			t.Errorf("finding %s note after resolution: %q", aws.ToString(f.Id), aws.ToString(f.Note.Text))
		}
	}
}

// TestASinkDownOrHangingLetsTheOthersDeliverAndTheRetryDeliversOnlyIt fails Jira with HTTP
// 500, then makes it hang past the invocation's deadline, then lets it through.
func TestASinkDownOrHangingLetsTheOthersDeliverAndTheRetryDeliversOnlyIt(t *testing.T) {
	l := startLocal(t)
	ev := l.events(t, "iam4-consolidated-failed.json")[0]

	l.jiraMode.Store("500")
	err := l.h.Handle(t.Context(), ev)
	if err == nil || !strings.Contains(err.Error(), "HTTP 500") {
		t.Fatalf("Handle = %v, want Jira's HTTP 500 so that Lambda retries", err)
	}
	testenv.Receive(t, l.motoConfig, l.emailQueue, 1)
	testenv.Receive(t, l.motoConfig, l.chatQueue, 1)
	if len(l.opsItems(t)) != 1 {
		t.Error("the OpsItem did not open while Jira was down")
	}
	for _, f := range l.findings(t) {
		if f.Workflow.Status == shtypes.WorkflowStatusNotified {
			t.Error("written back before every ticket existed")
		}
	}

	// Lambda's first retry, a minute and more later: the 500 created nothing; Jira creates the
	// issue this time but its answer is lost past the deadline.
	l.clock.Advance(3 * time.Minute)
	l.jiraMode.Store("hang")
	ctx, cancel := context.WithCancel(t.Context())
	l.expire.Store(cancel)
	err = l.h.Handle(ctx, ev)
	cancel()
	if err == nil {
		t.Fatal("Handle succeeded while Jira's answer never came")
	}
	if _, _, ok := l.jiraIssue(t, "SEC-1"); !ok {
		t.Fatal("the hanging Jira did not create the issue: the test would prove nothing")
	}

	// The second retry finds the issue by its label instead of creating another.
	l.clock.Advance(3 * time.Minute)
	l.jiraMode.Store("")
	if err := l.h.Handle(t.Context(), ev); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if _, _, ok := l.jiraIssue(t, "SEC-2"); ok {
		t.Error("the retry opened two Jira issues")
	}
	testenv.Receive(t, l.motoConfig, l.emailQueue, 0)
	testenv.Receive(t, l.motoConfig, l.chatQueue, 0)
	if len(l.opsItems(t)) != 1 {
		t.Error("the retry opened a second OpsItem")
	}
	notified := 0
	for _, f := range l.findings(t) {
		if f.Workflow.Status == shtypes.WorkflowStatusNotified {
			notified++
		}
	}
	if notified != 1 {
		t.Errorf("%d findings written back after the retry, want the one sent", notified)
	}
}

// ocsfFinding returns the OCSF finding of a V2 sample event.
func ocsfFinding(t *testing.T, name string) json.RawMessage {
	t.Helper()
	var ev map[string]any
	if err := json.Unmarshal(sample(t, name), &ev); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(ev["detail"].(map[string]any)["findings"].([]any)[0])
	return b
}

// findingsV2 reads the emulator's OCSF findings (GetFindingsV2 returns documents; plain JSON is
// simpler to check).
func (l *local) findingsV2(t *testing.T) []map[string]any {
	resp, err := http.Post(l.emulator+"/findingsv2", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Findings []map[string]any }
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return out.Findings
}

// TestBothSecurityHubGenerationsAreOneCase sends the same case from Security Hub CSPM (ASFF) and
// the new Security Hub (OCSF) at once: one ticket per sink, each finding written back through its
// own generation's API, and both resolved.
func TestBothSecurityHubGenerationsAreOneCase(t *testing.T) {
	l := startLocal(t)
	events := []json.RawMessage{sample(t, "iam4-consolidated-failed.json"), sample(t, "ocsf-iam4-failed.json")}
	// The two arrive at once: moto's conditional writes are not atomic, so the race runs on the
	// atomic in-memory store (as in TestEndToEndOneTicketPerSinkUnderDuplicatesAndTheLifecycle).
	l.h.Ledger = &ledger.Ledger{Store: memoryLedger(), Now: l.clock.Now}
	var wg sync.WaitGroup
	errs := make([]error, len(events))
	for i, ev := range events {
		wg.Go(func() { errs[i] = l.handle(t, ev) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	testenv.Receive(t, l.motoConfig, l.emailQueue, 1)
	testenv.Receive(t, l.motoConfig, l.chatQueue, 1)
	if items := l.opsItems(t); len(items) != 1 {
		t.Errorf("OpsItems = %v, want one for the case", items)
	}
	if _, _, ok := l.jiraIssue(t, "SEC-2"); ok {
		t.Error("two Jira issues for one case")
	}
	v2 := l.findingsV2(t)
	if len(v2) != 1 || v2[0]["status_id"] != 2.0 || !strings.Contains(fmt.Sprint(v2[0]["comment"]), "jira SEC-1") {
		t.Errorf("OCSF findings = %v, want one In Progress (status 2) naming jira SEC-1", v2)
	}
	notified := 0
	for _, f := range l.findings(t) {
		if f.Workflow.Status == shtypes.WorkflowStatusNotified {
			notified++
		}
	}
	if notified != 1 {
		t.Errorf("%d ASFF findings NOTIFIED, want the one sent", notified)
	}

	for _, ev := range []string{"ocsf-iam4-passed.json", "iam4-consolidated-passed.json"} {
		if err := l.handle(t, sample(t, ev)); err != nil {
			t.Fatal(err)
		}
	}
	testenv.Receive(t, l.motoConfig, l.emailQueue, 1)
	if status, _, _ := l.jiraIssue(t, "SEC-1"); status != "Done" {
		t.Errorf("SEC-1 %q after both generations passed", status)
	}
	if c := fmt.Sprint(l.findingsV2(t)[0]["comment"]); !strings.Contains(c, "closed the case") {
		t.Errorf("OCSF comment after resolution: %q", c)
	}
}
