package awsip

import (
	"bytes"
	"net/netip"
	"testing"
)

// BenchmarkLookup looks addresses up in the whole embedded file: EC2 and S3 addresses inside,
// IPv6 inside, and addresses outside AWS (the slowest case for a scan, which must see every
// prefix to say no).
func BenchmarkLookup(b *testing.B) {
	r := Snapshot()
	addrs := []netip.Addr{
		netip.MustParseAddr("54.250.10.11"), netip.MustParseAddr("52.216.8.10"),
		netip.MustParseAddr("2406:da14:aaa::1"), netip.MustParseAddr("203.0.113.7"),
		netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("198.51.100.1"),
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		r.Lookup(addrs[i%len(addrs)])
		i++
	}
	b.ReportMetric(float64(r.Len()), "prefixes")
}

// BenchmarkParseSnapshot is the cold-start cost of the embedded file: gunzip, decode, build the
// table.
func BenchmarkParseSnapshot(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(bytes.NewReader(snapshot)); err != nil {
			b.Fatal(err)
		}
	}
}
