package trailread

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/iam4-responder/iam4-responder/lambda/internal/investigation"
	"github.com/klauspost/compress/gzip"
)

// stopGrace is how long a cancelled read waits for its workers to reach a stopping point.
const stopGrace = 500 * time.Millisecond

// maxSkips is how many skipped files are named in Stats; the count stays exact.
const maxSkips = 100

// Skip is a file that was not read, with the reason; Stats are the honest counters of a read.
// Both are part of the analysis result's JSON contract, so they are defined with it.
type (
	Skip  = investigation.InputSkip
	Stats = investigation.InputStats
)

// Options tune a read.
type Options struct {
	Workers int  // all cores when zero
	Strict  bool // a broken file is an error instead of a skip
	// Read, when set, is advanced by the bytes read as stored, for a progress bar.
	Read *atomic.Int64
}

// ErrBroken is returned in strict mode for the first broken file.
var ErrBroken = errors.New("broken input")

// ErrNoInput says that inputs were named but none could be read.
var ErrNoInput = errors.New("no input could be read")

// Read reads every input on a pool of workers, one file open per worker at a time, and passes
// root records to sink. When ctx ends it stops between records and returns what it has, with
// Interrupted set and ctx's error.
func Read(ctx context.Context, l Listing, o Options, sink Sink) (Stats, error) {
	workers := o.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = max(1, min(workers, len(l.Inputs)))
	parent := ctx
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	read := o.Read
	if read == nil {
		read = new(atomic.Int64)
	}

	jobs := make(chan Input)
	var (
		mu     sync.Mutex
		all    = Stats{DigestFiles: l.Digests, OtherFiles: l.Others}
		sp     span
		wg     sync.WaitGroup
		strict error
	)
	for range workers {
		wg.Go(func() {
			w := newWorker(ctx, sink, read)
			for in := range jobs {
				c, err := w.file(ctx, in)
				mu.Lock()
				all.Records += c.records
				all.RootRecords += c.root
				all.RecordsSkipped += c.bad
				sp.merge(c.span)
				switch {
				case errors.Is(err, errStopped) || (err != nil && ctx.Err() != nil):
					// cancelled: the file is neither read nor broken
				case err != nil:
					all.BrokenFiles++
					reason := err.Error()
					if c.records > 0 {
						reason = fmt.Sprintf("%s after %d records (those were counted)", reason, c.records)
					}
					if len(all.Skipped) < maxSkips {
						all.Skipped = append(all.Skipped, Skip{File: in.Name, Reason: reason})
					}
					if o.Strict && strict == nil {
						strict = fmt.Errorf("%s: %s", in.Name, reason)
						cancel()
					}
				case c.records == 0 && c.digests > 0:
					all.DigestFiles++
				case c.records == 0:
					all.OtherFiles++
				default:
					all.FilesRead++
				}
				mu.Unlock()
			}
		})
	}
feed:
	for _, in := range l.Inputs {
		select {
		case jobs <- in:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-parent.Done():
		// A worker blocked in a read that ignores ctx (a terminal's stdin) must not keep the
		// partial result from being printed: wait a moment, then report what was merged.
		select {
		case <-finished:
		case <-time.After(stopGrace):
		}
	}
	mu.Lock()
	defer mu.Unlock()
	all.Bytes = read.Load()
	all.FirstEvent, all.LastEvent = sp.times()
	all.FilesSkipped = all.DigestFiles + all.OtherFiles + all.BrokenFiles
	if strict != nil {
		return all, fmt.Errorf("%w: %w", ErrBroken, strict)
	}
	if err := parent.Err(); err != nil {
		all.Interrupted = true
		return all, err
	}
	if all.FilesRead == 0 && all.BrokenFiles > 0 {
		return all, fmt.Errorf("%w: %d broken (first: %s: %s)", ErrNoInput, all.BrokenFiles, all.Skipped[0].File, all.Skipped[0].Reason)
	}
	return all, nil
}

// worker holds the buffers one goroutine reuses from file to file.
type worker struct {
	br   *bufio.Reader
	gz   *gzip.Reader
	sc   *scanner
	sink Sink
	read *atomic.Int64
	stop func() bool
}

func newWorker(ctx context.Context, sink Sink, read *atomic.Int64) *worker {
	return &worker{
		br: bufio.NewReaderSize(nil, 256<<10), sc: newScanner(nil, make([]byte, 256<<10)), sink: sink, read: read,
		stop: func() bool { return ctx.Err() != nil },
	}
}

// file reads one input. Gzip is recognised by its magic bytes, not by name.
func (w *worker) file(ctx context.Context, in Input) (fileCounts, error) {
	if ctx.Err() != nil {
		return fileCounts{}, errStopped
	}
	rc, err := in.open(ctx)
	if err != nil {
		return fileCounts{}, err
	}
	defer rc.Close()
	w.br.Reset(&counting{r: rc, n: w.read})
	var r io.Reader = w.br
	if magic, err := w.br.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		if w.gz == nil {
			w.gz, err = gzip.NewReader(w.br)
		} else {
			err = w.gz.Reset(w.br)
		}
		if err != nil {
			return fileCounts{}, fmt.Errorf("gzip: %w", err)
		}
		r = w.gz
	}
	w.sc.reset(r)
	p := parser{sc: w.sc, sink: w.sink, stop: w.stop}
	err = p.parse()
	if err != nil && !errors.Is(err, errStopped) {
		err = describe(err)
	}
	return p.c, err
}

// describe turns low-level read errors into reasons a person can act on.
func describe(err error) error {
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("truncated (unexpected end of file)")
	case errors.Is(err, gzip.ErrChecksum):
		return errors.New("gzip checksum mismatch (corrupt or truncated)")
	}
	return err
}

// counting counts the bytes read through it, for progress.
type counting struct {
	r io.Reader
	n *atomic.Int64
}

func (c *counting) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}
