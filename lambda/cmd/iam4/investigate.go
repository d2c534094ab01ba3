package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsathena "github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/iam4-responder/iam4-responder/lambda/internal/investigation"
)

func init() {
	register(command{"investigate", "investigate the live account with your credentials (IAM, CloudTrail event history)", investigate})
}

const investigateHelp = `usage: iam4 investigate [flags]

Investigates the account your AWS credentials belong to, as the responder's Lambda does: the IAM
credential report and account summary (which root keys exist, when they were last used), then
CloudTrail event history (LookupEvents, up to 90 days of management events) in every enabled
Region at once, each held to CloudTrail's 2 requests per second. Data events (S3 object calls,
Lambda Invoke) are never in event history: use iam4 analyze on the trail's files for those.

Credentials come from the usual places (AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY,
SSO, an instance role). Permissions needed (read-only):
  sts:GetCallerIdentity, iam:GenerateCredentialReport, iam:GetCredentialReport,
  iam:GetAccountSummary, account:ListRegions (unless --regions is given),
  cloudtrail:LookupEvents

Try it offline against the emulator: run "iam4 emulator --scenario FILE" and paste the
environment it prints.

Output: a text report, or with --format json the contract documented in docs/cli.md.
Exit codes: 0 no root access key use found, 1 root access key use found, 2 usage error,
3 input or AWS error, 130 interrupted (the partial result is printed, marked partial).

Examples:
  iam4 investigate
  AWS_PROFILE=prod iam4 investigate --regions us-east-1,eu-west-1 --days 30
  iam4 investigate --format json | jq '.keys[].source_ips'
`

func investigate(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("investigate", stderr)
	format := fs.String("format", "text", "output format: text or json")
	lang := fs.String("lang", "en", "language of the text report: en or ja")
	regions := fs.String("regions", "", "comma-separated Regions (default: every enabled Region)")
	days := fs.Int("days", 90, "lookback in days, at most 90")
	rangesFile := fs.String("ip-ranges", "", "an ip-ranges.json to use instead of the embedded snapshot")
	quiet := fs.Bool("quiet", false, "no progress bars")
	account := fs.String("account", "", "the account to investigate (default: the caller's; another account needs --athena-table)")
	ath := athenaFlags(fs)
	rest, err := parse(fs, args, investigateHelp, stdout)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("investigate takes no arguments (got %q); it reads the account of your credentials", rest[0])
	}
	l, err := outputFlags(*format, *lang)
	if err != nil {
		return err
	}
	if *days < 1 || *days > 90 {
		return usagef("--days %d: CloudTrail event history keeps 1 to 90 days", *days)
	}
	athenaSource, err := ath.source()
	if err != nil {
		return usagef("%v", err)
	}
	ranges, err := loadRanges(*rangesFile)
	if err != nil {
		return err
	}
	cfg, err := loadAWS(ctx)
	if err != nil {
		return err
	}
	if err := checkCredentials(ctx, cfg); err != nil {
		return err
	}
	ident, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return fmt.Errorf("who am I (sts:GetCallerIdentity): %w", err)
	}
	if *account == "" {
		account = ident.Account
	}
	var list []string
	for r := range strings.SplitSeq(*regions, ",") {
		if r = strings.TrimSpace(r); r != "" {
			list = append(list, r)
		}
	}
	fmt.Fprintf(stderr, "iam4: investigating account %s\n", aws.ToString(account))
	var progress func(string, int, int)
	stop := func() {}
	if !*quiet && interactive(stderr) {
		bars := newRegionBars(stderr)
		progress, stop = bars.page, bars.stop
	}
	clients := investigation.NewClients(cfg)
	if athenaSource != nil {
		clients.Athena = awsathena.NewFromConfig(cfg)
	}
	res, err := investigation.Investigate(ctx, clients, investigation.Options{
		Account: aws.ToString(account), Regions: list, Lookback: time.Duration(*days) * 24 * time.Hour,
		Ranges: ranges, Progress: progress, Athena: athenaSource,
	})
	stop()
	if err != nil {
		return err
	}
	if ctx.Err() != nil {
		res.Partial = true
	}
	if err := write(stdout, *format, l, res); err != nil {
		return err
	}
	return verdict(ctx, res)
}

// errNoCredentials explains in one line what to do when the SDK found no credentials.
var errNoCredentials = errors.New("no AWS credentials found: set AWS_PROFILE (after `aws sso login` or `aws configure`) " +
	"or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; to try iam4 offline, run `iam4 emulator` and use the environment it prints")

// checkCredentials resolves credentials once, so a missing chain is one sentence instead of the
// SDK's list of every provider it tried.
func checkCredentials(ctx context.Context, cfg aws.Config) error {
	if cfg.Credentials == nil {
		return errNoCredentials
	}
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("%w (%s)", errNoCredentials, firstLine(err.Error()))
	}
	return nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 160 {
		s = s[:159] + "…"
	}
	return s
}
