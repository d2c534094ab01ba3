package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/iam4-responder/iam4-responder/internal/emulator"
	"github.com/iam4-responder/iam4-responder/internal/localaws"
	"github.com/iam4-responder/iam4-responder/internal/samples"
	"github.com/iam4-responder/iam4-responder/lambda/contract"
)

// The events the demo sends are the project's real samples (internal/samples, whose SOURCES.md
// names each origin).
var (
	failedEvent = mustSample("iam4-consolidated-failed.json")
	passedEvent = mustSample("iam4-consolidated-passed.json")
)

func mustSample(name string) []byte {
	b, err := samples.File(name)
	if err != nil {
		panic(err)
	}
	return b
}

// Options say where the pieces are.
type Options struct {
	Bootstrap string // the responder built for this machine
	RIE       string // aws-lambda-rie; found in .tools/bin or PATH when empty
	MotoURL   string // a running moto_server; one is started when empty
	Lang      string // the tickets' language (IAM4_LANGUAGE); the function's default when empty
}

// Outcome is what the ops team received, for the end-to-end test to check.
type Outcome struct {
	Email, Chat         string
	OpsItem             map[string]any
	Jira                map[string]any
	Notes               []string // Security Hub notes of the case's findings
	Workflows           []string
	DuplicateDeliveries int // messages, OpsItems and issues the second invocation added
	ResolvedEmail       string
	ResolvedOpsItem     string
	ResolvedJira        string
	ResolvedNote        string
	InitMs              float64
	InvokeMs            []float64    // each invocation: FAILED, the duplicate, PASSED
	FollowUp            []Transition // the second account's case, step by step (followup.go)
	AthenaEmail         string       // the e-mail of the case opened again with Athena as the source
}

const (
	jiraUser  = "ops@example.com"
	jiraToken = "demo-token"
)

// scenario is the demo account. One root key has two callers. A nightly job on an EC2 instance
// in ap-northeast-1 snapshots its volume with an SDK (management events, in CloudTrail event
// history) and writes the dump to S3 (data events: only a trail that logs data events has them,
// event history never does, so the credential report's "last used: s3" is newer than anything
// LookupEvents shows). Someone in an office runs the AWS CLI now and then (management events).
// A second key has been unused for 200 days.
func scenario(findings []json.RawMessage) *emulator.Scenario {
	now := time.Now().UTC()
	volume := "arn:aws:ec2:ap-northeast-1:" + localaws.Account + ":volume/vol-0a1b2c3d4e5f60718"
	return &emulator.Scenario{
		Account: localaws.Account,
		Regions: []string{"us-east-1", "us-west-2", "eu-west-1", "ap-northeast-1"},
		Root: emulator.Root{MFA: true, Keys: []emulator.RootKey{
			// The nightly S3 write, three hours ago: the report sees it, event history does not.
			{ID: "AKIAIOSFODNN7EXAMPLE", Active: true, Created: now.AddDate(-2, 0, 0), LastUsed: now.Add(-3 * time.Hour),
				LastUsedRegion: "ap-northeast-1", LastUsedService: "s3"},
			{ID: "AKIAI44QH8DHBEXAMPLE", Active: true, Created: now.AddDate(-3, 0, 0), LastUsed: now.AddDate(0, 0, -200),
				LastUsedRegion: "us-east-1", LastUsedService: "iam"},
		}},
		Generate: []emulator.Generator{
			// 135 calls over 90 days: 90 management events, 45 S3 PutObject data events that
			// LookupEvents drops.
			{Region: "ap-northeast-1", Count: 135, Days: 90, Key: "AKIAIOSFODNN7EXAMPLE", IPs: []string{"54.250.10.11"},
				UserAgent: "aws-sdk-go-v2/1.30.0 os/linux lang/go#1.22 md/GOOS#linux api/ec2#1.170.0",
				Actions: []string{"ec2:CreateSnapshot@" + volume, "ec2:DescribeSnapshots",
					"s3:PutObject@arn:aws:s3:::example-backups/nightly/db.dump"}},
			{Region: "us-east-1", Count: 6, Days: 90, Key: "AKIAIOSFODNN7EXAMPLE", IPs: []string{"203.0.113.25"},
				UserAgent: "aws-cli/2.15.0 Python/3.11.6 Darwin/23.1.0 exe/x86_64 prompt/off command/ec2.describe-instances",
				Actions:   []string{"ec2:DescribeInstances", "iam:ListUsers"}},
			{Region: "us-east-1", Count: 2, Days: 30, Kind: "signin", IPs: []string{"203.0.113.25"}, UserAgent: "Mozilla/5.0"},
		},
		Findings: findings,
		Members:  []emulator.Member{followMember()},
		Jira: &emulator.Jira{Email: jiraUser, Token: jiraToken, Projects: []string{"SEC"},
			Transitions: []string{"In Progress", "Ready to delete", "Done"}},
	}
}

