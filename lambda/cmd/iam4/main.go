// Command iam4 is the ops team's command line for IAM.4: analyze exported CloudTrail logs,
// investigate a live account with the caller's own credentials (the same collector as the
// Lambda), or serve the local AWS emulator.
//
// Exit codes: 0 no root access key use found, 1 root access key use found, 2 usage error,
// 3 input or AWS error, 130 interrupted (the partial result is still printed).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"syscall"
)

// A command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error
}

// commands is the dispatch table. Each command's file adds itself with one line,
// func init() { register(command{"name", "summary", fn}) }, so commands merge without touching
// this file; `iam4 help` lists them in the order the files are initialised (alphabetical).
var commands []command

func register(c command) { commands = append(commands, c) }

// version is stamped at build time: go build -ldflags "-X main.version=v1.2.3".
var version string

// Exit codes, documented in docs/cli.md.
const (
	exitClean       = 0
	exitFound       = 1
	exitUsage       = 2
	exitFailure     = 3
	exitInterrupted = 130
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	os.Exit(finish(ctx, err, os.Stderr))
}

// finish says on stderr what went wrong, if anything was not said yet, and returns the exit code.
func finish(ctx context.Context, err error, stderr io.Writer) int {
	code := exitCode(ctx, err)
	switch {
	case code == exitFailure, code == exitUsage && !errors.Is(err, errUsage):
		fmt.Fprintln(stderr, "iam4:", err)
	case code == exitInterrupted:
		fmt.Fprintln(stderr, "iam4: interrupted: what was gathered so far is printed, marked partial")
	}
	return code
}

var (
	// errUsage is a usage error whose message was already printed.
	errUsage = errors.New("usage")
	// errFound says the command worked and found root access key use.
	errFound = errors.New("root access key use found")
)

// usageError is a usage error with a message to print.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

func exitCode(ctx context.Context, err error) int {
	var ue usageError
	switch {
	case err == nil, errors.Is(err, errHelp):
		return exitClean
	case ctx.Err() != nil || errors.Is(err, context.Canceled):
		return exitInterrupted
	case errors.Is(err, errFound):
		return exitFound
	case errors.Is(err, errUsage), errors.As(err, &ue):
		return exitUsage
	default:
		return exitFailure
	}
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, topUsage())
		return errUsage
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			return run(ctx, []string{args[1], "--help"}, stdin, stdout, stderr)
		}
		fmt.Fprint(stdout, topUsage())
		return nil
	case "version", "-version", "--version":
		fmt.Fprintln(stdout, "iam4", buildVersion())
		return nil
	}
	i := slices.IndexFunc(commands, func(c command) bool { return c.name == args[0] })
	if i < 0 {
		fmt.Fprintf(stderr, "iam4: unknown command %q\n%s", args[0], topUsage())
		return errUsage
	}
	return commands[i].run(ctx, args[1:], stdin, stdout, stderr)
}

func topUsage() string {
	s := "iam4 finds and explains the use of AWS root access keys (Security Hub control IAM.4).\n\nusage: iam4 <command> [flags] [args]\n\ncommands:\n"
	for _, c := range commands {
		s += fmt.Sprintf("  %-12s %s\n", c.name, c.summary)
	}
	s += `  version      print the version

Run "iam4 <command> --help" for a command's flags, input formats and examples.
Exit codes: 0 no root access key use found, 1 root access key use found, 2 usage error,
3 input or AWS error, 130 interrupted (partial result printed).
`
	return s
}

// buildVersion is the stamped version, or what the Go toolchain recorded: the module version
// under `go install …@version`, else the VCS revision of a source build.
func buildVersion() string {
	if version != "" {
		return version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown)"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	rev, dirty := "", false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "(devel)"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if dirty {
		rev += "+dirty"
	}
	return "(devel) " + rev
}
