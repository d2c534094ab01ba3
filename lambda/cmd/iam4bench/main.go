// Command iam4bench measures the evidence collector against CloudTrail's physical limit, side by
// side with the AWS CLI doing the same job by hand, on the local emulator, and `iam4 analyze` on a
// generated trail against gzip and jq (run by `make bench`; see analyze.go).
//
// Scenario: 17 Regions, two busy (4,000 and 2,500 root calls), the rest light. The lower bound is
// what the rate limit allows: Regions are independent, and a Region of P pages needs at least
// (P−1)/2 seconds at 2 requests per second. Memory is measured separately at 10,000 and 100,000
// events with the rate limit lifted, since it must not grow with the events.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"

	"github.com/iam4-responder/iam4-responder/internal/emulator"
	"github.com/iam4-responder/iam4-responder/lambda/internal/evidence"
)

var regions = []string{"ap-northeast-1", "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1",
	"eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1", "ap-northeast-2", "ap-northeast-3",
	"ap-southeast-1", "ap-southeast-2", "ap-south-1", "sa-east-1"}

var now = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

func main() {
	serve := flag.String("serve", "", "internal: serve this scenario and print the address")
	skipCLI := flag.Bool("skip-cli", false, "do not time the AWS CLI")
	analyzeGB := flag.Float64("analyze-gb", 1, "uncompressed size of the generated trail for the analyze bench")
	repeat := flag.Int("analyze-repeat", 10, "also measure memory with the trail named this many times (1: no)")
	only := flag.String("only", "", "run only one bench: collector or analyze")
	skipJQ := flag.Bool("skip-jq", false, "do not time jq")
	keep := flag.Bool("keep", false, "keep the generated trail and print where it is")
	flag.Parse()
	if *serve != "" {
		if err := serveScenario(*serve); err != nil {
			fmt.Fprintln(os.Stderr, "iam4bench:", err)
			os.Exit(1)
		}
		return
	}
	if *only != "analyze" {
		if err := run(*skipCLI); err != nil {
			fmt.Fprintln(os.Stderr, "iam4bench:", err)
			os.Exit(1)
		}
	}
	if *only != "collector" {
		if err := benchAnalyze(int64(*analyzeGB*1e9), *repeat, *skipJQ, *keep); err != nil {
			fmt.Fprintln(os.Stderr, "iam4bench:", err)
			os.Exit(1)
		}
	}
}

// scenario builds the benchmark's account: busy Regions first, light ones with 30 calls.
func scenario(counts map[string]int, light int, rate *emulator.Rate) *emulator.Scenario {
	s := &emulator.Scenario{Account: "111122223333", Now: now, Rate: rate}
	for _, r := range regions {
		n, ok := counts[r]
		if !ok {
			n = light
		}
		s.Generate = append(s.Generate, emulator.Generator{
			Region: r, Count: n, Days: 30, Key: "AKIAIOSFODNN7EXAMPLE",
			IPs:       []string{"203.0.113.7", "198.51.100.20", "54.250.10.11"},
			UserAgent: "aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64",
			// Management events only: event history never holds S3 object calls (data events).
			Actions: []string{"s3:ListBuckets", "ec2:DescribeInstances", "s3:GetBucketPolicy@arn:aws:s3:::example-backups"},
		})
	}
	return s
}

type server struct {
	url string
	cmd *exec.Cmd
}

// start runs the emulator in its own process, so that its memory is not counted as the
// collector's.
func start(s *emulator.Scenario) (*server, error) {
	dir, err := os.MkdirTemp("", "iam4bench")
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "scenario.json")
	b, _ := json.Marshal(s)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return nil, err
	}
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, "-serve", path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		_ = cmd.Process.Kill()
		return nil, fmt.Errorf("emulator did not start: %w", err)
	}
	return &server{url: strings.TrimSpace(line), cmd: cmd}, nil
}

func (s *server) stop() { _ = s.cmd.Process.Kill(); _ = s.cmd.Wait() }

func (s *server) stats() (requests, throttled int64) {
	resp, err := http.Get(s.url + "/_emulator/stats")
	if err != nil {
		return -1, -1
	}
	defer resp.Body.Close()
	var m map[string]int64
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return m["requests"], m["throttled"]
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
	ln, err := listenLoopback()
	if err != nil {
		return err
	}
	fmt.Printf("http://%s\n", ln.Addr())
	return http.Serve(ln, srv)
}

type measurement struct {
	wall      time.Duration
	peakHeap  uint64
	events    int
	gaps      int
	requests  int64
	throttled int64
}

