package evidence_test

// The collector against CloudTrail's physical limit, side by side with the AWS CLI doing the same
// job by hand, on the project's emulator (make bench).
//
// Scenario: 17 Regions, two busy (4,000 and 2,500 root calls), the rest light. The lower bound is
// what the rate limit allows: Regions are independent, and a Region of P pages needs at least
// (P−1)/2 seconds at 2 requests per second. Memory is measured separately at 10,000 and 100,000
// events with the rate limit lifted, since it must not grow with the events.
//
// The emulator runs in a process of its own (this test binary, re-executed with serveEnv set), so
// that its memory is not counted as the collector's.

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"golang.org/x/time/rate"

	"github.com/iam4-responder/iam4-responder/internal/emulator"
	"github.com/iam4-responder/iam4-responder/lambda/internal/evidence"
)

// serveEnv, when set to a scenario file, turns the test binary into the emulator serving it: it
// prints its URL on a line and serves until killed or until its standard input closes (the
// benchmark holds it open, so an interrupted benchmark leaves no emulator behind).
const serveEnv = "IAM4_EVIDENCE_BENCH_SCENARIO"

func TestMain(m *testing.M) {
	if path := os.Getenv(serveEnv); path != "" {
		if err := serveScenario(path); err != nil {
			fmt.Fprintln(os.Stderr, "emulator:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func serveScenario(path string) error {
	s, err := emulator.LoadScenario(path)
	if err != nil {
		return err
	}
	srv, err := emulator.New(s, nil)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}()
	fmt.Printf("http://%s\n", ln.Addr())
	return http.Serve(ln, srv)
}

var (
	benchRegions = []string{"ap-northeast-1", "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1",
		"eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1", "ap-northeast-2", "ap-northeast-3",
		"ap-southeast-1", "ap-southeast-2", "ap-south-1", "sa-east-1"}
	benchNow = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	// busyRegions hold the two busy Regions' root calls; every other Region has lightCalls.
	busyRegions = map[string]int{"ap-northeast-1": 4000, "us-east-1": 2500}
)

const lightCalls = 30

// benchScenario builds the benchmark's account: the Regions in counts with their calls, the
// others with light calls each.
func benchScenario(counts map[string]int, light int, r *emulator.Rate) *emulator.Scenario {
	s := &emulator.Scenario{Account: "111122223333", Now: benchNow, Rate: r}
	for _, region := range benchRegions {
		n, ok := counts[region]
		if !ok {
			n = light
		}
		s.Generate = append(s.Generate, emulator.Generator{
			Region: region, Count: n, Days: 30, Key: "AKIAIOSFODNN7EXAMPLE",
			IPs:       []string{"203.0.113.7", "198.51.100.20", "54.250.10.11"},
			UserAgent: "aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64",
			// Management events only: event history never holds S3 object calls (data events).
			Actions: []string{"s3:ListBuckets", "ec2:DescribeInstances", "s3:GetBucketPolicy@arn:aws:s3:::example-backups"},
		})
	}
	return s
}

// rateBound returns the events of the rate-limit scenario and the seconds CloudTrail's rate
// allows at best: the slowest Region's (pages−1)/2.
func rateBound() (events int, seconds float64) {
	for _, r := range benchRegions {
		n, ok := busyRegions[r]
		if !ok {
			n = lightCalls
		}
		events += n
		pages := max(1, int(math.Ceil(float64(n)/50)))
		seconds = max(seconds, float64(pages-1)/2)
	}
	return events, seconds
}

type emulatorProcess struct {
	url string
	cmd *exec.Cmd
}

// startEmulator serves s from a re-executed test binary and stops it when b ends.
func startEmulator(b *testing.B, s *emulator.Scenario) *emulatorProcess {
	b.Helper()
	path := filepath.Join(b.TempDir(), "scenario.json")
	raw, err := json.Marshal(s)
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		b.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(self, "-test.run=^$")
	cmd.Env = append(os.Environ(), serveEnv+"="+path)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	// Never written: it closes when this process ends, however it ends, and the emulator with it.
	if _, err := cmd.StdinPipe(); err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	p := &emulatorProcess{cmd: cmd}
	b.Cleanup(p.stop)
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		b.Fatalf("emulator did not start: %v", err)
	}
	p.url = strings.TrimSpace(line)
	return p
}

// stop kills the emulator; it may be called more than once.
func (p *emulatorProcess) stop() {
	if p.cmd.ProcessState == nil {
		_ = p.cmd.Process.Kill()
		_ = p.cmd.Wait()
	}
}

// stats reads the emulator's request and throttle counters.
func (p *emulatorProcess) stats(b *testing.B) (requests, throttled int64) {
	b.Helper()
	resp, err := http.Get(p.url + "/_emulator/stats")
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]int64
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		b.Fatal(err)
	}
	return m["requests"], m["throttled"]
}

