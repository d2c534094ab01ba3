package iamref

import (
	"bytes"
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
