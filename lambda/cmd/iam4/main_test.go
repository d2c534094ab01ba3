package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iam4-responder/iam4-responder/internal/samples"
)

// runCLI runs iam4 as main does and returns its output and exit code.
func runCLI(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	return runWith(t, t.Context(), strings.NewReader(""), args...)
}

func runWith(t *testing.T, ctx context.Context, stdin io.Reader, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(ctx, args, stdin, &out, &errOut)
	code := finish(ctx, err, &errOut)
	return out.String(), errOut.String(), code
}

// sampleFile writes the project's shared sample name (internal/samples) into a temporary folder
// and returns its path: the CLI reads it as it reads an operator's file.
func sampleFile(t *testing.T, name string) string {
	t.Helper()
	b, err := samples.File(name)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// cloudTrailSamples are the shared CloudTrail samples; with testdata/'s fixture they are the
// records of testdata/render/result.json.
var cloudTrailSamples = []string{
	"cloudtrail-iamuser-longterm-key-apicall.json", "cloudtrail-lookupevents-root-response-doc.json",
	"cloudtrail-root-accesskey-event-ADAPTED.json", "cloudtrail-root-console-signin-mfa.json",
	"root-console-signin.json",
}

func TestAnalyzeSplitsConsoleAndKeyUse(t *testing.T) {
	files := []string{filepath.Join("testdata", "fixture-root-console-call-akia.json")}
	for _, name := range cloudTrailSamples {
		files = append(files, sampleFile(t, name))
	}
	out, stderr, code := runCLI(t, append([]string{"analyze", "--format", "json"}, files...)...)
	if code != exitFound {
		t.Fatalf("exit %d, want %d (root key use found)\n%s", code, exitFound, stderr)
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
	out, stderr, code := runWith(t, t.Context(), strings.NewReader(hostile), "analyze", "-")
	if code != exitFound {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if strings.ContainsAny(out, "\x1b\x07") || strings.Contains(out, "\nfake line") {
		t.Errorf("control characters reached the terminal:\n%q", out)
	}
}

func TestExitCodes(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"root key use found", []string{"analyze", sampleFile(t, "cloudtrail-root-accesskey-event-ADAPTED.json")}, exitFound},
		{"no root key use", []string{"analyze", sampleFile(t, "root-console-signin.json")}, exitClean},
		{"no command", nil, exitUsage},
		{"unknown command", []string{"nope"}, exitUsage},
		{"analyze without input", []string{"analyze"}, exitUsage},
		{"unknown format", []string{"analyze", "--format", "xml", "x"}, exitUsage},
		{"unknown language", []string{"analyze", "--lang", "fr", "x"}, exitUsage},
		{"unknown flag", []string{"analyze", "--bogus", "x"}, exitUsage},
		{"emulator without scenario", []string{"emulator"}, exitUsage},
		{"emulator off loopback", []string{"emulator", "--scenario", "x.json", "--addr", "0.0.0.0:1"}, exitUsage},
		{"lookback beyond 90 days", []string{"investigate", "--days", "91"}, exitUsage},
		{"investigate with an argument", []string{"investigate", "logs/"}, exitUsage},
		{"missing input file", []string{"analyze", "testdata/missing.json"}, exitFailure},
		{"a directory without logs", []string{"analyze", t.TempDir()}, exitFailure},
		{"version", []string{"--version"}, exitClean},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, stderr, got := runCLI(t, tt.args...); got != tt.want {
				t.Errorf("iam4 %v: exit %d, want %d\n%s", tt.args, got, tt.want, stderr)
			}
		})
	}
}

func TestHelpOnEachCommandExitsZeroWithDescriptionFormatsAndExamples(t *testing.T) {
	for _, c := range commands {
		for _, flag := range []string{"--help", "-h"} {
			out, _, code := runCLI(t, c.name, flag)
			if code != exitClean {
				t.Errorf("iam4 %s %s: exit %d", c.name, flag, code)
			}
			for _, want := range []string{"usage: iam4 " + c.name, "Examples:", "flags:"} {
				if !strings.Contains(out, want) {
					t.Errorf("iam4 %s %s: no %q in\n%s", c.name, flag, want, out)
				}
			}
		}
	}
	out, _, _ := runCLI(t, "analyze", "--help")
	for _, want := range []string{`{"Records"`, "lookup-events", "CloudWatch Logs", "s3://", "docs/cli.md", "Exit codes"} {
		if !strings.Contains(out, want) {
			t.Errorf("analyze --help does not mention %q", want)
		}
	}
}

