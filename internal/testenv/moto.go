// Package testenv starts the local stand-ins for AWS that integration tests run against, and
// builds SDK configurations pointed at them. It is test support: production code never imports it.
//
// Tests never reach AWS: credentials are fixed dummies and every endpoint is loopback.
package testenv

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/iam4-responder/iam4-responder/internal/localaws"
)

// EnvMotoURL names a moto_server already running (as .ci/run starts one); when it is unset the
// first test that needs moto starts its own.
const EnvMotoURL = "IAM4_MOTO_URL"

// Region and Account are the ones local runs use (see localaws).
const (
	Region  = localaws.Region
	Account = localaws.Account
)

var (
	motoOnce sync.Once
	motoURL  string
	motoErr  error
	started  *localaws.Moto
)

// Moto returns the URL of a running moto_server, starting one for the test binary when none is
// configured. A missing moto_server fails the test in CI and skips it, loudly, elsewhere.
func Moto(t testing.TB) string {
	t.Helper()
	motoOnce.Do(func() {
		ctx := context.Background()
		if u := os.Getenv(EnvMotoURL); u != "" {
			motoURL, motoErr = u, localaws.WaitHTTP(ctx, u+"/moto-api/", 10*time.Second)
			return
		}
		started, motoErr = localaws.StartMoto(ctx)
		if motoErr == nil {
			motoURL = started.URL
			stopOnExit(started.Stop)
		}
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
	absent := errors.Is(err, localaws.ErrNoMoto) || errors.Is(err, exec.ErrNotFound)
	if os.Getenv("CI") != "" || !absent {
		t.Fatalf("%s is required: %v", tool, err)
	}
	t.Skipf("%s is not available (%v); run .ci/run or install it", tool, err)
}

// AWSConfig returns an SDK configuration for endpoint (see localaws.Config).
func AWSConfig(endpoint string) aws.Config { return localaws.Config(endpoint) }

// Context returns a context that ends with the test or after limit.
func Context(t testing.TB, limit time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	t.Cleanup(cancel)
	return ctx
}

// FreePort asks the kernel for a free loopback port.
func FreePort() (int, error) { return localaws.FreePort() }
