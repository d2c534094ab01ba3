package evidence

import (
	"encoding/json"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/iam4-responder/iam4-responder/lambda/internal/evidence/awsip"
)

// benchRecords are CloudTrail records as LookupEvents returns them, one per kind of caller.
func benchRecords(b *testing.B) [][]byte { return benchRecordsOf(b) }

func benchRecordsOf(b testing.TB) [][]byte {
	b.Helper()
	var out [][]byte
	for _, name := range []string{"cloudtrail-root-accesskey-event-ADAPTED.json", "cloudtrail-root-console-signin-mfa.json"} {
		out = append(out, readFile(b, name))
	}
	return out
}

// TestBenchmarkRecordsAreAKeyCallAndASignIn checks that BenchmarkDecodeAndClassify times both
// paths it claims to: a call made with a root access key and a console sign-in.
func TestBenchmarkRecordsAreAKeyCallAndASignIn(t *testing.T) {
	want := []Kind{AccessKeyCall, SignIn}
	for i, raw := range benchRecordsOf(t) {
		var r Record
		if err := json.Unmarshal(raw, &r); err != nil {
			t.Fatal(err)
		}
		if got := Classify(&r); got != want[i] {
			t.Errorf("benchmark record %d is %v, want %v", i, got, want[i])
		}
	}
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

// BenchmarkUsageAdd measures aggregation of access-key calls spread over 100 addresses, half of
// them AWS's, placed with the whole embedded ip-ranges.json, each record with its own eventID
// (the de-duplication set grows as in a real run).
func BenchmarkUsageAdd(b *testing.B) {
	u := NewUsage(awsip.Snapshot())
	recs := make([]*Record, 100)
	for i := range recs {
		ip := fmt.Sprintf("203.0.113.%d", i)
		if i%2 == 0 {
			ip = fmt.Sprintf("54.250.%d.11", i)
		}
		recs[i] = keyCall("AKIAIOSFODNN7EXAMPLE", ip, "aws-cli/2.15.0 Python/3.11",
			"ec2:DescribeInstances", time.Date(2026, 10, 1, 0, i, 0, 0, time.UTC))
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		r := recs[i%len(recs)]
		r.EventID = strconv.Itoa(i)
		u.Add(r)
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
