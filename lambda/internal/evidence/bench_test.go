package evidence

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

// benchRecords are CloudTrail records as LookupEvents returns them, one per kind of caller.
func benchRecords(b *testing.B) [][]byte {
	b.Helper()
	var out [][]byte
	for _, name := range []string{"cloudtrail-root-accesskey-event-ADAPTED.json", "cloudtrail-root-console-signin-mfa.json"} {
		out = append(out, readFile(b, name))
	}
	return out
}

// BenchmarkDecodeAndClassify measures the per-event work of the collector: decode the
// CloudTrailEvent string and classify it.
func BenchmarkDecodeAndClassify(b *testing.B) {
	recs := benchRecords(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		var r Record
		if err := json.Unmarshal(recs[i%len(recs)], &r); err != nil {
			b.Fatal(err)
		}
		_ = Classify(&r)
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkUsageAdd measures aggregation of access-key calls spread over 100 addresses.
func BenchmarkUsageAdd(b *testing.B) {
	u := NewUsage(testRanges(b))
	recs := make([]*Record, 100)
	for i := range recs {
		recs[i] = keyCall("AKIAIOSFODNN7EXAMPLE", fmt.Sprintf("203.0.113.%d", i), "aws-cli/2.15.0 Python/3.11",
			"s3:GetObject", time.Date(2026, 10, 1, 0, i, 0, 0, time.UTC))
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		u.Add(recs[i%len(recs)])
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
