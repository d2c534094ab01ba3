package main

// The measured runs: iam4 analyze, the gzip -dc bound and jq by hand on the generated tree.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"time"
)

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
	list, err := os.CreateTemp("", "analyzebench-files")
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
	fmt.Fprintf(os.Stderr, "analyzebench: generating %.1f GB of CloudTrail records…\n", float64(size)/1e9)
	t, err := generate(size)
	if err != nil {
		return err
	}
	if keep {
		fmt.Fprintf(os.Stderr, "analyzebench: the trail stays in %s\n", t.dir)
	} else {
		defer os.RemoveAll(t.dir)
	}
	binDir, err := os.MkdirTemp("", "analyzebench-bin")
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
