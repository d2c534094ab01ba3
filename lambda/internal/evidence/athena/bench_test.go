package athena_test

// The Athena evidence source on the local engine (make bench-athena): a synthetic year of an
// organization trail (trailgen), the collector's query through the Athena emulator (DuckDB), and
// event history of the same account through the project's emulator, once per trail size, so that
// the function's memory can be compared as the trail grows. Nothing leaves loopback.

import (
	"flag"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
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

// The default is small enough for make bench; make bench-athena passes
// -records 1000000 -sizes 0.1,1 (100k and 1M records).
var (
	benchRecords  = flag.Int("records", 30_000, "BenchmarkAthenaEvidence: records in the largest trail")
	benchSizes    = flag.String("sizes", "1", "BenchmarkAthenaEvidence: trail sizes to run, as comma-separated fractions of -records")
	benchAccounts = flag.Int("accounts", 8, "BenchmarkAthenaEvidence: accounts in the organization")
)

var (
	benchNow     = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	benchRegions = []string{"us-east-1", "eu-west-1", "ap-northeast-1", "us-west-2"}
)

// BenchmarkAthenaEvidence runs the Athena collector on a generated trail of each size: ns/op is
// its wall time, heap-MiB the Go heap's peak while it runs. It fails unless Athena finds every
// generated key call of the account and event history exactly those its 90 days of management
// events can hold (key-calls, athena-key-calls, lookup-key-calls).
func BenchmarkAthenaEvidence(b *testing.B) {
	sizes, err := parseSizes(*benchSizes)
	if err != nil {
		b.Fatal(err)
	}
	root := b.TempDir()
	for _, f := range sizes {
		n := int(float64(*benchRecords) * f)
		var once sync.Once
		var st trailgen.Stats
		var lookupFound int
		var genErr error
		dir := filepath.Join(root, fmt.Sprintf("trail-%d", n))
		b.Run(fmt.Sprintf("records=%d", n), func(b *testing.B) {
			// b.Run calls this again with a larger b.N when one run is quick: generate once.
			once.Do(func() {
				began := time.Now()
				spec := trailgen.Spec{Layout: trailgen.Layout{OrgID: "o-a1b2c3d4e5"}, Accounts: *benchAccounts,
					Records: n, Now: benchNow, Seed: 7}
				if st, genErr = trailgen.Generate(dir, spec); genErr != nil {
					return
				}
				b.Logf("wrote %d records in %d files in %.1fs", st.Records, st.Files, time.Since(began).Seconds())
				lookupFound, genErr = lookupEvents(b, st)
			})
			if genErr != nil {
				b.Fatal(genErr)
			}
			want := 0
			for _, c := range st.KeyCalls {
				want += c
			}
			if lookupFound != st.HistoryKeyCalls {
				b.Fatalf("lookup-events found %d key calls; event history holds %d", lookupFound, st.HistoryKeyCalls)
			}

			ath, err := emuathena.New(dir, emuathena.Options{Workgroup: "iam4"})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { ath.Close() })
			hs := httptest.NewServer(ath)
			b.Cleanup(hs.Close)
			col := &athena.Collector{API: awsathena.NewFromConfig(localaws.Config(hs.URL)),
				Table:   athena.Table{Database: "cloudtrail", Name: "cloudtrail_logs", Workgroup: "iam4"},
				Regions: benchRegions, Poll: 50 * time.Millisecond, MaxPoll: 500 * time.Millisecond}
			query := athena.Query{Account: st.Accounts[0], Regions: benchRegions, From: benchNow.AddDate(-1, 0, 0), To: benchNow}

			var peak uint64
			var wall time.Duration
			var cov athena.Coverage
			var found int
			b.ResetTimer()
			for range b.N {
				u := evidence.NewUsage(awsip.Snapshot())
				b.StopTimer()
				runtime.GC()
				heap, stop := watchHeap()
				b.StartTimer()
				began := time.Now()
				cov, err = col.Collect(b.Context(), query, u)
				wall = time.Since(began)
				b.StopTimer()
				stop()
				if err != nil {
					b.Fatal(err)
				}
				if cov.Gap != "" {
					b.Fatalf("athena: %s", cov.Gap)
				}
				peak = max(peak, heap())
				found = u.Summary().AccessKeyCalls
				b.StartTimer()
			}
			b.StopTimer()
			if found != want {
				b.Fatalf("athena found %d of %d key calls", found, want)
			}
			b.ReportMetric(float64(peak)/(1<<20), "heap-MiB")
			b.ReportMetric(float64(cov.Rows), "rows")
			b.ReportMetric(float64(want), "key-calls")
			b.ReportMetric(float64(found), "athena-key-calls")
			b.ReportMetric(float64(lookupFound), "lookup-key-calls")
			b.Logf("athena: accounts=%d events=%d root=%d wall=%.2fs peak_heap=%.1fMB rows=%d",
				len(st.Accounts), st.Records, st.Root, wall.Seconds(), float64(peak)/(1<<20), cov.Rows)
			b.Logf("lookup-events found %d of %d keys' calls; athena found %d", lookupFound, want, found)
		})
	}
}

// lookupEvents reads the first account's event history (management events only, 90 days, 2
// requests a second) from the project's emulator and returns the key calls found.
func lookupEvents(b *testing.B, st trailgen.Stats) (int, error) {
	b.Helper()
	emu, err := emulator.New(&emulator.Scenario{Account: st.Accounts[0], Now: benchNow, Regions: benchRegions, Events: st.History}, nil)
	if err != nil {
		return 0, err
	}
	es := httptest.NewServer(emu)
	defer es.Close()
	u := evidence.NewUsage(awsip.Snapshot())
	c := &evidence.Collector{Regions: benchRegions, Now: func() time.Time { return benchNow },
		Client: func(region string) cloudtrail.LookupEventsAPIClient {
			cfg := localaws.Config(es.URL)
			cfg.Region = region
			return cloudtrail.NewFromConfig(cfg)
		}}
	if _, err := c.Collect(b.Context(), u); err != nil {
		return 0, err
	}
	return u.Summary().AccessKeyCalls, nil
}

func parseSizes(s string) ([]float64, error) {
	var out []float64
	for _, part := range strings.Split(s, ",") {
		f, err := strconv.ParseFloat(strings.TrimSpace(part), 64)
		if err != nil || f <= 0 {
			return nil, fmt.Errorf("-sizes %q: want positive fractions", s)
		}
		out = append(out, f)
	}
	return out, nil
}

// watchHeap samples the live heap every few milliseconds until stopped.
func watchHeap() (peak func() uint64, stop func()) {
	var most atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	sample := func() {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		if m.HeapAlloc > most.Load() {
			most.Store(m.HeapAlloc)
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
	return most.Load, func() { close(done); wg.Wait(); sample() }
}
