package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func runCLI(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(t.Context(), args, strings.NewReader(""), &out, &errOut)
	return out.String(), errOut.String(), err
}

func TestAnalyzeSplitsConsoleAndKeyUse(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.json")
	out, stderr, err := runCLI(t, append([]string{"analyze", "--format", "json"}, files...)...)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	var res struct {
		AccessKeyCalls int  `json:"access_key_calls"`
		ConsoleCalls   int  `json:"console_calls"`
		SignIns        int  `json:"sign_ins"`
		Partial        bool `json:"partial"`
		Keys           []struct {
			ID         string            `json:"id"`
			Calls      int               `json:"calls"`
			SourceIPs  []json.RawMessage `json:"source_ips"`
			UserAgents []json.RawMessage `json:"user_agents"`
			Actions    []struct {
				Action string `json:"action"`
			} `json:"actions"`
			InsideAWS bool `json:"inside_aws"`
		} `json:"keys"`
		Advice struct {
			Decision string `json:"decision"`
			Policies struct {
				Groups []struct {
					Target string          `json:"target"`
					Policy json.RawMessage `json:"policy"`
				} `json:"groups"`
			} `json:"policies"`
		} `json:"advice"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	got := []any{res.AccessKeyCalls, res.ConsoleCalls, res.SignIns, res.Partial, len(res.Keys), res.Advice.Decision}
	// Three sign-in records, two of them the user guide's one event (one eventID) in two
	// variants: a record read twice counts once.
	want := []any{1, 1, 2, false, 1, "replace_with_user"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("access-key calls, console calls, sign-ins, partial, keys, decision (-want +got):\n%s", diff)
	}
	k := res.Keys[0]
	if k.ID != "AKIA…MPLE" || k.Calls != 1 || len(k.SourceIPs) != 1 || len(k.UserAgents) != 1 ||
		k.Actions[0].Action != "iam:EnableMFADevice" || k.InsideAWS {
		t.Errorf("key = %+v", k)
	}
	if g := res.Advice.Policies.Groups; len(g) != 1 || g[0].Target != "user" || !json.Valid(g[0].Policy) ||
		!strings.Contains(string(g[0].Policy), "iam:EnableMFADevice") {
		t.Errorf("policies = %+v", res.Advice.Policies)
	}
	if strings.Contains(out, "AKIAIOSFODNN7EXAMPLE") {
		t.Error("the whole key id was printed")
	}
}

func TestAnalyzeTextNeverPrintsEscapeSequences(t *testing.T) {
	hostile := `{"Records":[{"eventVersion":"1.08","userIdentity":{"type":"Root","accessKeyId":"AKIAIOSFODNN7EXAMPLE"},
		"eventTime":"2026-10-01T00:00:00Z","eventSource":"s3.amazonaws.com","eventName":"ListBuckets","awsRegion":"us-east-1",
		"sourceIPAddress":"203.0.113.7","userAgent":"evil\u001b]0;pwned\u0007\u001b[2J\nfake line","eventType":"AwsApiCall"}]}`
	var out, errOut bytes.Buffer
	if err := run(t.Context(), []string{"analyze", "-"}, strings.NewReader(hostile), &out, &errOut); err != nil {
		t.Fatal(err, errOut.String())
	}
	if strings.ContainsAny(out.String(), "\x1b\x07") || strings.Contains(out.String(), "\nfake line") {
		t.Errorf("control characters reached the terminal:\n%q", out.String())
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{}, {"nope"}, {"analyze"}, {"analyze", "--format", "xml", "x"}, {"emulator"},
		{"emulator", "--scenario", "x.json", "--addr", "0.0.0.0:1"}, {"investigate", "--days", "91"}} {
		if _, _, err := runCLI(t, args...); err == nil {
			t.Errorf("iam4 %v: no error", args)
		}
	}
}

func TestEmulatorAndInvestigateTogether(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"emulator", "--quiet", "--addr", "127.0.0.1:0", "--scenario",
			filepath.Join("..", "..", "..", "internal", "emulator", "testdata", "small.json")}, nil, pw, io.Discard)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, pr)
	url := strings.TrimSpace(strings.TrimPrefix(line, "iam4 emulator listening on "))
	t.Setenv("AWS_ENDPOINT_URL", url)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	// The emulator has no STS: investigate's who-am-I goes to its own endpoint variable.
	sts := stsStub(t)
	t.Setenv("AWS_ENDPOINT_URL_STS", sts)
	out, stderr, err := runCLI(t, "investigate", "--format", "json")
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	var res struct {
		Account        string `json:"account"`
		AccessKeyCalls int    `json:"access_key_calls"`
		Advice         struct {
			Decision string `json:"decision"`
		} `json:"advice"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if res.Account != "111122223333" || res.AccessKeyCalls != 120 || res.Advice.Decision == "" {
		t.Errorf("result = %+v\nstderr:\n%s", res, stderr)
	}
	if !strings.Contains(stderr, "ap-northeast-1") {
		t.Errorf("no progress on stderr:\n%s", stderr)
	}
	cancel()
	<-done
}
