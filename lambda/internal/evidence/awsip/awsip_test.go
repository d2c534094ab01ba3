package awsip

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

func TestSnapshotLoads(t *testing.T) {
	r := Snapshot()
	if r.Len() == 0 || r.CreateDate == "" {
		t.Fatalf("snapshot: %d prefixes, date %q", r.Len(), r.CreateDate)
	}
}

func TestLookup(t *testing.T) {
	r, err := Parse(strings.NewReader(`{"createDate":"2026-01-01-00-00-00","prefixes":[
		{"ip_prefix":"54.250.0.0/16","region":"ap-northeast-1","service":"AMAZON"},
		{"ip_prefix":"54.250.0.0/16","region":"ap-northeast-1","service":"EC2"},
		{"ip_prefix":"54.0.0.0/8","region":"GLOBAL","service":"AMAZON"}],
		"ipv6_prefixes":[{"ipv6_prefix":"2406:da14::/32","region":"ap-northeast-1","service":"EC2"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		ip      string
		want    bool
		service string
		region  string
	}{
		{"54.250.10.11", true, "EC2", "ap-northeast-1"},
		{"54.1.2.3", true, "AMAZON", "GLOBAL"},
		{"::ffff:54.250.10.11", true, "EC2", "ap-northeast-1"},
		{"2406:da14::1", true, "EC2", "ap-northeast-1"},
		{"203.0.113.7", false, "", ""},
	}
	for _, tt := range tests {
		p, ok := r.Lookup(netip.MustParseAddr(tt.ip))
		if ok != tt.want || p.Service != tt.service || p.Region != tt.region {
			t.Errorf("Lookup(%s) = %+v %v", tt.ip, p, ok)
		}
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
	if _, err := Parse(strings.NewReader(`{"prefixes":[{"ip_prefix":"not a prefix"}]}`)); err == nil {
		t.Error("a bad prefix parsed")
	}
}