// Run runs the demo, printing to w.
func Run(ctx context.Context, w io.Writer, o Options) (Outcome, error) {
	var out Outcome
	rie, err := findRIE(o.RIE)
	if err != nil {
		return out, err
	}
	if _, err := os.Stat(o.Bootstrap); err != nil {
		return out, fmt.Errorf("bootstrap %s: %w (make demo builds it)", o.Bootstrap, err)
	}
	say := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }

	// moto: STS, SNS→SQS, DynamoDB, Secrets Manager, SQS.
	motoURL := o.MotoURL
	if motoURL == "" {
		m, err := localaws.StartMoto(ctx)
		if errors.Is(err, localaws.ErrNoMoto) {
			return out, &MissingError{"moto_server", `pip install "moto[server]" (Python 3)`}
		}
		if err != nil {
			return out, err
		}
		defer m.Stop()
		motoURL = m.URL
	}
	moto := localaws.Config(motoURL)

	// The project's emulator: CloudTrail, IAM, Account, SSM, Security Hub, Jira.
	var finding map[string]any
	_ = json.Unmarshal(failedEvent, &finding)
	rawFinding, _ := json.Marshal(finding["detail"].(map[string]any)["findings"].([]any)[0])
	srv, err := emulator.New(scenario([]json.RawMessage{rawFinding}), nil)
	if err != nil {
		return out, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return out, err
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	defer hs.Close()
	emu := "http://" + ln.Addr().String()
	say("moto_server on %s, the iam4 emulator on %s", motoURL, emu)

	name := fmt.Sprintf("iam4-demo-%d", time.Now().UnixNano())
	emailTopic, emailQueue, err := localaws.TopicWithQueue(ctx, moto, name+"-email")
	if err != nil {
		return out, err
	}
	chatTopic, chatQueue, err := localaws.TopicWithQueue(ctx, moto, name+"-chat")
	if err != nil {
		return out, err
	}
	dlq, _, err := localaws.Queue(ctx, moto, name+"-dlq")
	if err != nil {
		return out, err
	}
	if err := localaws.Table(ctx, moto, name, "pk"); err != nil {
		return out, err
	}
	secret, err := secretsmanager.NewFromConfig(moto).CreateSecret(ctx, &secretsmanager.CreateSecretInput{
		Name: aws.String(name), SecretString: aws.String(`{"email":"` + jiraUser + `","api_token":"` + jiraToken + `"}`),
	})
	if err != nil {
		return out, err
	}

	// The real bootstrap under the runtime interface emulator, configured as the stack does.
	port, err := localaws.FreePort()
	if err != nil {
		return out, err
	}
	env := []string{
		"AWS_ENDPOINT_URL=" + motoURL,
		"AWS_ENDPOINT_URL_CLOUDTRAIL=" + emu, "AWS_ENDPOINT_URL_IAM=" + emu, "AWS_ENDPOINT_URL_ACCOUNT=" + emu,
		"AWS_ENDPOINT_URL_SSM=" + emu, "AWS_ENDPOINT_URL_SECURITYHUB=" + emu,
		// The emulator's STS hands out member credentials, for the follow-up's member account.
		"AWS_ENDPOINT_URL_STS=" + emu, contract.EnvAllowedAccounts + "=" + followAccount,
		contract.EnvJiraStatuses + "=" + followJiraStatuses,
		"AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY=local-secret", "AWS_REGION=" + localaws.Region,
		"AWS_DEFAULT_REGION=" + localaws.Region, "AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_LAMBDA_FUNCTION_TIMEOUT=120", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=512", "AWS_LAMBDA_LOG_FORMAT=JSON",
		contract.EnvTopicARN + "=" + emailTopic, contract.EnvChatTopicARN + "=" + chatTopic, contract.EnvLedgerTable + "=" + name,
		contract.EnvDeadLetterQueue + "=" + dlq, contract.EnvClaimLease + "=180s", contract.EnvIPRangesURL + "=off",
		contract.EnvOpsCenter + "=on", contract.EnvSecurityHub + "=on", contract.EnvJiraURL + "=" + emu, contract.EnvJiraProject + "=SEC",
		contract.EnvJiraLabels + "=iam4,security", contract.EnvJiraPriorities + "=CRITICAL=Highest",
		contract.EnvJiraSecretARN + "=" + aws.ToString(secret.ARN),
		"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
	}
	if o.Lang != "" {
		env = append(env, contract.EnvLanguage+"="+o.Lang)
	}
	bootstrap, _ := filepath.Abs(o.Bootstrap)
	// The runtime API's own port too: its default (9001) is fixed, so two emulators at once
	// (packages test in parallel) would collide.
	apiPort, err := localaws.FreePort()
	if err != nil {
		return out, err
	}
	cmd := exec.CommandContext(ctx, rie, "--runtime-interface-emulator-address", fmt.Sprintf("127.0.0.1:%d", port),
		"--runtime-api-address", fmt.Sprintf("127.0.0.1:%d", apiPort), bootstrap)
	cmd.Env = env
	logs := &lineLog{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		return out, fmt.Errorf("start %s: %w", rie, err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	invokeURL := fmt.Sprintf("http://127.0.0.1:%d/2015-03-31/functions/function/invocations", port)
	if err := waitPort(ctx, port); err != nil {
		return out, fmt.Errorf("runtime interface emulator did not listen: %w\n%s", err, logs.String())
	}
	say("the bootstrap runs under aws-lambda-rie on 127.0.0.1:%d", port)

	// 1. The FAILED finding.
	say("\n== Sending the IAM.4 FAILED sample event (Security Hub Findings - Imported)")
	if err := invoke(ctx, invokeURL, failedEvent); err != nil {
		return out, fmt.Errorf("%w\n%s", err, logs.String())
	}

	msgs, err := localaws.Drain(ctx, moto, emailQueue, 10*time.Second)
	if err != nil || len(msgs) != 1 {
		return out, fmt.Errorf("e-mail: %d messages, %v\n%s", len(msgs), err, logs.String())
	}
	subject, body := snsMessage(msgs[0].Body)
	out.Email = "Subject: " + subject + "\n\n" + body
	say("\n---- E-mail (SNS topic %s) ----\n%s", emailTopic, out.Email)

	msgs, err = localaws.Drain(ctx, moto, chatQueue, 10*time.Second)
	if err != nil || len(msgs) != 1 {
		return out, fmt.Errorf("chat: %d messages, %v", len(msgs), err)
	}
	_, chat := snsMessage(msgs[0].Body)
	out.Chat = prettyJSON(chat)
	say("---- Chat card (Amazon Q Developer custom notification) ----\n%s", out.Chat)

	ops := ssm.NewFromConfig(localaws.Config(emu))
	items, err := ops.DescribeOpsItems(ctx, &ssm.DescribeOpsItemsInput{})
	if err != nil || len(items.OpsItemSummaries) != 1 {
		return out, fmt.Errorf("OpsItems: %v %v", items, err)
	}
	opsID := aws.ToString(items.OpsItemSummaries[0].OpsItemId)
	item, err := ops.GetOpsItem(ctx, &ssm.GetOpsItemInput{OpsItemId: aws.String(opsID)})
	if err != nil {
		return out, err
	}
	out.OpsItem = map[string]any{"OpsItemId": opsID, "Title": aws.ToString(item.OpsItem.Title),
		"Status": string(item.OpsItem.Status), "Severity": aws.ToString(item.OpsItem.Severity),
		"Category": aws.ToString(item.OpsItem.Category), "Source": aws.ToString(item.OpsItem.Source)}
	data := map[string]string{}
	for k, v := range item.OpsItem.OperationalData {
		data[k] = aws.ToString(v.Value)
	}
	out.OpsItem["OperationalData"] = data
	say("\n---- OpsCenter OpsItem ----\n%s", prettyJSON(mustJSON(out.OpsItem)))

	out.Jira, err = jiraIssue(ctx, emu, "SEC-1")
	if err != nil {
		return out, err
	}
	say("\n---- Jira issue SEC-1 (fields) ----\n%s", prettyJSON(mustJSON(out.Jira)))

	hub := securityhub.NewFromConfig(localaws.Config(emu))
	findings, err := hub.GetFindings(ctx, &securityhub.GetFindingsInput{})
	if err != nil {
		return out, err
	}
	for _, f := range findings.Findings {
		if f.Note != nil {
			out.Notes = append(out.Notes, aws.ToString(f.Note.Text))
		}
		if f.Workflow != nil {
			out.Workflows = append(out.Workflows, string(f.Workflow.Status))
		}
	}
	say("\n---- Security Hub: workflow %s, note ----\n%s", strings.Join(out.Workflows, ","), strings.Join(out.Notes, "\n"))

	// 2. The same event again: nothing new.
	say("\n== Sending the same event again")
	if err := invoke(ctx, invokeURL, failedEvent); err != nil {
		return out, err
	}
	for _, q := range []string{emailQueue, chatQueue} {
		more, _ := localaws.Drain(ctx, moto, q, 2*time.Second)
		out.DuplicateDeliveries += len(more)
	}
	items, _ = ops.DescribeOpsItems(ctx, &ssm.DescribeOpsItemsInput{})
	out.DuplicateDeliveries += len(items.OpsItemSummaries) - 1
	if _, err := jiraIssue(ctx, emu, "SEC-2"); err == nil {
		out.DuplicateDeliveries++
	}
	say("new messages, OpsItems and issues: %d", out.DuplicateDeliveries)

	// 3. The key is deleted: the PASSED event resolves the tickets.
	say("\n== Sending the IAM.4 PASSED sample event")
	if err := invoke(ctx, invokeURL, passedEvent); err != nil {
		return out, err
	}
	if msgs, err = localaws.Drain(ctx, moto, emailQueue, 10*time.Second); err != nil || len(msgs) != 1 {
		return out, fmt.Errorf("resolution e-mail: %d messages, %v", len(msgs), err)
	}
	subject, body = snsMessage(msgs[0].Body)
	out.ResolvedEmail = "Subject: " + subject + "\n\n" + body
	item, _ = ops.GetOpsItem(ctx, &ssm.GetOpsItemInput{OpsItemId: aws.String(opsID)})
	out.ResolvedOpsItem = string(item.OpsItem.Status)
	issue, _ := jiraIssue(ctx, emu, "SEC-1")
	out.ResolvedJira, _ = issue["status"].(string)
	findings, _ = hub.GetFindings(ctx, &securityhub.GetFindingsInput{})
	if len(findings.Findings) > 0 && findings.Findings[0].Note != nil {
		out.ResolvedNote = aws.ToString(findings.Findings[0].Note.Text)
	}
	say("resolution e-mail: %s\nOpsItem %s: %s\nJira SEC-1: %s\nSecurity Hub note: %s",
		subject, opsID, out.ResolvedOpsItem, out.ResolvedJira, out.ResolvedNote)

	// The emulator prints an invocation's REPORT line just after answering it.
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if out.InitMs, out.InvokeMs = logs.durations(); len(out.InvokeMs) >= 3 {
			break
		}
	}
	var inv []string
	for _, d := range out.InvokeMs {
		inv = append(inv, fmt.Sprintf("%.1f ms", d))
	}
	say("\n== Lambda runtime interface emulator: INIT %.1f ms; invocations (FAILED with evidence, duplicate, PASSED): %s",
		out.InitMs, strings.Join(inv, ", "))

	// 4. A second account's case, followed to the end on a simulated clock.
	fr := &followRun{w: say, invokeURL: invokeURL, emu: emu, table: name, srv: srv, moto: moto, emailQ: emailQueue, chatQ: chatQueue}
	if out.FollowUp, err = fr.followUp(ctx, memberFinding()); err != nil {
		return out, fmt.Errorf("follow-up: %w\n%s", err, logs.String())
	}

	// 5. The Athena section runs a second function, with its own ledger; the first one is done.
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if out.AthenaEmail, err = athenaSection(ctx, say, athenaRun{rie: rie, bootstrap: bootstrap, env: env, moto: moto,
		emu: srv, name: name}); err != nil {
		return out, fmt.Errorf("athena: %w", err)
	}
	return out, nil
}

func findRIE(explicit string) (string, error) {
	if explicit != "" {
		return explicit, nil
	}
	if p := filepath.Join(".tools", "bin", "aws-lambda-rie"); fileExists(p) {
		return filepath.Abs(p)
	}
	if p, err := exec.LookPath("aws-lambda-rie"); err == nil {
		return p, nil
	}
	return "", &MissingError{"aws-lambda-rie", "make tools (go install github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie)"}
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

func waitPort(ctx context.Context, port int) error {
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func invoke(ctx context.Context, url string, event []byte) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(event))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("invoke: %w", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || bytes.Contains(b, []byte(`"errorMessage"`)) {
		return fmt.Errorf("invoke: HTTP %d: %s", resp.StatusCode, b)
	}
	return nil
}

// snsMessage unwraps what SNS delivered to SQS.
func snsMessage(body *string) (subject, message string) {
	var m struct{ Subject, Message string }
	_ = json.Unmarshal([]byte(aws.ToString(body)), &m)
	return m.Subject, m.Message
}

func jiraIssue(ctx context.Context, base, key string) (map[string]any, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/rest/api/3/issue/"+key, nil)
	req.SetBasicAuth(jiraUser, jiraToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("get Jira issue %s: HTTP %d", key, resp.StatusCode)
	}
	var is struct {
		Key    string `json:"key"`
		Fields struct {
			Summary     string   `json:"summary"`
			Labels      []string `json:"labels"`
			Status      struct{ Name string }
			Priority    struct{ Name string }
			Comment     struct{ Total int }
			Description json.RawMessage `json:"description"`
		} `json:"fields"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&is); err != nil {
		return nil, err
	}
	var desc any
	_ = json.Unmarshal(is.Fields.Description, &desc)
	return map[string]any{"key": is.Key, "summary": is.Fields.Summary, "labels": is.Fields.Labels,
		"status": is.Fields.Status.Name, "priority": is.Fields.Priority.Name, "comments": is.Fields.Comment.Total,
		"description_nodes": countNodes(desc)}, nil
}

func countNodes(v any) int {
	n := 0
	if m, ok := v.(map[string]any); ok {
		n = 1
		if c, ok := m["content"].([]any); ok {
			for _, x := range c {
				n += countNodes(x)
			}
		}
	}
	return n
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func prettyJSON(s string) string {
	var v any
	if json.Unmarshal([]byte(s), &v) != nil {
		return s
	}
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

// lineLog keeps the runtime emulator's output, for its duration lines and for errors.
type lineLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lineLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lineLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

var (
	initRe   = regexp.MustCompile(`INIT REPORT\(durationMs: ([0-9.]+)`)
	reportRe = regexp.MustCompile(`REPORT RequestId: .*?\tDuration: ([0-9.]+) ms`)
)

// durations reads the emulator's INIT REPORT (the real start-up time; the REPORT line's Init
// Duration is a placeholder) and every invocation's REPORT duration.
func (l *lineLog) durations() (initMs float64, invokeMs []float64) {
	sc := bufio.NewScanner(strings.NewReader(l.String()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if m := initRe.FindStringSubmatch(sc.Text()); m != nil && initMs == 0 {
			initMs, _ = strconv.ParseFloat(m[1], 64)
		}
		if m := reportRe.FindStringSubmatch(sc.Text()); m != nil {
			d, _ := strconv.ParseFloat(m[1], 64)
			invokeMs = append(invokeMs, d)
		}
	}
	return initMs, invokeMs
}