func TestFlagsAfterFileNames(t *testing.T) {
	out, stderr, code := runCLI(t, "analyze", sampleFile(t, "root-console-signin.json"), "--format", "json", "--quiet")
	if code != exitClean {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if !json.Valid([]byte(out)) {
		t.Errorf("--format json after the file name was not applied:\n%s", out)
	}
	// After "--" everything is a file name, even what looks like a flag.
	if _, _, code := runCLI(t, "analyze", "--", "--format"); code != exitFailure {
		t.Errorf("iam4 analyze -- --format: exit %d, want %d (no such file)", code, exitFailure)
	}
}

func TestVersionIsStampedAtBuild(t *testing.T) {
	old := version
	t.Cleanup(func() { version = old })
	version = "v1.2.3"
	out, _, code := runCLI(t, "--version")
	if code != exitClean || out != "iam4 v1.2.3\n" {
		t.Errorf("--version = %q, exit %d", out, code)
	}
	version = ""
	if out, _, _ := runCLI(t, "version"); !strings.HasPrefix(out, "iam4 ") || len(out) < len("iam4 x\n") {
		t.Errorf("version without a stamp = %q", out)
	}
}

func TestInterruptedAnalyzePrintsPartialResultAndExits130(t *testing.T) {
	// stdin that delivers one log file and then hangs, as a pipe from a slow producer does.
	pr, pw := io.Pipe()
	t.Cleanup(func() { pw.Close() })
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	type result struct {
		out  string
		code int
	}
	done := make(chan result, 1)
	go func() {
		var out, errOut bytes.Buffer
		err := run(ctx, []string{"analyze", "--format", "json", "-"}, pr, &out, &errOut)
		done <- result{out.String(), exitCode(ctx, err)}
	}()
	if _, err := pw.Write([]byte(`{"Records":[{"eventVersion":"1.08","userIdentity":{"type":"Root","accessKeyId":"AKIAIOSFODNN7EXAMPLE"},` +
		`"eventTime":"2026-10-01T00:00:00Z","eventSource":"s3.amazonaws.com","eventName":"ListBuckets","awsRegion":"us-east-1",` +
		`"sourceIPAddress":"203.0.113.7","userAgent":"aws-cli/2.15.0","eventType":"AwsApiCall","recipientAccountId":"111122223333"}`)); err != nil {
		t.Fatal(err)
	}
	cancel() // Ctrl-C
	var r result
	select {
	case r = <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("analyze did not stop after Ctrl-C")
	}
	var res struct {
		Partial        bool `json:"partial"`
		AccessKeyCalls int  `json:"access_key_calls"`
		Input          struct {
			Interrupted bool `json:"interrupted"`
		} `json:"input"`
	}
	if err := json.Unmarshal([]byte(r.out), &res); err != nil {
		t.Fatalf("no result printed: %v\n%s", err, r.out)
	}
	if r.code != exitInterrupted || !res.Partial || !res.Input.Interrupted {
		t.Errorf("exit %d, partial %v, interrupted %v; want 130, true, true", r.code, res.Partial, res.Input.Interrupted)
	}
}

func TestEmulatorPrintsTheEnvironmentInvestigateNeeds(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"emulator", "--quiet", "--addr", "127.0.0.1:0", "--scenario",
			filepath.Join("..", "..", "..", "internal", "emulator", "testdata", "small.json")}, nil, pw, io.Discard)
		pw.Close()
	}()
	// Apply exactly what the emulator printed: its export and unset lines.
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "unset ") {
			for _, name := range strings.Fields(strings.TrimPrefix(line, "unset ")) {
				t.Setenv(name, "")
			}
			break
		}
		if rest, ok := strings.CutPrefix(line, "export "); ok {
			for _, kv := range strings.Fields(rest) {
				k, v, _ := strings.Cut(kv, "=")
				t.Setenv(k, v)
			}
		}
	}
	go io.Copy(io.Discard, pr)
	out, stderr, code := runCLI(t, "investigate", "--format", "json")
	if code != exitFound {
		t.Fatalf("exit %d, want %d\n%s", code, exitFound, stderr)
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
	cancel()
	<-done
}

func TestInvestigateWithoutCredentialsSaysSoInOneLine(t *testing.T) {
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
		"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"} {
		t.Setenv(k, "")
	}
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true") // never reach for the instance metadata service
	t.Setenv("AWS_REGION", "us-east-1")
	var out, errOut bytes.Buffer
	err := run(t.Context(), []string{"investigate"}, nil, &out, &errOut)
	if code := exitCode(t.Context(), err); code != exitFailure {
		t.Fatalf("exit %d, want %d", code, exitFailure)
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") || !strings.HasPrefix(msg, "no AWS credentials found") || !strings.Contains(msg, "iam4 emulator") {
		t.Errorf("message = %q, want one line that says what to do", msg)
	}
}

