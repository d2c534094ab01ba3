// Command iam4demo runs the responder as production does, on this machine: the real bootstrap
// under the Lambda runtime interface emulator, every AWS endpoint pointed at moto and the
// project's emulator, and the IAM.4 FAILED sample event sent to it. It prints what the ops team
// receives, sends the event again (no second ticket), then the PASSED event (tickets resolved),
// and stops everything it started, also on Ctrl-C.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	var o Options
	flag.StringVar(&o.Bootstrap, "bootstrap", "build/demo/bootstrap", "the responder built for this machine")
	flag.StringVar(&o.RIE, "rie", "", "aws-lambda-rie binary (default: .tools/bin/aws-lambda-rie, then PATH)")
	flag.StringVar(&o.MotoURL, "moto", os.Getenv("IAM4_MOTO_URL"), "a running moto_server (default: start one)")
	// make demo LANG_TICKETS=ja: make hands command-line variables to the recipe's environment.
	flag.StringVar(&o.Lang, "lang", os.Getenv("LANG_TICKETS"), "language of the tickets (the function's IAM4_LANGUAGE): en or ja")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if _, err := Run(ctx, os.Stdout, o); err != nil {
		var missing *MissingError
		if errors.As(err, &missing) {
			fmt.Fprintf(os.Stderr, "iam4demo: %s is missing: %s\n", missing.Tool, missing.Install)
			os.Exit(3)
		}
		fmt.Fprintln(os.Stderr, "iam4demo:", err)
		os.Exit(1)
	}
}

// MissingError names a prerequisite that is not installed and how to install it.
type MissingError struct{ Tool, Install string }

func (e *MissingError) Error() string { return e.Tool + " is missing: " + e.Install }
