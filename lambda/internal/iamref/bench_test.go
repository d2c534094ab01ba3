package iamref

import (
	"bytes"
	"slices"
	"testing"
)

// BenchmarkLoad is the cold-start cost of the embedded snapshot (paid once, by the first draft).
func BenchmarkLoad(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load(bytes.NewReader(embedded)); err != nil {
			b.Fatal(err)
		}
	}
}

// TestBenchmarkCallsMapAndFit checks that BenchmarkMap and BenchmarkFits time real work: calls
// whose action has another name, and an ARN that fits.
func TestBenchmarkCallsMapAndFit(t *testing.T) {
	r, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ source, event, want string }{
		{"s3.amazonaws.com", "ListObjectsV2", "s3:ListBucket"},
		{"lambda.amazonaws.com", "UpdateFunctionCode20150331v2", "lambda:UpdateFunctionCode"},
		{"ec2.amazonaws.com", "DescribeInstances", "ec2:DescribeInstances"},
	} {
		if m := r.Map(c.source, c.event); m.Outcome != Mapped || !slices.Contains(m.Actions, c.want) {
			t.Errorf("Map(%s, %s) = %+v, want %s", c.source, c.event, m, c.want)
		}
	}
	if !r.Fits("s3:PutObject", "arn:aws:s3:::nightly-backups/db/2026-10-01.dump") {
		t.Error("an object ARN does not fit s3:PutObject")
	}
}

func BenchmarkMap(b *testing.B) {
	r, err := Default()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		r.Map("s3.amazonaws.com", "ListObjectsV2")
		r.Map("lambda.amazonaws.com", "UpdateFunctionCode20150331v2")
		r.Map("ec2.amazonaws.com", "DescribeInstances")
	}
}

func BenchmarkFits(b *testing.B) {
	r, err := Default()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		r.Fits("s3:PutObject", "arn:aws:s3:::nightly-backups/db/2026-10-01.dump")
	}
}
