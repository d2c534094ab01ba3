package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/iam4-responder/iam4-responder/internal/emulator"
)

func serveEmulator(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	scenario := fs.String("scenario", "", "scenario file (JSON)")
	addr := fs.String("addr", "127.0.0.1:4599", "loopback address to listen on")
	quiet := fs.Bool("quiet", false, "do not log requests")
	trail := trailFlags(fs)
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if *scenario == "" && trail.dir == "" {
		return fmt.Errorf("emulator: --scenario or --trail is required")
	}
	host, _, err := net.SplitHostPort(*addr)
	if err != nil {
		return fmt.Errorf("--addr: %w", err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("--addr %s: the emulator listens on loopback only", *addr)
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
