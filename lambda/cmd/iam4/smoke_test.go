package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/google/go-cmp/cmp"

	"github.com/iam4-responder/iam4-responder/internal/emulator"
	"github.com/iam4-responder/iam4-responder/internal/localaws"
	"github.com/iam4-responder/iam4-responder/internal/testenv"
	"github.com/iam4-responder/iam4-responder/lambda/contract"
	"github.com/iam4-responder/iam4-responder/lambda/internal/finding"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// syncBuffer collects a child process's output while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestSmokeAgainstTheRealBootstrap runs `iam4 smoke`'s code against the function as Lambda runs
// it: the real bootstrap under the Lambda runtime interface emulator (whose invoke path is the
// Lambda Invoke API's), with the e-mail topic, ledger and dead-letter queue on moto.
func TestSmokeAgainstTheRealBootstrap(t *testing.T) {
	rie := os.Getenv("IAM4_RIE")
	if rie == "" {
		var err error
		if rie, err = exec.LookPath("aws-lambda-rie"); err != nil {
			testenv.Missing(t, "aws-lambda-rie (make tools)", err)
		}
	}
	moto := testenv.Moto(t)
	cfg := testenv.AWSConfig(moto)
	suffix := testenv.Name("smoke")
	topic, emails := testenv.TopicWithQueue(t, cfg, suffix+"-email")
	dlq, _ := testenv.Queue(t, cfg, suffix+"-dlq")
	table := testenv.Table(t, cfg, suffix+"-ledger", "pk")

	// CloudTrail, IAM and Account, which moto lacks or lacks the root for, come from the
	// project's emulator: an account whose root has no key.
	emu, err := emulator.New(&emulator.Scenario{Account: localaws.Account, Regions: []string{localaws.Region}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	emuServer := httptest.NewServer(emu)
	t.Cleanup(emuServer.Close)

	port, logs := startFunction(t, rie, []string{
		"AWS_ENDPOINT_URL=" + moto, "AWS_ENDPOINT_URL_CLOUDTRAIL=" + emuServer.URL, "AWS_ENDPOINT_URL_IAM=" + emuServer.URL,
		"AWS_ENDPOINT_URL_ACCOUNT=" + emuServer.URL, "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY=local-secret",
		"AWS_REGION=" + localaws.Region, "AWS_EC2_METADATA_DISABLED=true", "AWS_CONFIG_FILE=/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_LAMBDA_FUNCTION_TIMEOUT=120", "AWS_LAMBDA_FUNCTION_NAME=Iam4Responder-Function",
		contract.EnvTopicARN + "=" + topic, contract.EnvLedgerTable + "=" + table, contract.EnvDeadLetterQueue + "=" + dlq,
		contract.EnvIPRangesURL + "=off", contract.EnvRegions + "=" + localaws.Region, contract.EnvLookbackDays + "=1",
		// On: a smoke test must skip the write-back itself, or the function would fail on a
		// finding Security Hub does not hold.
		contract.EnvSecurityHub + "=on",
	})

	rieURL := fmt.Sprintf("http://127.0.0.1:%d", port)
	c := smokeClients{
		STS:    sts.NewFromConfig(cfg),
		Lambda: lambda.NewFromConfig(cfg, func(o *lambda.Options) { o.BaseEndpoint = aws.String(rieURL) }),
		Ledger: dynamodb.NewFromConfig(cfg),
	}
	var out bytes.Buffer
	now := time.Date(2026, 11, 29, 7, 30, 0, 0, time.UTC)
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	err = runSmoke(ctx, c, smokeOptions{Function: "function", Table: table, Region: localaws.Region, Resolve: true,
		Now: func() time.Time { return now }, Poll: 100 * time.Millisecond, Wait: 0}, &out)
	if err != nil {
		t.Fatalf("smoke: %v\n%s\nfunction log:\n%s", err, out.String(), logs.String())
	}
	wantTable := []string{
		"channel  after FAILED  after PASSED",
		"email    open          resolved",
		"chat     -             -",
		"opsitem  -             -",
		"jira     -             -",
	}
	var gotTable []string
	for line := range strings.Lines(out.String()) {
		if line = strings.TrimRight(line, "\n"); strings.HasPrefix(line, "channel") || len(gotTable) > 0 && len(gotTable) < len(wantTable) {
			gotTable = append(gotTable, line)
		}
	}
	if diff := cmp.Diff(wantTable, gotTable); diff != "" {
		t.Errorf("smoke report (-want +got):\n%s\n%s", diff, out.String())
	}

	// The e-mail topic got the test's ticket and its resolution; nothing was dead-lettered; the
	// function wrote its metrics.
	msgs := testenv.Receive(t, cfg, emails, 2)
	for _, m := range msgs {
		var n struct{ Subject string }
		_ = json.Unmarshal([]byte(aws.ToString(m.Body)), &n)
		if !strings.Contains(n.Subject, "111122223333") && !strings.Contains(n.Subject, localaws.Account) {
			t.Errorf("e-mail subject %q does not name the caller's account", n.Subject)
		}
	}
	testenv.Receive(t, cfg, dlq, 0)
	if !strings.Contains(logs.String(), `"_aws":{"CloudWatchMetrics"`) && !strings.Contains(logs.String(), `"CasesOpened":1`) {
		t.Errorf("the function wrote no embedded metrics:\n%s", logs.String())
	}
}

func waitListening(t *testing.T, port int) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the runtime interface emulator does not listen on %d: %v", port, err)
		}
		select {
		case <-t.Context().Done():
			t.Fatal(t.Context().Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func TestSmokeEventIsAMarkedSecurityHubFinding(t *testing.T) {
	for _, status := range []string{"FAILED", "PASSED"} {
		ev, err := finding.Parse(smokeEvent("444455556666", "aws-us-gov", "us-gov-west-1", "iam4-smoke-test/1", status, time.Unix(0, 0)))
		if err != nil {
			t.Fatal(err)
		}
		f := ev.Findings[0]
		want := finding.Respond
		if status == "PASSED" {
			want = finding.Resolve
		}
		if d := finding.Decide(ev.Trigger, f); d.Action != want || !f.Test || f.Case() != "444455556666/IAM.4/smoke-test" {
			t.Errorf("%s: decision %+v, test %v, case %s", status, d, f.Test, f.Case())
		}
		if f.ProductARN != "arn:aws-us-gov:securityhub:us-gov-west-1::product/aws/securityhub" {
			t.Errorf("product %s", f.ProductARN)
		}
	}
}

// startFunction builds the real bootstrap and runs it under the runtime interface emulator with
// env, on ports of its own (the runtime API's default, 9001, is fixed, so two emulators at once,
// as packages test in parallel, would collide). It returns the emulator's port and its logs.
func startFunction(t *testing.T, rie string, env []string) (int, *syncBuffer) {
	t.Helper()
	bootstrap := filepath.Join(t.TempDir(), "bootstrap")
	build := exec.CommandContext(t.Context(), "go", "build", "-tags", "lambda.norpc", "-o", bootstrap, "../responder")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the bootstrap: %v\n%s", err, out)
	}
	port, err := testenv.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	apiPort, err := testenv.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), rie, "--runtime-interface-emulator-address", fmt.Sprintf("127.0.0.1:%d", port),
		"--runtime-api-address", fmt.Sprintf("127.0.0.1:%d", apiPort), bootstrap)
	cmd.Env = append(env, "PATH="+os.Getenv("PATH"), "HOME="+os.Getenv("HOME"))
	logs := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	waitListening(t, port)
	return port, logs
}
