// Command athenabench measures the Athena evidence source on the local engine: it writes a
// synthetic year of an organization trail (trailgen), runs the collector's query through the
// Athena emulator (DuckDB) and event history through the project's emulator, and prints
//
//	athena: accounts=N events=E root=R wall=Xs peak_heap=Y
//	lookup-events found K1 of K keys' calls; athena found K2
//
// once per trail size, so that the function's memory can be compared as the trail grows.
// Nothing leaves loopback.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	awsathena "github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"

	"github.com/iam4-responder/iam4-responder/internal/emulator"
	emuathena "github.com/iam4-responder/iam4-responder/internal/emulator/athena"
	"github.com/iam4-responder/iam4-responder/internal/localaws"
	"github.com/iam4-responder/iam4-responder/internal/trailgen"
	"github.com/iam4-responder/iam4-responder/lambda/internal/evidence"
	"github.com/iam4-responder/iam4-responder/lambda/internal/evidence/athena"
	"github.com/iam4-responder/iam4-responder/lambda/internal/evidence/awsip"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "athenabench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("athenabench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	records := fs.Int("records", 1_000_000, "records in the largest trail")
	accounts := fs.Int("accounts", 8, "accounts in the organization")
	sizes := fs.String("sizes", "0.1,1", "trail sizes to run, as fractions of --records")
	keep := fs.String("dir", "", "write the trails under this directory and keep them (default: a temporary one)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	root := *keep
	if root == "" {
		var err error
		if root, err = os.MkdirTemp("", "athenabench-"); err != nil {
			return err
		}
		defer os.RemoveAll(root)
	}
	for _, s := range strings.Split(*sizes, ",") {
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || f <= 0 {
			return fmt.Errorf("--sizes %q: want positive fractions", *sizes)
		}
		n := int(float64(*records) * f)
		if err := once(ctx, fmt.Sprintf("%s/trail-%d", root, n), n, *accounts, stdout, stderr); err != nil {
			return err
		}
	}
	return nil
}

var now = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

func once(ctx context.Context, dir string, n, accounts int, stdout, stderr io.Writer) error {
	spec := trailgen.Spec{Layout: trailgen.Layout{OrgID: "o-a1b2c3d4e5"}, Accounts: accounts, Records: n, Now: now, Seed: 7}
	began := time.Now()
	st, err := trailgen.Generate(dir, spec)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "athenabench: wrote %d records in %d files in %.1fs\n", st.Records, st.Files, time.Since(began).Seconds())
	target := st.Accounts[0]
	want := 0
	for _, c := range st.KeyCalls {
		want += c
	}
	regions := []string{"us-east-1", "eu-west-1", "ap-northeast-1", "us-west-2"}

	// Athena, measured: wall time and the Go heap's peak while the collector runs.
	ath, err := emuathena.New(dir, emuathena.Options{Workgroup: "iam4"})
	if err != nil {
		return err
	}
	defer ath.Close()
	hs := httptest.NewServer(ath)
	defer hs.Close()
	col := &athena.Collector{API: awsathena.NewFromConfig(localaws.Config(hs.URL)),
		Table: athena.Table{Database: "cloudtrail", Name: "cloudtrail_logs", Workgroup: "iam4"}, Regions: regions,
		Poll: 50 * time.Millisecond, MaxPoll: 500 * time.Millisecond}
	u := evidence.NewUsage(awsip.Snapshot())
	runtime.GC()
	peak, stop := watchHeap()
	began = time.Now()
	cov, err := col.Collect(ctx, athena.Query{Account: target, Regions: regions, From: now.AddDate(-1, 0, 0), To: now}, u)
	wall := time.Since(began)
	stop()
	if err != nil {
		return err
	}
	if cov.Gap != "" {
		return fmt.Errorf("athena: %s", cov.Gap)
	}
	athenaFound := u.Summary().AccessKeyCalls

	// Event history of the same account: management events only, 90 days, 2 requests a second.
	emu, err := emulator.New(&emulator.Scenario{Account: target, Now: now, Regions: regions, Events: st.History}, nil)
	if err != nil {
		return err
	}
	es := httptest.NewServer(emu)
	defer es.Close()
	lu := evidence.NewUsage(awsip.Snapshot())
	lc := &evidence.Collector{Regions: regions, Now: func() time.Time { return now },
		Client: func(region string) cloudtrail.LookupEventsAPIClient {
			cfg := localaws.Config(es.URL)
			cfg.Region = region
			return cloudtrail.NewFromConfig(cfg)
		}}
	if _, err := lc.Collect(ctx, lu); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "athena: accounts=%d events=%d root=%d wall=%.2fs peak_heap=%.1fMB rows=%d\n",
		len(st.Accounts), st.Records, st.Root, wall.Seconds(), float64(peak())/(1<<20), cov.Rows)
	fmt.Fprintf(stdout, "lookup-events found %d of %d keys' calls; athena found %d\n", lu.Summary().AccessKeyCalls, want, athenaFound)
	return nil
}

// watchHeap samples the live heap every few milliseconds until stopped.
func watchHeap() (peak func() uint64, stop func()) {
	var max atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	sample := func() {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		if m.HeapAlloc > max.Load() {
			max.Store(m.HeapAlloc)
		}
	}
	wg.Go(func() {
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			sample()
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	return max.Load, func() { close(done); wg.Wait(); sample() }
}
