package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
	"golang.org/x/term"
)

// interactive reports whether w is a terminal: progress is drawn only there, so logs and
// pipes stay clean.
func interactive(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// readBar draws the bytes read out of total (0: unknown, as on stdin) with rate and ETA, until
// the returned stop is called.
func readBar(w io.Writer, total int64, files int, read *atomic.Int64) (stop func()) {
	p := mpb.New(mpb.WithOutput(w), mpb.WithWidth(32), mpb.WithRefreshRate(200*time.Millisecond))
	name := decor.Name(fmt.Sprintf("%d %s ", files, plural(files, "file", "files")))
	var bar *mpb.Bar
	if total > 0 {
		bar = p.AddBar(total,
			mpb.PrependDecorators(name, decor.CountersKibiByte("% .1f / % .1f")),
			mpb.AppendDecorators(decor.AverageSpeed(decor.SizeB1024(0), " % .1f"), decor.Name("  ETA "),
				decor.AverageETA(decor.ET_STYLE_GO)))
	} else {
		bar = p.AddSpinner(0, mpb.PrependDecorators(name, decor.CurrentKibiByte("% .1f")),
			mpb.AppendDecorators(decor.AverageSpeed(decor.SizeB1024(0), " % .1f")))
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				bar.SetCurrent(read.Load())
			case <-done:
				return
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
		bar.SetCurrent(read.Load())
		bar.SetTotal(-1, true)
		p.Wait()
	}
}

// regionBars draws one bar per Region for a live investigation: pages and events read, and the
// rate, since the number of pages is not known before the end.
type regionBars struct {
	p    *mpb.Progress
	mu   sync.Mutex
	bars map[string]*regionBar
}

type regionBar struct {
	bar           *mpb.Bar
	pages, events atomic.Int64
}

func newRegionBars(w io.Writer) *regionBars {
	return &regionBars{p: mpb.New(mpb.WithOutput(w), mpb.WithWidth(24), mpb.WithRefreshRate(200*time.Millisecond)),
		bars: map[string]*regionBar{}}
}

// page is the collector's Progress callback.
func (r *regionBars) page(region string, pages, events int) {
	r.mu.Lock()
	b, ok := r.bars[region]
	if !ok {
		b = &regionBar{}
		b.bar = r.p.AddSpinner(0,
			mpb.PrependDecorators(decor.Name(fmt.Sprintf("%-15s", region))),
			mpb.AppendDecorators(decor.Any(func(decor.Statistics) string {
				return fmt.Sprintf(" %5d pages %7d events", b.pages.Load(), b.events.Load())
			}), decor.AverageSpeed(nil, "  % .1f pages/s")))
		r.bars[region] = b
	}
	r.mu.Unlock()
	b.pages.Store(int64(pages))
	b.events.Store(int64(events))
	b.bar.SetCurrent(int64(pages))
}

func (r *regionBars) stop() {
	r.mu.Lock()
	for _, b := range r.bars {
		b.bar.SetTotal(-1, true)
	}
	r.mu.Unlock()
	r.p.Wait()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
