package awsip

import (
	"bytes"
	"net/netip"
	"testing"
)

// benchAddrs are BenchmarkLookup's addresses and where they are, so that the benchmark times
// every case it claims to (TestBenchmarkAddressesAreWhatTheyClaim).
var benchAddrs = []struct {
	addr   string
	inside bool
}{
	{"54.250.10.11", true}, {"52.216.8.10", true}, {"2406:da14:aaa::1", true},
	{"203.0.113.7", false}, {"2001:db8::1", false}, {"198.51.100.1", false},
}

func TestBenchmarkAddressesAreWhatTheyClaim(t *testing.T) {
	r := Snapshot()
	for _, a := range benchAddrs {
		if _, inside := r.Lookup(netip.MustParseAddr(a.addr)); inside != a.inside {
			t.Errorf("%s inside AWS = %v, the benchmark says %v", a.addr, inside, a.inside)
		}
	}
}

// BenchmarkLookup looks addresses up in the whole embedded file: EC2 and S3 addresses inside,
// IPv6 inside, and addresses outside AWS (the slowest case for a scan, which must see every
// prefix to say no).
func BenchmarkLookup(b *testing.B) {
	r := Snapshot()
	var addrs []netip.Addr
	for _, a := range benchAddrs {
		addrs = append(addrs, netip.MustParseAddr(a.addr))
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
