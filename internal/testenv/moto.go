// Package testenv starts the local stand-ins for AWS that integration tests run against, and
// builds SDK configurations pointed at them. It is test support: production code never imports it.
//
// Tests never reach AWS: credentials are fixed dummies and every endpoint is loopback.
package testenv

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// EnvMotoURL names a moto_server already running (as .ci/run starts one); when it is unset the
// first test that needs moto starts its own.
const EnvMotoURL = "IAM4_MOTO_URL"

// Region is the Region the tests use.
const Region = "us-east-1"

// Account is the account moto answers as (MOTO_ACCOUNT_ID): the shared samples' account, so
// that sts:GetCallerIdentity agrees with the sample findings.
const Account = "111122223333"

var (
	motoOnce sync.Once
	motoURL  string
	motoErr  error
)

// Moto returns the URL of a running moto_server, starting one for the test binary when none is
// configured. A missing moto_server fails the test in CI and skips it, loudly, elsewhere.
func Moto(t testing.TB) string {
	t.Helper()
	motoOnce.Do(func() {
		if u := os.Getenv(EnvMotoURL); u != "" {
			motoURL, motoErr = u, waitHTTP(u, 10*time.Second)
			return
		}
		motoURL, motoErr = startMoto()
	})
	if motoErr != nil {
		Missing(t, "moto_server", motoErr)
	}
	return motoURL
}

// Missing stops a test whose required tool is absent: a failure in CI, a skip with the reason
// elsewhere.
func Missing(t testing.TB, tool string, err error) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is required in CI: %v", tool, err)
	}
	t.Skipf("%s is not available (%v); run make test-tools or .ci/run", tool, err)
}

func startMoto() (string, error) {
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		return "", err
	}
	port, err := FreePort()
	if err != nil {
		return "", err
	}
	u := fmt.Sprintf("http://127.0.0.1:%d", port)
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	cmd.Env = append(os.Environ(), "MOTO_ACCOUNT_ID="+Account)
	logPath := filepath.Join(os.TempDir(), fmt.Sprintf("iam4-moto-%d.log", port))
	if f, err := os.Create(logPath); err == nil {
		cmd.Stdout, cmd.Stderr = f, f
	}
	if err := cmd.Start(); err != nil {
		return "", err
	}
	// StopAll (called from TestMain) or an interrupt kills it.
	go func() { _ = cmd.Wait() }()
	stopOnExit(cmd)
	if err := waitHTTP(u, 30*time.Second); err != nil {
		_ = cmd.Process.Kill()
		return "", fmt.Errorf("moto_server did not start (log %s): %w", logPath, err)
	}
	return u, nil
}

// FreePort asks the kernel for a free loopback port.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func waitHTTP(u string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		resp, err := http.Get(u + "/moto-api/")
		if err == nil {
			resp.Body.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// AWSConfig returns an SDK configuration for endpoint with dummy credentials and a fixed,
// small number of attempts (the SDK would otherwise retry an emulator's HTTP 500 three times).
func AWSConfig(endpoint string) aws.Config {
	return aws.Config{
		Region:       Region,
		Credentials:  credentials.NewStaticCredentialsProvider("AKIAIOSFODNN7EXAMPLE", "test-secret", ""),
		BaseEndpoint: aws.String(endpoint),
		Retryer: func() aws.Retryer {
			return retry.AddWithMaxAttempts(retry.NewStandard(), 2)
		},
	}
}

// Context returns a context that ends with the test or after limit.
func Context(t testing.TB, limit time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	t.Cleanup(cancel)
	return ctx
}
