package awsip

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSnapshotIsTheWholePublishedFile(t *testing.T) {
	r := Snapshot()
	// The counts of AWS's file of 2026-08-22 (prefixes and ipv6_prefixes entries).
	got := struct {
		Date       string
		Partial    bool
		IPv4, IPv6 int
	}{r.CreateDate, r.Partial, r.IPv4, r.IPv6}
	want := struct {
		Date       string
		Partial    bool
		IPv4, IPv6 int
	}{"2026-08-22-15-17-05", false, 10668, 6160}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("snapshot (-want +got):\n%s", diff)
	}
	if r.Len() < 10000 {
		t.Errorf("only %d distinct prefixes", r.Len())
	}
	if Snapshot() != r {
		t.Error("the embedded snapshot is parsed again on every call")
	}
}

func TestLookup(t *testing.T) {
	doc := `{"createDate":"2026-01-01-00-00-00","prefixes":[
		{"ip_prefix":"54.250.0.0/16","region":"ap-northeast-1","service":"AMAZON"},
		{"ip_prefix":"54.250.0.0/16","region":"ap-northeast-1","service":"EC2"},
		{"ip_prefix":"54.251.0.0/16","region":"ap-southeast-1","service":"EC2"},
		{"ip_prefix":"54.251.0.0/16","region":"ap-southeast-1","service":"AMAZON"},
		{"ip_prefix":"54.0.0.0/8","region":"GLOBAL","service":"AMAZON"}],
		"ipv6_prefixes":[{"ipv6_prefix":"2406:da14::/32","region":"ap-northeast-1","service":"EC2"}]}`
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write([]byte(doc))
	w.Close()
	for name, in := range map[string][]byte{"plain": []byte(doc), "gzip": gz.Bytes()} {
		t.Run(name, func(t *testing.T) {
			r, err := Parse(bytes.NewReader(in))
			if err != nil {
				t.Fatal(err)
			}
			tests := []struct {
				name string
				ip   string
				want Prefix
				ok   bool
			}{
				{"named service wins over AMAZON listed first", "54.250.10.11", Prefix{netip.MustParsePrefix("54.250.0.0/16"), "ap-northeast-1", "EC2", "2026-01-01-00-00-00"}, true},
				{"named service wins over AMAZON listed after", "54.251.10.11", Prefix{netip.MustParsePrefix("54.251.0.0/16"), "ap-southeast-1", "EC2", "2026-01-01-00-00-00"}, true},
				{"shorter prefix when no longer one holds it", "54.1.2.3", Prefix{netip.MustParsePrefix("54.0.0.0/8"), "GLOBAL", "AMAZON", "2026-01-01-00-00-00"}, true},
				{"IPv4-mapped IPv6 is looked up as IPv4", "::ffff:54.250.10.11", Prefix{netip.MustParsePrefix("54.250.0.0/16"), "ap-northeast-1", "EC2", "2026-01-01-00-00-00"}, true},
				{"IPv6", "2406:da14::1", Prefix{netip.MustParsePrefix("2406:da14::/32"), "ap-northeast-1", "EC2", "2026-01-01-00-00-00"}, true},
				{"outside", "203.0.113.7", Prefix{}, false},
			}
			for _, tt := range tests {
				got, ok := r.Lookup(netip.MustParseAddr(tt.ip))
				if ok != tt.ok {
					t.Errorf("%s: Lookup(%s) found = %v", tt.name, tt.ip, ok)
				}
				if diff := cmp.Diff(tt.want, got, cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })); diff != "" {
					t.Errorf("%s: Lookup(%s) (-want +got):\n%s", tt.name, tt.ip, diff)
				}
			}
		})
	}
}

func TestFetch(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte(`{"createDate":"2026-11-20-00-00-00","prefixes":[{"ip_prefix":"3.0.0.0/15","region":"us-east-1","service":"EC2"}]}`))
	}))
	defer srv.Close()
	r, err := Fetch(t.Context(), srv.Client(), srv.URL)
	if err != nil || r.CreateDate != "2026-11-20-00-00-00" || r.Partial {
		t.Fatalf("Fetch = %+v, %v", r, err)
	}
}

func TestParseRejects(t *testing.T) {
	for name, doc := range map[string]string{
		"a bad prefix":      `{"prefixes":[{"ip_prefix":"not a prefix"}]}`,
		"no prefixes":       `{"createDate":"2026-01-01-00-00-00","prefixes":[]}`,
		"a truncated gzip":  "\x1f\x8b\x08\x00",
		"an empty download": "",
	} {
		if _, err := Parse(strings.NewReader(doc)); err == nil {
			t.Errorf("%s parsed", name)
		}
	}
}
