package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/iam4-responder/iam4-responder/internal/emulator"
)

func init() {
	register(command{"emulator", "serve the local AWS emulator and print the environment that points iam4 at it", serveEmulator})
}

const emulatorHelp = `usage: iam4 emulator --scenario FILE [flags]

Serves, on loopback, the AWS APIs iam4 investigate and the responder call that moto lacks, on
their real wire protocols: STS GetCallerIdentity, Account ListRegions, IAM credential report and
account summary, CloudTrail LookupEvents (50 events a page, 2 requests per second per Region,
90 days), driven by a scenario file (root keys, per-Region events; see
internal/emulator/testdata/*.json). It prints the environment that points iam4 investigate, or
the AWS CLI, at it. Ctrl-C stops it.

Examples:
  iam4 emulator --scenario internal/emulator/testdata/small.json
  # then, in another shell, paste the printed exports and run:
  iam4 investigate
`

func serveEmulator(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("emulator", stderr)
	scenario := fs.String("scenario", "", "scenario file (JSON)")
	addr := fs.String("addr", "127.0.0.1:4599", "loopback address to listen on")
	quiet := fs.Bool("quiet", false, "do not log requests")
	trail := trailFlags(fs)
	rest, err := parse(fs, args, emulatorHelp, stdout)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("emulator takes no arguments (got %q)", rest[0])
	}
	if *scenario == "" && trail.dir == "" {
		return usagef("emulator: --scenario or --trail is required")
	}
	host, _, err := net.SplitHostPort(*addr)
	if err != nil {
		return usagef("--addr: %v", err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return usagef("--addr %s: the emulator listens on loopback only", *addr)
	}
	s := &emulator.Scenario{Account: trail.account}
	if *scenario != "" {
		if s, err = emulator.LoadScenario(*scenario); err != nil {
			return err
		}
	}
	var log *slog.Logger
	if !*quiet {
		log = slog.New(slog.NewJSONHandler(stderr, nil))
	}
	emu, err := emulator.New(s, log)
	if err != nil {
		return err
	}
	srv, closeTrail, err := trail.serve(emu)
	if err != nil {
		return err
	}
	defer closeTrail()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "iam4 emulator listening on http://%s\n", ln.Addr())
	fmt.Fprint(stdout, emulatorEnv("http://"+ln.Addr().String(), s.Account))
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = hs.Shutdown(shutdown)
	}()
	if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// emulatorEnv is the environment that sends every SDK call to the emulator: one endpoint for all
// services (the SDK's AWS_ENDPOINT_URL), dummy static credentials (the emulator checks none, and
// static variables come first in the SDK's chain), no shared profile and no instance metadata, so
// nothing falls through to a real account.
func emulatorEnv(url, account string) string {
	return fmt.Sprintf(`# account %s: in another shell, paste these lines, then run iam4 investigate
export AWS_ENDPOINT_URL=%s
export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE
export AWS_SECRET_ACCESS_KEY=emulator
export AWS_REGION=us-east-1
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_SESSION_TOKEN
`, account, url)
}
