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

// TestRealAddresses places addresses that appear in public CloudTrail records and well-known
// public services with the embedded file. Whether each is AWS's was decided apart from the file
// (the network's owner: AWS's own documentation examples, Amazon's AS16509/AS14618 blocks, ISPs,
// Tor exits, public resolvers); the records are in ../testdata/corpus (see its SOURCES.md).
func TestRealAddresses(t *testing.T) {
	r := Snapshot()
	tests := []struct {
		addr    string
		inside  bool
		service string // when inside
		region  string
		source  string
	}{
		{"52.95.4.13", true, "AMAZON", "us-east-2", "Redshift management guide, CreateCluster from the console (us-east-2)"},
		{"54.240.230.177", true, "AMAZON", "us-west-2", "GuardDuty user guide, CreateThreatIntelSet"},
		{"205.251.233.176", true, "AMAZON", "us-west-2", "Lambda developer guide, root console CreateTopic"},
		{"205.251.233.179", true, "AMAZON", "us-west-2", "Panther fixture aws_securityhub_finding_evasion"},
		{"72.21.217.97", true, "AMAZON", "us-east-1", "Panther fixture aws_key_compromised (AWS attaching its quarantine policy)"},
		{"72.21.198.64", true, "AMAZON", "us-east-1", "CloudTrail user guide, EC2 console CreateKeyPair"},
		{"3.10.107.144", true, "EC2", "eu-west-2", "Panther fixture aws_unauthorized_api_call"},
		{"2600:1f1c:770:4e00:8d7a:1e08:be28:f21c", true, "EC2", "us-west-1", "S3 event notification, CompleteMultipartUpload in us-west-1"},
		{"2600:1ffe:8140::a47:a85a", true, "AMAZON", "us-east-1", "Panther fixture aws_s3_access_ip_allowlist"},
		{"::ffff:3.10.107.144", true, "EC2", "eu-west-2", "the same EC2 address as a dual-stack endpoint logs it"},
		{"84.32.71.33", false, "", "", "Pwned Labs breach write-up (GSL Networks)"},
		{"104.102.221.250", false, "", "", "flaws.cloud CloudTrail dataset (Akamai)"},
		{"73.252.165.138", false, "", "", "Panther fixture aws_cloudtrail_useraccesskeyauth (Comcast)"},
		{"71.253.251.71", false, "", "", "Panther scenario compromised-root-creds, victim (Verizon)"},
		{"92.55.146.245", false, "", "", "Panther scenario compromised-root-creds, attacker"},
		{"200.58.83.179", false, "", "", "Panther scenario enrichment-example, attacker"},
		{"136.24.229.58", false, "", "", "Panther scenario enrichment-example, victim"},
		{"185.220.101.75", false, "", "", "Panther fixture aws_rds_snapshot_enumeration (Tor exit)"},
		{"64.25.27.224", false, "", "", "Panther fixture aws_update_credentials"},
		{"8.8.8.8", false, "", "", "Google Public DNS"},
		{"2001:4860:4860::8888", false, "", "", "Google Public DNS, IPv6"},
		{"2606:4700:4700::1111", false, "", "", "Cloudflare DNS, IPv6"},
	}
	for _, tt := range tests {
		p, ok := r.Lookup(netip.MustParseAddr(tt.addr))
		got := struct {
			Inside          bool
			Service, Region string
		}{ok, p.Service, p.Region}
		want := struct {
			Inside          bool
			Service, Region string
		}{tt.inside, tt.service, tt.region}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (%s) (-want +got):\n%s", tt.addr, tt.source, diff)
		}
		if ok && p.Date != "2026-08-22-15-17-05" {
			t.Errorf("%s: answer names ranges of %q", tt.addr, p.Date)
		}
	}
}
