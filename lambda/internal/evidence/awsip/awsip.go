// Package awsip answers whether an address belongs to AWS, from AWS's published
// ip-ranges.json (AWS General Reference, "AWS IP address ranges").
//
// A snapshot is embedded so that the answer never needs the network; Fetch reads the live file
// where the network allows, and `make ip-ranges` refreshes the snapshot.
package awsip

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"slices"
)

// URL is where AWS publishes its ranges.
const URL = "https://ip-ranges.amazonaws.com/ip-ranges.json"

//go:embed ip-ranges.json
var snapshot []byte

// Prefix is one published range.
type Prefix struct {
	Prefix  netip.Prefix
	Region  string
	Service string
}

// Ranges is a parsed ip-ranges.json.
type Ranges struct {
	CreateDate string // as published, e.g. "2026-11-20-12-34-56"
	Partial    bool   // a seed, not AWS's whole file (see ip-ranges.json's "note")
	prefixes   []Prefix
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

// Parse reads an ip-ranges.json document.
func Parse(r io.Reader) (*Ranges, error) {
	var d document
	if err := json.NewDecoder(r).Decode(&d); err != nil {
		return nil, fmt.Errorf("ip ranges: %w", err)
	}
	out := &Ranges{CreateDate: d.CreateDate, Partial: d.Note != ""}
	add := func(s, region, service string) error {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return fmt.Errorf("ip ranges: %w", err)
		}
		out.prefixes = append(out.prefixes, Prefix{p.Masked(), region, service})
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
	if len(out.prefixes) == 0 {
		return nil, fmt.Errorf("ip ranges: no prefixes")
	}
	// Longest prefix first, so the first match is the most specific, and a service-specific
	// entry (EC2) wins over the AMAZON entry that covers it at the same length.
	slices.SortStableFunc(out.prefixes, func(a, b Prefix) int {
		if a.Prefix.Bits() != b.Prefix.Bits() {
			return b.Prefix.Bits() - a.Prefix.Bits()
		}
		if (a.Service == "AMAZON") != (b.Service == "AMAZON") {
			if a.Service == "AMAZON" {
				return 1
			}
			return -1
		}
		return 0
	})
	return out, nil
}

// Snapshot returns the embedded ranges.
func Snapshot() *Ranges {
	r, err := Parse(bytes.NewReader(snapshot))
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

// Lookup returns the most specific published range holding addr.
func (r *Ranges) Lookup(addr netip.Addr) (Prefix, bool) {
	addr = addr.Unmap()
	for _, p := range r.prefixes {
		if p.Prefix.Contains(addr) {
			return p, true
		}
	}
	return Prefix{}, false
}

// Len is the number of ranges.
func (r *Ranges) Len() int { return len(r.prefixes) }