type collection struct {
	wall     time.Duration
	peakHeap uint64
	events   int
	gaps     int
}

// collect runs the collector against url at perSecond requests per Region, sampling the heap
// every 10 ms while it runs.
func collect(b *testing.B, url string, perSecond float64) collection {
	b.Helper()
	runtime.GC()
	var peak uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		var ms runtime.MemStats
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	})
	u := evidence.NewUsage(nil)
	c := &evidence.Collector{
		Client: func(region string) cloudtrail.LookupEventsAPIClient {
			return cloudtrail.NewFromConfig(aws.Config{
				Region: region, BaseEndpoint: aws.String(url),
				Credentials: credentials.NewStaticCredentialsProvider("AKIAIOSFODNN7EXAMPLE", "bench", ""),
				Retryer:     func() aws.Retryer { return retry.NewAdaptiveMode() },
			})
		},
		Regions: benchRegions, Rate: rate.Limit(perSecond), Now: func() time.Time { return benchNow },
	}
	began := time.Now()
	cov, err := c.Collect(b.Context(), u)
	wall := time.Since(began)
	close(stop)
	wg.Wait()
	if err != nil {
		b.Fatal(err)
	}
	return collection{wall: wall, peakHeap: peak, events: u.Summary().AccessKeyCalls, gaps: len(cov.Gaps)}
}

// byHand times the AWS CLI reading the same history Region after Region, as a person would, and
// counts the Regions where it failed.
func byHand(aws, url string) (time.Duration, int) {
	failures := 0
	began := time.Now()
	for _, r := range benchRegions {
		cmd := exec.Command(aws, "cloudtrail", "lookup-events", "--region", r, "--endpoint-url", url,
			"--lookup-attributes", "AttributeKey=Username,AttributeValue=root",
			"--start-time", benchNow.Add(-evidence.MaxLookback).Format(time.RFC3339), "--end-time", benchNow.Format(time.RFC3339),
			"--output", "json")
		cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY=bench",
			"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
		cmd.Stdout = io.Discard
		if err := cmd.Run(); err != nil {
			failures++
		}
	}
	return time.Since(began), failures
}

// BenchmarkCollectorRateLimit times the collector over 17 Regions held to CloudTrail's rate,
// reported against the rate's lower bound (wall/bound) and against the AWS CLI doing the same
// reads Region after Region in the same run (cli/collector; left out, with a log line, when the
// aws command is missing). ns/op is the collector's wall time alone.
func BenchmarkCollectorRateLimit(b *testing.B) {
	if testing.Short() {
		b.Skip("about 40 s at CloudTrail's rate, and the AWS CLI twice that; not in -short")
	}
	total, bound := rateBound()
	cliPath, cliErr := exec.LookPath("aws")
	var wall, cliWall time.Duration
	var requests, throttled, cliRequests, cliThrottled int64
	var last collection
	cliFailures := 0
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		srv := startEmulator(b, benchScenario(busyRegions, lightCalls, nil))
		b.StartTimer()
		c := collect(b, srv.url, evidence.RequestsPerSecond)
		b.StopTimer()
		req, thr := srv.stats(b)
		srv.stop()
		if c.events != total {
			b.Fatalf("collector read %d of %d events", c.events, total)
		}
		wall += c.wall
		requests += req
		throttled += thr
		last = c
		if cliErr == nil {
			srv := startEmulator(b, benchScenario(busyRegions, lightCalls, nil))
			w, failures := byHand(cliPath, srv.url)
			req, thr := srv.stats(b)
			srv.stop()
			cliWall += w
			cliRequests += req
			cliThrottled += thr
			cliFailures += failures
		}
		b.StartTimer()
	}
	n := float64(b.N)
	mean := wall.Seconds() / n
	b.ReportMetric(mean/bound, "wall/bound")
	b.ReportMetric(float64(requests)/n, "requests")
	b.ReportMetric(float64(throttled)/n, "throttled")
	b.ReportMetric(mib(last.peakHeap), "heap-MiB")

	var table strings.Builder
	tw := tabwriter.NewWriter(&table, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "run\tevents\twall\tpeak heap\trequests\tthrottled\tgaps/failures\n")
	fmt.Fprintf(tw, "lower bound (max (pages-1)/2 s)\t%d\t%.2fs\t-\t-\t-\t-\n", total, bound)
	fmt.Fprintf(tw, "collector (17 Regions in parallel)\t%d\t%.2fs\t%.1f MiB\t%.0f\t%.0f\t%d\n", last.events,
		mean, mib(last.peakHeap), float64(requests)/n, float64(throttled)/n, last.gaps)
	if cliErr == nil {
		fmt.Fprintf(tw, "AWS CLI, Region after Region\t%d\t%.2fs\t-\t%.0f\t%.0f\t%d\n", total, cliWall.Seconds()/n,
			float64(cliRequests)/n, float64(cliThrottled)/n, cliFailures/b.N)
	}
	tw.Flush()
	if cliErr == nil {
		b.ReportMetric(cliWall.Seconds()/wall.Seconds(), "cli/collector")
		fmt.Fprintf(&table, "collector/lower-bound: %.2f  cli/collector: %.2f\n", mean/bound, cliWall.Seconds()/wall.Seconds())
	} else {
		fmt.Fprintf(&table, "collector/lower-bound: %.2f  cli/collector: not measured, the AWS CLI is missing (%v)\n", mean/bound, cliErr)
	}
	b.Log("\n" + table.String())
}

// BenchmarkCollectorMemory measures the collector's peak heap at 10,000 and 100,000 events with
// the rate limit lifted (memory does not depend on it): heap-growth is the 100k peak over the 10k
// peak, minus one, and should stay near zero since pages are consumed as they arrive.
func BenchmarkCollectorMemory(b *testing.B) {
	if testing.Short() {
		b.Skip("100,000 events through the emulator; not in -short")
	}
	sizes := []int{10_000, 100_000}
	fast := &emulator.Rate{PerSecond: 1e6, Burst: 1e6}
	peaks := make(map[int]uint64, len(sizes))
	last := make(map[int]collection, len(sizes))
	b.ResetTimer()
	for range b.N {
		for _, n := range sizes {
			b.StopTimer()
			srv := startEmulator(b, benchScenario(map[string]int{"ap-northeast-1": n - 16*lightCalls}, lightCalls, fast))
			b.StartTimer()
			c := collect(b, srv.url, 1e6)
			b.StopTimer()
			srv.stop()
			if c.events != n {
				b.Fatalf("memory run read %d of %d events", c.events, n)
			}
			peaks[n] = max(peaks[n], c.peakHeap)
			last[n] = c
			b.StartTimer()
		}
	}
	growth := float64(peaks[100_000])/float64(peaks[10_000]) - 1
	b.ReportMetric(mib(peaks[10_000]), "heap-MiB@10k")
	b.ReportMetric(mib(peaks[100_000]), "heap-MiB@100k")
	b.ReportMetric(growth, "heap-growth")

	var table strings.Builder
	tw := tabwriter.NewWriter(&table, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "run\tevents\twall\tpeak heap\tgaps\n")
	for _, n := range sizes {
		fmt.Fprintf(tw, "collector memory, no rate limit\t%d\t%.2fs\t%.1f MiB\t%d\n", n, last[n].wall.Seconds(),
			mib(peaks[n]), last[n].gaps)
	}
	tw.Flush()
	fmt.Fprintf(&table, "peak heap 100k vs 10k events: %+.0f%%\n", growth*100)
	b.Log("\n" + table.String())
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }
