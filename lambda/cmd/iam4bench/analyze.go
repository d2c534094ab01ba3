package main

// The analyze bench: `iam4 analyze` on a generated organization trail in CloudTrail's S3 layout,
// against the decompression bound (gzip -dc of the same files, in parallel over the same cores)
// and against the by-hand jq filter. The tree is generated into a temporary folder and removed.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"time"

	"github.com/klauspost/compress/gzip"
)

// Shape of the generated trail: an organization trail's accounts and Regions, files of a few
// hundred records as CloudTrail writes every five minutes, one root record in a thousand.
const (
	recordsPerFile = 400
	rootEvery      = 1000
)

var (
	benchAccounts = []string{"111122223333", "444455556666", "777788889999"}
	benchRegions  = []string{"us-east-1", "eu-west-1", "ap-northeast-1", "us-west-2"}
)

type tree struct {
	dir          string
	files        []string
	records      int
	root         int
	uncompressed int64
}

// generate writes at least size bytes of uncompressed records as gzip files in
// AWSLogs/<org>/<account>/CloudTrail/<region>/YYYY/MM/DD/, one generator per core.
func generate(size int64) (*tree, error) {
	dir, err := os.MkdirTemp("", "iam4bench-trail")
	if err != nil {
		return nil, err
	}
	t := &tree{dir: dir}
	var mu sync.Mutex
	var wg sync.WaitGroup
	var firstErr error
	workers := runtime.GOMAXPROCS(0)
	next := 0
	for w := range workers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 42))
			var buf bytes.Buffer
			for {
				mu.Lock()
				if t.uncompressed >= size || firstErr != nil {
					mu.Unlock()
					return
				}
				i := next
				next++
				mu.Unlock()
				buf.Reset()
				root := writeLogFile(&buf, rng, i)
				acct := benchAccounts[i%len(benchAccounts)]
				region := benchRegions[(i/len(benchAccounts))%len(benchRegions)]
				day := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i%30)
				path := filepath.Join(dir, "AWSLogs", "o-exampleorg", acct, "CloudTrail", region, day.Format("2006/01/02"),
					fmt.Sprintf("%s_CloudTrail_%s_%sT%04dZ_%08x.json.gz", acct, region, day.Format("20060102"), i%2400, rng.Uint32()))
				err := writeGzip(path, buf.Bytes())
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				t.files = append(t.files, path)
				t.records += recordsPerFile
				t.root += root
				t.uncompressed += int64(buf.Len())
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		os.RemoveAll(dir)
		return nil, firstErr
	}
	return t, nil
}

func writeGzip(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	zw := gzip.NewWriter(f)
	if _, err := zw.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := zw.Close(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

var (
	benchEvents = []struct{ source, name string }{
		{"ec2.amazonaws.com", "DescribeInstances"}, {"s3.amazonaws.com", "GetBucketAcl"},
		{"sts.amazonaws.com", "AssumeRole"}, {"kms.amazonaws.com", "Decrypt"}, {"logs.amazonaws.com", "CreateLogStream"},
		{"monitoring.amazonaws.com", "PutMetricData"}, {"iam.amazonaws.com", "ListRoles"},
		{"lambda.amazonaws.com", "ListFunctions20150331"}, {"dynamodb.amazonaws.com", "DescribeTable"},
	}
	benchAgents = []string{
		"aws-cli/2.15.0 Python/3.11.6 Linux/6.1.0 exe/x86_64.ubuntu.22 prompt/off command/ec2.describe-instances",
		"aws-sdk-go-v2/1.30.0 os/linux lang/go#1.22.4 md/GOOS#linux md/GOARCH#amd64 api/s3#1.58.0",
		"Boto3/1.34.100 md/Botocore#1.34.100 ua/2.0 os/linux#5.10 md/arch#x86_64 lang/python#3.12.3 cfg/retry-mode#legacy",
		"[aws-sdk-java/1.12.700 Linux/5.10.215 OpenJDK_64-Bit_Server_VM/17.0.11+9-LTS java/17.0.11]",
	}
)

// writeLogFile writes one CloudTrail log file of recordsPerFile records; about one in
// rootEvery is the root's (most of them calls with a long-term key, some console sign-ins).
func writeLogFile(w *bytes.Buffer, rng *rand.Rand, fileIndex int) (root int) {
	acct := benchAccounts[fileIndex%len(benchAccounts)]
	w.WriteString(`{"Records":[`)
	for i := range recordsPerFile {
		if i > 0 {
			w.WriteByte(',')
		}
		ev := benchEvents[rng.IntN(len(benchEvents))]
		t := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(rng.IntN(30*24*3600)) * time.Second)
		ip := fmt.Sprintf("10.%d.%d.%d", rng.IntN(4), rng.IntN(256), rng.IntN(256))
		agent := benchAgents[rng.IntN(len(benchAgents))]
		var identity string
		switch {
		case rng.IntN(rootEvery) == 0 && rng.IntN(10) < 8:
			root++
			ip = fmt.Sprintf("203.0.113.%d", rng.IntN(16))
			identity = fmt.Sprintf(`{"type":"Root","principalId":"%s","arn":"arn:aws:iam::%s:root","accountId":"%s","accessKeyId":"AKIAIOSFODNN7EXAMPLE"}`, acct, acct, acct)
		case rng.IntN(rootEvery*5) == 0:
			root++
			ev = struct{ source, name string }{"signin.amazonaws.com", "ConsoleLogin"}
			agent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
			identity = fmt.Sprintf(`{"type":"Root","principalId":"%s","arn":"arn:aws:iam::%s:root","accountId":"%s"}`, acct, acct, acct)
		default:
			role := fmt.Sprintf("app-%d", rng.IntN(40))
			identity = fmt.Sprintf(`{"type":"AssumedRole","principalId":"AROAEXAMPLE%06d:%s","arn":"arn:aws:sts::%s:assumed-role/%s/i-%012x",`+
				`"accountId":"%s","accessKeyId":"ASIAEXAMPLE%09d","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLE%06d",`+
				`"arn":"arn:aws:iam::%s:role/%s","accountId":"%s","userName":"%s"},"webIdFederationData":{},`+
				`"attributes":{"creationDate":"%s","mfaAuthenticated":"false"}},"invokedBy":""}`,
				rng.IntN(1e6), role, acct, role, rng.Uint64()&0xffffffffffff, acct, rng.IntN(1e9), rng.IntN(1e6), acct, role, acct, role,
				t.Add(-time.Hour).Format(time.RFC3339))
		}
		fmt.Fprintf(w, `{"eventVersion":"1.09","userIdentity":%s,"eventTime":"%s","eventSource":"%s","eventName":"%s",`+
			`"awsRegion":"us-east-1","sourceIPAddress":"%s","userAgent":"%s","requestParameters":{"maxResults":%d,"filterSet":{"items":[{"name":"tag:env","valueSet":{"items":[{"value":"prod-%d"}]}}]}},`+
			`"responseElements":null,"requestID":"%08x-%04x-%04x-%04x-%012x","eventID":"%08x-%04x-%04x-%04x-%012x","readOnly":true,`+
			`"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"%s","eventCategory":"Management",`+
			`"tlsDetails":{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"%s"}}`,
			identity, t.Format(time.RFC3339), ev.source, ev.name, ip, agent, 50+rng.IntN(950), rng.IntN(100),
			rng.Uint32(), rng.Uint32()&0xffff, rng.Uint32()&0xffff, rng.Uint32()&0xffff, rng.Uint64()&0xffffffffffff,
			rng.Uint32(), rng.Uint32()&0xffff, rng.Uint32()&0xffff, rng.Uint32()&0xffff, rng.Uint64()&0xffffffffffff,
			acct, ev.source)
	}
	w.WriteString(`]}`)
	return root
}

type analyzeRun struct {
	wall     time.Duration
	cpu      time.Duration // user + system
	peakRSS  int64         // KiB
	files    int
	records  int64
	root     int64
	keyCalls int
}

// runAnalyze runs the iam4 binary on args and reads its JSON counters and peak memory.
func runAnalyze(bin string, args ...string) (analyzeRun, error) {
	cmd := exec.Command(bin, append([]string{"analyze", "--quiet", "--format", "json"}, args...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	t0 := time.Now()
	err := cmd.Run()
	wall := time.Since(t0)
	if err != nil && cmd.ProcessState.ExitCode() != 1 { // 1: root key use found, as generated
		return analyzeRun{}, fmt.Errorf("iam4 analyze: %w", err)
	}
	var res struct {
		AccessKeyCalls int `json:"access_key_calls"`
		Input          struct {
			FilesRead   int   `json:"files_read"`
			Records     int64 `json:"records"`
			RootRecords int64 `json:"root_records"`
		} `json:"input"`
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		return analyzeRun{}, fmt.Errorf("iam4 analyze output: %w", err)
	}
	r := analyzeRun{wall: wall, files: res.Input.FilesRead, records: res.Input.Records, root: res.Input.RootRecords,
		keyCalls: res.AccessKeyCalls}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.peakRSS = ru.Maxrss
	}
	r.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	return r, nil
}

// gunzipAll is the decompression bound: gzip -dc of every file, in as many parallel processes
// as there are cores, output discarded. It returns the wall time and the CPU time of the gzips.
func gunzipAll(files []string) (time.Duration, time.Duration, error) {
	workers := runtime.GOMAXPROCS(0)
	chunks := make([][]string, workers)
	for i, f := range files {
		chunks[i%workers] = append(chunks[i%workers], f)
	}
	t0 := time.Now()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var cpu time.Duration
	errs := make([]error, workers)
	for w, chunk := range chunks {
		wg.Go(func() {
			for len(chunk) > 0 {
				n := min(len(chunk), 256)
				cmd := exec.Command("gzip", append([]string{"-dc"}, chunk[:n]...)...)
				cmd.Stdout = io.Discard
				if err := cmd.Run(); err != nil {
					errs[w] = err
					return
				}
				mu.Lock()
				cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
				mu.Unlock()
				chunk = chunk[n:]
			}
		})
	}
	wg.Wait()
	wall := time.Since(t0)
	for _, err := range errs {
		if err != nil {
			return 0, 0, fmt.Errorf("gzip -dc: %w", err)
		}
	}
	return wall, cpu, nil
}

// jqFilter is what an ops engineer types to find root access key calls by hand.
const jqFilter = `.Records[] | select(.userIdentity.type == "Root" and ((.userIdentity.accessKeyId // "") | startswith("AKIA")))`

// jqByHand times `gzip -dc FILES | jq -c FILTER` and counts the records it prints; it also
// returns the CPU time of the pipeline.
func jqByHand(ctx context.Context, files []string) (time.Duration, time.Duration, int, error) {
	if _, err := exec.LookPath("jq"); err != nil {
		return 0, 0, 0, fmt.Errorf("jq is missing (apt-get install jq): %w", err)
	}
	list, err := os.CreateTemp("", "iam4bench-files")
	if err != nil {
		return 0, 0, 0, err
	}
	defer os.Remove(list.Name())
	for _, f := range files {
		fmt.Fprintln(list, f)
	}
	list.Close()
	// xargs feeds gzip as many names as fit on a command line; one jq reads the stream.
	cmd := exec.CommandContext(ctx, "sh", "-c", `xargs gzip -dc < "$1" | jq -c "$2"`, "sh", list.Name(), jqFilter)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return 0, 0, 0, err
	}
	cmd.Stderr = os.Stderr
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, 0, 0, err
	}
	n := 0
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		n++
	}
	if err := cmd.Wait(); err != nil {
		return 0, 0, 0, fmt.Errorf("jq: %w", err)
	}
	return time.Since(t0), cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), n, nil
}