// collect runs the collector against url, sampling the heap while it runs.
func collect(url string, limit float64) (measurement, error) {
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
		Regions: regions, Rate: rateOf(limit), Now: func() time.Time { return now },
	}
	t0 := time.Now()
	cov, err := c.Collect(context.Background(), u)
	wall := time.Since(t0)
	close(stop)
	wg.Wait()
	if err != nil {
		return measurement{}, err
	}
	return measurement{wall: wall, peakHeap: peak, events: u.Summary().AccessKeyCalls, gaps: len(cov.Gaps)}, nil
}

// cli times the AWS CLI reading the same history Region after Region, as a person would.
func cli(url string) (time.Duration, int, error) {
	bin, err := exec.LookPath("aws")
	if err != nil {
		return 0, 0, err
	}
	failures := 0
	t0 := time.Now()
	for _, r := range regions {
		cmd := exec.Command(bin, "cloudtrail", "lookup-events", "--region", r, "--endpoint-url", url,
			"--lookup-attributes", "AttributeKey=Username,AttributeValue=root",
			"--start-time", now.Add(-evidence.MaxLookback).Format(time.RFC3339), "--end-time", now.Format(time.RFC3339),
			"--output", "json")
		cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY=bench",
			"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
		cmd.Stdout = io.Discard
		if err := cmd.Run(); err != nil {
			failures++
		}
	}
	return time.Since(t0), failures, nil
}

func run(skipCLI bool) error {
	busy := map[string]int{"ap-northeast-1": 4000, "us-east-1": 2500}
	const light = 30
	pages := func(n int) int { return max(1, int(math.Ceil(float64(n)/50))) }
	var lower float64
	total := 0
	for _, r := range regions {
		n, ok := busy[r]
		if !ok {
			n = light
		}
		total += n
		lower = max(lower, float64(pages(n)-1)/2)
	}

	srv, err := start(scenario(busy, light, nil))
	if err != nil {
		return err
	}
	col, err := collect(srv.url, evidence.RequestsPerSecond)
	col.requests, col.throttled = srv.stats()
	srv.stop()
	if err != nil {
		return err
	}
	if col.events != total {
		return fmt.Errorf("collector read %d of %d events", col.events, total)
	}

	var cliWall time.Duration
	cliFailures := 0
	var cliRequests, cliThrottled int64
	if !skipCLI {
		srv, err := start(scenario(busy, light, nil))
		if err != nil {
			return err
		}
		cliWall, cliFailures, err = cli(srv.url)
		cliRequests, cliThrottled = srv.stats()
		srv.stop()
		if err != nil {
			return fmt.Errorf("AWS CLI: %w", err)
		}
	}

	// Memory at 10k and 100k events, rate limit lifted (memory does not depend on it).
	fast := &emulator.Rate{PerSecond: 1e6, Burst: 1e6}
	mem := map[int]measurement{}
	for _, n := range []int{10_000, 100_000} {
		srv, err := start(scenario(map[string]int{"ap-northeast-1": n - 16*light}, light, fast))
		if err != nil {
			return err
		}
		m, err := collect(srv.url, 1e6)
		srv.stop()
		if err != nil {
			return err
		}
		if m.events != n {
			return fmt.Errorf("memory run read %d of %d events", m.events, n)
		}
		mem[n] = m
	}

	tw := tabwriter.NewWriter(os.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "run\tevents\twall\tpeak heap\trequests\tthrottled\tgaps/failures\n")
	fmt.Fprintf(tw, "lower bound (max (pages-1)/2 s)\t%d\t%.2fs\t-\t-\t-\t-\n", total, lower)
	fmt.Fprintf(tw, "collector (17 Regions in parallel)\t%d\t%.2fs\t%.1f MiB\t%d\t%d\t%d\n", col.events,
		col.wall.Seconds(), mib(col.peakHeap), col.requests, col.throttled, col.gaps)
	if !skipCLI {
		fmt.Fprintf(tw, "AWS CLI, Region after Region\t%d\t%.2fs\t-\t%d\t%d\t%d\n", total, cliWall.Seconds(),
			cliRequests, cliThrottled, cliFailures)
	}
	for _, n := range []int{10_000, 100_000} {
		fmt.Fprintf(tw, "collector memory, no rate limit\t%d\t%.2fs\t%.1f MiB\t-\t-\t%d\n", n, mem[n].wall.Seconds(),
			mib(mem[n].peakHeap), mem[n].gaps)
	}
	tw.Flush()
	growth := float64(mem[100_000].peakHeap)/float64(mem[10_000].peakHeap) - 1
	fmt.Printf("peak heap 100k vs 10k events: %+.0f%%\n", growth*100)
	cliRatio := math.NaN()
	if !skipCLI {
		cliRatio = cliWall.Seconds() / col.wall.Seconds()
	}
	fmt.Printf("collector/lower-bound: %.2f  cli/collector: %.2f\n", col.wall.Seconds()/lower, cliRatio)
	return nil
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }
