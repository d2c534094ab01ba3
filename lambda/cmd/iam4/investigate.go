package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsathena "github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/iam4-responder/iam4-responder/lambda/internal/investigation"
)

func investigate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("investigate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "text", "output format: text or json")
	regions := fs.String("regions", "", "comma-separated Regions (default: every enabled Region)")
	days := fs.Int("days", 90, "lookback in days, at most 90")
	rangesFile := fs.String("ip-ranges", "", "an ip-ranges.json to use instead of the embedded snapshot")
	account := fs.String("account", "", "the account to investigate (default: the caller's)")
	ath := athenaFlags(fs)
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if *days < 1 || *days > 90 {
		return fmt.Errorf("--days %d: CloudTrail event history keeps 1 to 90 days", *days)
	}
	ranges, err := loadRanges(*rangesFile)
	if err != nil {
		return err
	}
	cfg, err := investigation.LoadAWS(ctx)
	if err != nil {
		return err
	}
	athenaSource, err := ath.source()
	if err != nil {
		return err
	}
	ident, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return fmt.Errorf("who am I: %w", err)
	}
	if *account == "" {
		account = ident.Account
	}
	var list []string
	for _, r := range strings.Split(*regions, ",") {
		if r = strings.TrimSpace(r); r != "" {
			list = append(list, r)
		}
	}
	fmt.Fprintf(stderr, "iam4: investigating account %s\n", aws.ToString(account))
	clients := investigation.NewClients(cfg)
	if athenaSource != nil {
		clients.Athena = awsathena.NewFromConfig(cfg)
	}
	res, err := investigation.Investigate(ctx, clients, investigation.Options{
		Account: aws.ToString(account), Regions: list, Lookback: time.Duration(*days) * 24 * time.Hour,
		Ranges: ranges, Athena: athenaSource,
		Progress: func(region string, pages, events int) {
			fmt.Fprintf(stderr, "iam4: %-15s %4d pages %6d events\n", region, pages, events)
		},
	})
	if err != nil {
		return err
	}
	return write(stdout, *format, res)
}
