package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
)

// newFlags returns a flag set whose --help prints help (to stdout, exit 0) and whose errors
// point at it.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {} // parse prints help or a hint itself
	return fs
}

// errHelp says --help was asked for and printed.
var errHelp = errors.New("help printed")

// parse parses flags placed anywhere among the arguments (`iam4 analyze logs/ --format json`);
// everything after "--" is an argument. On --help it prints help and the flags to stdout.
func parse(fs *flag.FlagSet, args []string, help string, stdout io.Writer) ([]string, error) {
	var after []string
	if i := slices.Index(args, "--"); i >= 0 {
		args, after = args[:i], args[i+1:]
	}
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprint(stdout, help)
				fmt.Fprintln(stdout, "\nflags:")
				fs.SetOutput(stdout)
				fs.PrintDefaults()
				return nil, errHelp
			}
			fmt.Fprintf(fs.Output(), "run \"iam4 %s --help\" for its flags and examples\n", fs.Name())
			return nil, errUsage
		}
		// Parse stops at the first argument that is not a flag; take it and go on.
		args = fs.Args()
		if len(args) == 0 {
			return append(rest, after...), nil
		}
		rest = append(rest, args[0])
		args = args[1:]
	}
}