// benchAnalyze generates a trail of size bytes, runs the three, and prints the bench line and
// the memory at repeat times the input (the same tree named repeat times).
func benchAnalyze(size int64, repeat int, skipJQ, keep bool) error {
	fmt.Fprintf(os.Stderr, "iam4bench: generating %.1f GB of CloudTrail records…\n", float64(size)/1e9)
	t, err := generate(size)
	if err != nil {
		return err
	}
	if keep {
		fmt.Fprintf(os.Stderr, "iam4bench: the trail stays in %s\n", t.dir)
	} else {
		defer os.RemoveAll(t.dir)
	}
	binDir, err := os.MkdirTemp("", "iam4bench-bin")
	if err != nil {
		return err
	}
	defer os.RemoveAll(binDir)
	bin := filepath.Join(binDir, "iam4")
	build := exec.Command("go", "build", "-o", bin, "./lambda/cmd/iam4")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("build iam4: %w", err)
	}
	// Warm the page cache for all three equally: the bench measures CPU, not the disk. On a
	// shared machine the load moves between runs, so analyze and gunzip alternate, best of
	// three each, and the CPU times are printed too.
	if _, _, err := gunzipAll(t.files); err != nil {
		return err
	}
	var a analyzeRun
	var gz, gzCPU time.Duration
	for i := range 3 {
		r, err := runAnalyze(bin, filepath.Join(t.dir, "AWSLogs"))
		if err != nil {
			return err
		}
		if r.files != len(t.files) || r.records != int64(t.records) || r.root != int64(t.root) {
			return fmt.Errorf("analyze read %d files, %d records, %d root; generated %d, %d, %d",
				r.files, r.records, r.root, len(t.files), t.records, t.root)
		}
		if i == 0 || r.wall < a.wall {
			a = r
		}
		w, c, err := gunzipAll(t.files)
		if err != nil {
			return err
		}
		if i == 0 || w < gz {
			gz, gzCPU = w, c
		}
	}
	jqRatio, jqNote := "n/a", ""
	if !skipJQ {
		jqWall, jqCPU, jqCount, err := jqByHand(context.Background(), t.files)
		if err != nil {
			return err
		}
		jqRatio = fmt.Sprintf("%.3f", a.wall.Seconds()/jqWall.Seconds())
		jqNote = fmt.Sprintf("\nanalyze: jq %.1fs (CPU %.1fs), %d root AKIA records; iam4 %d access-key calls", jqWall.Seconds(),
			jqCPU.Seconds(), jqCount, a.keyCalls)
	}
	mbps := float64(t.uncompressed) / 1e6 / a.wall.Seconds()
	fmt.Printf("analyze: files=%d records=%d root=%d wall=%.2fs MB/s=%.0f  analyze/gunzip: %.2f  analyze/jq: %s\n",
		a.files, a.records, a.root, a.wall.Seconds(), mbps, a.wall.Seconds()/gz.Seconds(), jqRatio)
	fmt.Printf("analyze: %.2f GB uncompressed, %d cores, gunzip %.2fs, CPU analyze %.2fs vs gunzip %.2fs, peak RSS %.1f MiB%s\n",
		float64(t.uncompressed)/1e9, runtime.GOMAXPROCS(0), gz.Seconds(), a.cpu.Seconds(), gzCPU.Seconds(),
		float64(a.peakRSS)/1024, jqNote)
	if repeat > 1 {
		dirs := make([]string, repeat)
		for i := range dirs {
			dirs[i] = filepath.Join(t.dir, "AWSLogs")
		}
		r, err := runAnalyze(bin, dirs...)
		if err != nil {
			return err
		}
		fmt.Printf("analyze memory: %.1f GB peak RSS %.1f MiB, %.1f GB (the tree %d times) peak RSS %.1f MiB (%+.0f%%), wall %.2fs\n",
			float64(t.uncompressed)/1e9, float64(a.peakRSS)/1024, float64(t.uncompressed)*float64(repeat)/1e9, repeat,
			float64(r.peakRSS)/1024, (float64(r.peakRSS)/float64(a.peakRSS)-1)*100, r.wall.Seconds())
	}
	return nil
}
