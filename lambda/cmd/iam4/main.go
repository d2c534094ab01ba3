// Command iam4 is the ops team's command line for IAM.4: analyze exported CloudTrail logs,
// investigate a live account with the caller's own credentials (the same collector as the
// Lambda), or serve the local AWS emulator.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `usage:
  iam4 analyze [--format text|json] [--ip-ranges FILE] FILE...   exported CloudTrail logs ("-" for stdin)
  iam4 investigate [--format text|json] [--regions R1,R2] [--days N]   the live account, caller's credentials
      [--account ID] [--athena-table T --athena-workgroup W [--athena-database D] [--athena-days N]]
                                                                   a year of the organization trail with Athena
  iam4 emulator --scenario FILE [--addr 127.0.0.1:PORT]             the local AWS emulator
      [--trail DIR [--athena-database D --athena-table T --athena-workgroup W]]   and Athena over a trail directory
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, errUsage) {
			fmt.Fprintln(os.Stderr, "iam4:", err)
		}
		os.Exit(2)
	}
}

var errUsage = errors.New("usage")

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	switch args[0] {
	case "analyze":
		return analyze(args[1:], stdin, stdout, stderr)
	case "investigate":
		return investigate(ctx, args[1:], stdout, stderr)
	case "emulator":
		return serveEmulator(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprintf(stderr, "iam4: unknown command %q\n%s", args[0], usage)
		return errUsage
	}
}
