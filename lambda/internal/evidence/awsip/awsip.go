// Package awsip answers whether an address belongs to AWS, and to which service and Region, from
// AWS's published ip-ranges.json (AWS General Reference, "AWS IP address ranges").
//
// The whole published file, IPv4 and IPv6, is embedded gzip-compressed (about 120 KB for 2.6 MB of
// JSON), so that the answer never needs the network and the Lambda and the CLI share one base;
// Fetch reads the live file where the network allows, and `make ip-ranges` refreshes the
// snapshot. Lookups go through a prefix table (a multibit trie), not a scan, so that the full
// file's ~17,000 prefixes cost no more per address than a handful. Every answer names the date of
// the ranges it came from: AWS adds and moves ranges every week, and an "outside AWS" verdict is
// only as true as the file behind it.
package awsip

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"sync"

	"github.com/gaissmai/bart"
)

// URL is where AWS publishes its ranges.
const URL = "https://ip-ranges.amazonaws.com/ip-ranges.json"

// The published file, gzip-compressed as `make ip-ranges` writes it.
//
//go:embed ip-ranges.json.gz
var snapshot []byte

// Prefix is the answer to a lookup: the most specific published range holding the address.
type Prefix struct {
	Prefix netip.Prefix
	Region string
	// Service is the most specific service AWS names for the range: "EC2" rather than the
	// "AMAZON" entry the file also lists for the same prefix.
	Service string
	// Date is the createDate of the ranges the answer came from.
	Date string
}

// Ranges is a parsed ip-ranges.json.
type Ranges struct {
	CreateDate string // as published, e.g. "2026-08-22-15-17-05"
	Partial    bool   // a seed, not AWS's whole file (see ip-ranges.json's "note")
	IPv4, IPv6 int    // published entries of each family
	table      *bart.Table[entry]
}

// entry is what the table holds per prefix. The file lists a prefix once per service
// ("AMAZON" and "EC2", say); the entries are folded into one.
type entry struct {
	prefix          netip.Prefix
	region, service string
}

type document struct {
	SyncToken  string `json:"syncToken"`
	CreateDate string `json:"createDate"`
	Note       string `json:"note"`
	Prefixes   []struct {
		IPPrefix string `json:"ip_prefix"`
		Region   string `json:"region"`
		Service  string `json:"service"`
	} `json:"prefixes"`
	IPv6Prefixes []struct {
		IPv6Prefix string `json:"ipv6_prefix"`
		Region     string `json:"region"`
		Service    string `json:"service"`
	} `json:"ipv6_prefixes"`
}

// Parse reads an ip-ranges.json document, plain or gzip-compressed.
func Parse(r io.Reader) (*Ranges, error) {
	br := bufio.NewReader(r)
	if magic, err := br.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("ip ranges: %w", err)
		}
		defer gz.Close()
		br = bufio.NewReader(gz)
	}
	var d document
	if err := json.NewDecoder(br).Decode(&d); err != nil {
		return nil, fmt.Errorf("ip ranges: %w", err)
	}
	out := &Ranges{CreateDate: d.CreateDate, Partial: d.Note != "", IPv4: len(d.Prefixes), IPv6: len(d.IPv6Prefixes),
		table: new(bart.Table[entry])}
	add := func(s, region, service string) error {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return fmt.Errorf("ip ranges: %w", err)
		}
		out.table.Modify(p.Masked(), func(old entry, exists bool) (entry, bool) {
			// AMAZON is the catch-all: a named service listed for the same prefix says more.
			if exists && (service == "AMAZON" || old.service != "AMAZON") {
				return old, false
			}
			return entry{p.Masked(), region, service}, false
		})
		return nil
	}
	for _, p := range d.Prefixes {
		if err := add(p.IPPrefix, p.Region, p.Service); err != nil {
			return nil, err
		}
	}
	for _, p := range d.IPv6Prefixes {
		if err := add(p.IPv6Prefix, p.Region, p.Service); err != nil {
			return nil, err
		}
	}
	if out.table.Size() == 0 {
		return nil, fmt.Errorf("ip ranges: no prefixes")
	}
	return out, nil
}

// snapshotOnce parses the embedded file once per process: the CLI and every invocation of a
// warm Lambda share it.
var snapshotOnce = sync.OnceValues(func() (*Ranges, error) { return Parse(bytes.NewReader(snapshot)) })

// Snapshot returns the embedded ranges. It is shared: callers must not modify it.
func Snapshot() *Ranges {
	r, err := snapshotOnce()
	if err != nil {
		panic("awsip: embedded snapshot: " + err.Error()) // caught by the package's tests
	}
	return r
}

// Fetch reads the live file from url (URL in production).
func Fetch(ctx context.Context, client *http.Client, url string) (*Ranges, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch ip ranges: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch ip ranges: HTTP %d", resp.StatusCode)
	}
	return Parse(io.LimitReader(resp.Body, 64<<20))
}

// Lookup returns the most specific published range holding addr. IPv4-mapped IPv6 addresses
// ("::ffff:54.250.10.11", as dual-stack endpoints log them) are looked up as IPv4.
func (r *Ranges) Lookup(addr netip.Addr) (Prefix, bool) {
	addr = addr.Unmap()
	e, ok := r.table.Lookup(addr)
	if !ok {
		return Prefix{}, false
	}
	return Prefix{Prefix: e.prefix, Region: e.region, Service: e.service, Date: r.CreateDate}, true
}

// Len is the number of distinct prefixes.
func (r *Ranges) Len() int { return r.table.Size() }

// Describe names the ranges for a report: "ip-ranges.json of 2026-08-22-15-17-05".
func (r *Ranges) Describe() string {
	s := "ip-ranges.json of " + r.CreateDate
	if r.Partial {
		s += " (seed subset)"
	}
	return s
}
