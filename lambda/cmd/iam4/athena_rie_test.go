package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/iam4-responder/iam4-responder/internal/localaws"
	"github.com/iam4-responder/iam4-responder/internal/samples"
	"github.com/iam4-responder/iam4-responder/internal/testenv"
	"github.com/iam4-responder/iam4-responder/internal/trailgen"
	"github.com/iam4-responder/iam4-responder/lambda/contract"
)

// TestLambdaOpensTheTicketFromAthena is the function end to end with the organization trail on
// Athena: the real bootstrap under the Lambda runtime interface emulator, configured as the
// stack configures it for an existing table, against `iam4 emulator --scenario --trail` serving
// the held-out trail (real records in CloudTrail's S3 layout) and moto for the topic and the
// ledger. The key used only for S3 object calls is invisible to event history; the e-mail must
// name it, its calls and its caller, and say that Athena covered the year with data events.
func TestLambdaOpensTheTicketFromAthena(t *testing.T) {
	rie := os.Getenv("IAM4_RIE")
	if rie == "" {
		var err error
		if rie, err = exec.LookPath("aws-lambda-rie"); err != nil {
			testenv.Missing(t, "aws-lambda-rie (make tools)", err)
		}
	}
	event, err := samples.File("iam4-consolidated-failed.json")
	if err != nil {
		t.Fatal(err)
	}
	trail, scenario := heldOutFiles(t)
	moto := testenv.Moto(t)
	cfg := testenv.AWSConfig(moto)
	suffix := testenv.Name("athena")
	topic, emails := testenv.TopicWithQueue(t, cfg, suffix+"-email")
	dlq, _ := testenv.Queue(t, cfg, suffix+"-dlq")
	table := testenv.Table(t, cfg, suffix+"-ledger", "pk")

	// `iam4 emulator` in this process: CloudTrail, IAM and Account from the scenario, Athena
	// over the trail directory.
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"emulator", "--quiet", "--addr", "127.0.0.1:0", "--scenario", scenario,
			"--trail", trail, "--athena-workgroup", "iam4"}, nil, pw, io.Discard)
		pw.Close()
	}()
	t.Cleanup(func() { cancel(); <-done })
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	emu := strings.TrimSpace(strings.TrimPrefix(line, "iam4 emulator listening on "))

	// The held-out trail is dated in the past; the lookback reaches back over its year.
	days := int(time.Since(trailgen.HeldOutNow.AddDate(-1, 0, 0)).Hours()/24) + 1
	port, logs := startFunction(t, rie, []string{
		"AWS_ENDPOINT_URL=" + moto, "AWS_ENDPOINT_URL_CLOUDTRAIL=" + emu, "AWS_ENDPOINT_URL_IAM=" + emu,
		"AWS_ENDPOINT_URL_ACCOUNT=" + emu, "AWS_ENDPOINT_URL_ATHENA=" + emu,
		"AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY=local-secret",
		"AWS_REGION=" + localaws.Region, "AWS_EC2_METADATA_DISABLED=true", "AWS_CONFIG_FILE=/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_LAMBDA_FUNCTION_TIMEOUT=120",
		contract.EnvTopicARN + "=" + topic, contract.EnvLedgerTable + "=" + table, contract.EnvDeadLetterQueue + "=" + dlq,
		contract.EnvIPRangesURL + "=off", contract.EnvRegions + "=us-east-1", contract.EnvSecurityHub + "=off",
		// As the stack sets them for an existing table (contract's athena rows).
		contract.EnvAthenaDatabase + "=cloudtrail", contract.EnvAthenaTable + "=cloudtrail_logs",
		contract.EnvAthenaWorkgroup + "=iam4", contract.EnvAthenaLookbackDays + "=" + strconv.Itoa(days),
	})

	req, _ := http.NewRequestWithContext(ctx, http.MethodPost,
		fmt.Sprintf("http://127.0.0.1:%d/2015-03-31/functions/function/invocations", port), bytes.NewReader(event))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || bytes.Contains(answer, []byte(`"errorMessage"`)) {
		t.Fatalf("invoke: HTTP %d: %s\nfunction log:\n%s", resp.StatusCode, answer, logs.String())
	}
	msgs, err := localaws.Drain(ctx, cfg, emails, 10*time.Second)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("e-mail: %d messages, %v\nfunction log:\n%s", len(msgs), err, logs.String())
	}
	var sns struct{ Subject, Message string }
	if err := json.Unmarshal([]byte(*msgs[0].Body), &sns); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		// The S3-only key, its calls and its caller: data events, through Athena only.
		"Key AKIA…MPLE: 3 calls (0 failed)",
		"from 26.29.66.20: 3 calls, outside AWS",
		"action s3:GetObject: ",
		"action s3:PutObject: ",
		// The key last used 200 days before: outside event history's 90 days.
		"Key AKIA…MPL0: 1 call (0 failed)",
		"Source: Athena over the organization trail, management and data events (3 root data-event calls)",
		"Source: CloudTrail event history, management events only (no S3 object or other data events)",
	} {
		if !strings.Contains(sns.Message, want) {
			t.Errorf("the e-mail lacks %q", want)
		}
	}
	if strings.Contains(sns.Message, "Gap:") {
		t.Errorf("the e-mail reports a gap")
	}
	if t.Failed() {
		t.Logf("e-mail:\n%s\nfunction log:\n%s", sns.Message, logs.String())
	}
}
