package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/iam4-responder/iam4-responder/lambda/internal/evidence/awsip"
	"github.com/iam4-responder/iam4-responder/lambda/internal/investigation"
	"github.com/iam4-responder/iam4-responder/lambda/internal/report"
)

func analyze(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("analyze", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "text", "output format: text or json")
	rangesFile := fs.String("ip-ranges", "", "an ip-ranges.json to use instead of the embedded snapshot")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if *format != "text" && *format != "json" {
		return fmt.Errorf("--format %q: want text or json", *format)
	}
	if fs.NArg() == 0 {
		return fmt.Errorf("analyze: name at least one CloudTrail log file (or - for stdin)")
	}
	ranges, err := loadRanges(*rangesFile)
	if err != nil {
		return err
	}
	var readers []io.Reader
	for _, name := range fs.Args() {
		if name == "-" {
			readers = append(readers, stdin)
			continue
		}
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		readers = append(readers, f)
	}
	res, err := investigation.Analyze(readers, ranges, time.Now())
	if err != nil {
		return err
	}
	return write(stdout, *format, res)
}

func loadRanges(path string) (*awsip.Ranges, error) {
	if path == "" {
		return awsip.Snapshot(), nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return awsip.Parse(f)
}

func write(w io.Writer, format string, res investigation.Result) error {
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	return report.Terminal(w, res)
}
