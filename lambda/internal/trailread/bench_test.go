package trailread

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/iam4-responder/iam4-responder/lambda/internal/evidence"
)

// benchLog is a log file of n records, one in a thousand the root's, the others an IAM user's
// calls with varied addresses (the user guide's record, re-addressed).
func benchLog(b *testing.B, n int) []byte {
	b.Helper()
	user := compact(b, sample(b, "cloudtrail-iamuser-longterm-key-apicall.json"))
	root := compact(b, sample(b, "cloudtrail-root-accesskey-event-ADAPTED.json"))
	recs := make([][]byte, n)
	for i := range recs {
		if i%1000 == 999 {
			recs[i] = root
			continue
		}
		recs[i] = bytes.Replace(user, []byte(`"sourceIPAddress": "`), []byte(fmt.Sprintf(`"sourceIPAddress": "10.0.%d.`, i%256)), 1)
	}
	return logFile(b, recs...)
}

// BenchmarkRead measures reading gzip log files end to end (decompression, splitting, the
// root pre-check and the decode of root records), in uncompressed bytes per second.
func BenchmarkRead(b *testing.B) {
	plain := benchLog(b, 4000)
	zipped := gz(b, plain)
	var inputs []Input
	for i := range 16 {
		inputs = append(inputs, memInput(fmt.Sprint(i), zipped))
	}
	b.SetBytes(int64(len(plain) * len(inputs)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Read(b.Context(), Listing{Inputs: inputs}, Options{Workers: 1}, func(string, *evidence.Record) {}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSplit measures splitting and pre-checking alone, on plain JSON.
func BenchmarkSplit(b *testing.B) {
	plain := benchLog(b, 4000)
	inputs := []Input{memInput("plain", plain)}
	b.SetBytes(int64(len(plain)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Read(b.Context(), Listing{Inputs: inputs}, Options{Workers: 1}, func(string, *evidence.Record) {}); err != nil {
			b.Fatal(err)
		}
	}
}
