// Package metrics writes the function's metrics in CloudWatch's embedded metric format (EMF): one
// JSON line on standard output per flush, which CloudWatch Logs turns into metrics in the
// contract.MetricNamespace namespace, dimensioned by the function's name. No PutMetricData call,
// no permission, no latency on the case's path.
//
// It must never fail the work it measures: recording cannot fail, and a nil *Recorder records
// nothing, so code under test needs none.
package metrics

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/iam4-responder/iam4-responder/lambda/contract"
)

// EMF limits (CloudWatch user guide, "Specification: Embedded metric format"): at most 100
// metric definitions per directive and 100 values per metric.
const (
	maxMetrics = 100
	maxValues  = 100
)

// Recorder collects metric values between flushes. It is safe for concurrent use.
type Recorder struct {
	w        io.Writer
	function string
	now      func() time.Time

	mu     sync.Mutex
	values map[string][]float64
	units  map[string]string
}

// New returns a recorder writing to w (os.Stdout in Lambda) for the function named function
// (AWS_LAMBDA_FUNCTION_NAME); now stamps each document (time.Now in production).
func New(w io.Writer, function string, now func() time.Time) *Recorder {
	return &Recorder{w: w, function: function, now: now, values: map[string][]float64{}, units: map[string]string{}}
}

// Count adds n to a count metric (cases, pages, failures …).
func (r *Recorder) Count(name string, n int) {
	r.record(name, contract.MetricUnitCount, float64(n), true)
}

// Duration records one duration in seconds (evidence gathering of one case).
func (r *Recorder) Duration(name string, d time.Duration) {
	r.record(name, contract.MetricUnitSeconds, d.Seconds(), false)
}

func (r *Recorder) record(name, unit string, v float64, sum bool) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.units[name] = unit
	if vs := r.values[name]; sum && len(vs) == 1 {
		vs[0] += v
		return
	}
	r.values[name] = append(r.values[name], v)
}

// Flush writes what was recorded since the last flush as EMF documents and forgets it; with
// nothing recorded it writes nothing. Call it once at the end of each invocation.
func (r *Recorder) Flush() error {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	values, units := r.values, r.units
	r.values, r.units = map[string][]float64{}, map[string]string{}
	r.mu.Unlock()

	names := slices.Sorted(maps.Keys(values))
	stamp := r.now().UnixMilli()
	// Each document holds up to maxMetrics metrics with up to maxValues values each; longer
	// series continue in the next document.
	for len(names) > 0 {
		doc := map[string]any{contract.MetricDimension: r.function}
		var defs []map[string]string
		var rest []string
		for _, name := range names {
			vs := values[name]
			if len(defs) == maxMetrics {
				rest = append(rest, name)
				continue
			}
			n := min(len(vs), maxValues)
			if n == 1 {
				doc[name] = vs[0]
			} else {
				doc[name] = vs[:n]
			}
			defs = append(defs, map[string]string{"Name": name, "Unit": units[name]})
			if len(vs) > n {
				values[name] = vs[n:]
				rest = append(rest, name)
			}
		}
		doc["_aws"] = map[string]any{
			"Timestamp": stamp,
			"CloudWatchMetrics": []any{map[string]any{
				"Namespace":  contract.MetricNamespace,
				"Dimensions": [][]string{{contract.MetricDimension}},
				"Metrics":    defs,
			}},
		}
		line, err := json.Marshal(doc)
		if err != nil {
			return fmt.Errorf("metrics: %w", err)
		}
		if _, err := r.w.Write(append(line, '\n')); err != nil {
			return fmt.Errorf("metrics: write: %w", err)
		}
		names = rest
	}
	return nil
}