func TestOrganizationTrailGivesOneAnswerPerAccount(t *testing.T) {
	dir := t.TempDir()
	rec := func(account, ip string) string {
		return `{"eventVersion":"1.08","userIdentity":{"type":"Root","accountId":"` + account + `","accessKeyId":"AKIAIOSFODNN7EXAMPLE"},` +
			`"eventTime":"2026-10-01T00:00:00Z","eventSource":"s3.amazonaws.com","eventName":"ListBuckets","awsRegion":"us-east-1",` +
			`"sourceIPAddress":"` + ip + `","userAgent":"aws-cli/2.15.0","eventType":"AwsApiCall","recipientAccountId":"` + account + `"}`
	}
	for _, a := range []struct{ account, ip string }{{"111122223333", "203.0.113.7"}, {"444455556666", "198.51.100.20"}} {
		p := filepath.Join(dir, "AWSLogs", a.account, "CloudTrail", "us-east-1", "2026", "10", "01", a.account+"_CloudTrail_us-east-1_x.json.gz")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write([]byte(`{"Records":[` + rec(a.account, a.ip) + `]}`))
		zw.Close()
		if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, stderr, code := runCLI(t, "analyze", dir, "--format", "json")
	if code != exitFound {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	var res struct {
		AccessKeyCalls int              `json:"access_key_calls"`
		Advice         *json.RawMessage `json:"advice"`
		Accounts       []struct {
			Account string `json:"account"`
			Keys    []struct {
				SourceIPs []struct {
					IP string `json:"ip"`
				} `json:"source_ips"`
			} `json:"keys"`
			Advice struct {
				Policies struct {
					Groups []struct {
						Policy json.RawMessage `json:"policy"`
					} `json:"groups"`
				} `json:"policies"`
			} `json:"advice"`
		} `json:"accounts"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	type acct struct{ Account, IP string }
	var got []acct
	for _, a := range res.Accounts {
		if len(a.Keys) != 1 || len(a.Keys[0].SourceIPs) != 1 || len(a.Advice.Policies.Groups) != 1 ||
			!json.Valid(a.Advice.Policies.Groups[0].Policy) {
			t.Fatalf("account %s: keys %+v, policies %+v", a.Account, a.Keys, a.Advice.Policies)
		}
		got = append(got, acct{a.Account, a.Keys[0].SourceIPs[0].IP})
	}
	want := []acct{{"111122223333", "203.0.113.7"}, {"444455556666", "198.51.100.20"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("accounts (-want +got):\n%s", diff)
	}
	if res.AccessKeyCalls != 2 || res.Advice != nil {
		t.Errorf("top level: %d access-key calls, advice %v; want the total and no merged advice", res.AccessKeyCalls, res.Advice)
	}
	text, _, _ := runCLI(t, "analyze", dir)
	for _, want := range []string{"2 accounts", "=== Account 111122223333 ===", "=== Account 444455556666 ==="} {
		if !strings.Contains(text, want) {
			t.Errorf("text report has no %q:\n%s", want, text)
		}
	}
}

func TestInterruptedInvestigatePrintsPartialResultAndExits130(t *testing.T) {
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
	target, err := url.Parse(strings.TrimSpace(strings.TrimPrefix(line, "iam4 emulator listening on ")))
	if err != nil {
		t.Fatal(err)
	}
	// Ctrl-C arrives when CloudTrail is first asked: a proxy in front of the emulator cancels the
	// run as the first LookupEvents request passes.
	runCtx, interrupt := context.WithCancel(t.Context())
	defer interrupt()
	proxy := httputil.NewSingleHostReverseProxy(target)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.Header.Get("X-Amz-Target"), "LookupEvents") {
			interrupt()
		}
		proxy.ServeHTTP(w, r)
	}))
	defer front.Close()
	t.Setenv("AWS_ENDPOINT_URL", front.URL)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "emulator")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	out, stderr, code := runWith(t, runCtx, nil, "investigate", "--format", "json")
	if code != exitInterrupted {
		t.Fatalf("exit %d, want %d\n%s", code, exitInterrupted, stderr)
	}
	var res struct {
		Partial bool `json:"partial"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || !res.Partial {
		t.Errorf("partial = %v (%v), want a result marked partial:\n%s", res.Partial, err, out)
	}
	cancel()
	<-done
}
