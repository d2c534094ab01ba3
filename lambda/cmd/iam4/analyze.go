package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/iam4-responder/iam4-responder/lambda/internal/evidence/awsip"
	"github.com/iam4-responder/iam4-responder/lambda/internal/investigation"
	"github.com/iam4-responder/iam4-responder/lambda/internal/report"
	"github.com/iam4-responder/iam4-responder/lambda/internal/trailread"
)

func init() {
	register(command{"analyze", "find root access key use in exported CloudTrail logs (files, trees, s3://, stdin)", analyze})
}

const analyzeHelp = `usage: iam4 analyze [flags] PATH... 

Finds where the AWS root user's access keys are used in exported CloudTrail logs, who calls with
them, from where and for what, and says what the runbook says to do, per account. Nothing is sent
anywhere; only s3:// paths call AWS (ListObjectsV2 and GetObject, with your credentials).

PATH is any mix of:
  FILE                  a log file, plain or gzip
  DIR                   every log file below it (.json, .json.gz, .jsonl, .gz, …), in CloudTrail's
                        layout AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/ or any other
  s3://BUCKET/PREFIX    every object under the prefix, read directly (set AWS_REGION to the bucket's)
  -                     stdin

Each file is recognised on its own:
  {"Records": [...]}           a CloudTrail log file as delivered to S3
  one record per line          JSON lines (Athena, jq -c, CloudWatch Logs Insights)
  2026-10-01T00:00:05Z {...}   CloudWatch Logs export lines (a timestamp before the JSON)
  {"Events": [...]}            aws cloudtrail lookup-events output
  a single record, or a JSON array of records
Digest files and JSON that is not CloudTrail are skipped and counted; a broken or truncated file
is skipped with its name and reason (--strict makes it an error).

Output: a text report, or with --format json the contract documented in docs/cli.md
(investigation.Result: counters at the top, "input" for what was read, "accounts" when the logs
cover several accounts).

Exit codes: 0 no root access key use found, 1 root access key use found, 2 usage error,
3 input or AWS error, 130 interrupted (the partial result is printed, marked partial).

Examples:
  iam4 analyze ./AWSLogs/
  iam4 analyze s3://org-trail-bucket/AWSLogs/o-abc123/ --format json > iam4.json
  aws cloudtrail lookup-events --lookup-attributes AttributeKey=Username,AttributeValue=root | iam4 analyze -
  iam4 analyze export/*.gz --lang ja --quiet
`

func analyze(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("analyze", stderr)
	format := fs.String("format", "text", "output format: text or json")
	lang := fs.String("lang", "en", "language of the text report: en or ja")
	rangesFile := fs.String("ip-ranges", "", "an ip-ranges.json to use instead of the embedded snapshot")
	strict := fs.Bool("strict", false, "fail on the first broken file instead of skipping it")
	quiet := fs.Bool("quiet", false, "no progress bar")
	workers := fs.Int("workers", 0, "files read at once (default: one per core)")
	names, err := parse(fs, args, analyzeHelp, stdout)
	if err != nil {
		return err
	}
	l, err := outputFlags(*format, *lang)
	if err != nil {
		return err
	}
	if len(names) == 0 {
		return usagef("analyze: name at least one file, directory, s3://bucket/prefix, or - for stdin")
	}
	ranges, err := loadRanges(*rangesFile)
	if err != nil {
		return err
	}
	var api trailread.S3API
	if slices.ContainsFunc(names, func(n string) bool { return strings.HasPrefix(n, trailread.S3Prefix) }) {
		if api, err = s3Client(ctx); err != nil {
			return err
		}
	}
	listing, err := trailread.Expand(ctx, names, stdin, api)
	if err != nil {
		return err
	}
	if len(listing.Inputs) == 0 {
		return fmt.Errorf("no log files in %s (%d digest and %d other files passed over)",
			strings.Join(names, " "), listing.Digests, listing.Others)
	}
	acc := trailread.NewAccounts(ranges)
	var read atomic.Int64
	stop := func() {}
	if !*quiet && interactive(stderr) {
		stop = readBar(stderr, listing.Bytes, len(listing.Inputs), &read)
	}
	stats, err := trailread.Read(ctx, listing, trailread.Options{Workers: *workers, Strict: *strict, Read: &read}, acc.Add)
	stop()
	if err != nil && ctx.Err() == nil {
		return err
	}
	res := investigation.FromLogs(acc.Summaries(), stats, ranges, time.Now())
	if err := write(stdout, *format, l, res); err != nil {
		return err
	}
	return verdict(ctx, res)
}

// verdict turns a printed result into the exit status: interrupted, root key use found, or clean.
func verdict(ctx context.Context, res investigation.Result) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if res.AccessKeyCalls > 0 {
		return errFound
	}
	return nil
}

func outputFlags(format, lang string) (report.Lang, error) {
	if format != "text" && format != "json" {
		return "", usagef("--format %q: want text or json", format)
	}
	l, err := report.ParseLang(lang)
	if err != nil {
		return "", usagef("--lang: %v", err)
	}
	return l, nil
}

// s3Client builds an S3 client from the standard configuration. With an endpoint override
// (a local S3 such as moto) it uses path-style addresses, which need no DNS per bucket.
func s3Client(ctx context.Context) (*s3.Client, error) {
	cfg, err := loadAWS(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkCredentials(ctx, cfg); err != nil {
		return nil, err
	}
	local := os.Getenv("AWS_ENDPOINT_URL") != "" || os.Getenv("AWS_ENDPOINT_URL_S3") != ""
	return s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = local }), nil
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

func write(w io.Writer, format string, lang report.Lang, res investigation.Result) error {
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	return report.Terminal(w, res, lang)
}
