// Package trailgen writes CloudTrail trail directories laid out exactly as CloudTrail delivers
// log files to S3: AWSLogs/[<o-id>/]<account>/CloudTrail/<region>/<yyyy>/<MM>/<dd>/ holding
// <account>_CloudTrail_<region>_<yyyyMMddTHHmmZ>_<unique>.json.gz files of {"Records": [...]}
// (CloudTrail user guide, "Finding your CloudTrail log files"). Place puts given records
// there; Generate writes a synthetic organization's year. For tests, benchmarks and demos only.
package trailgen

import (
	"bufio"
	"cmp"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"
)

// Layout says where a trail's files go.
type Layout struct {
	// OrgID, when set, inserts the organization id after AWSLogs/ as an organization trail does.
	OrgID string
	// FileSpan is how much time one log file covers; 5 minutes (CloudTrail's usual delivery)
	// when zero.
	FileSpan time.Duration
}

// Dir is the directory of one account, Region and day.
func (l Layout) Dir(root, account, region string, day time.Time) string {
	parts := []string{root, "AWSLogs"}
	if l.OrgID != "" {
		parts = append(parts, l.OrgID)
	}
	d := day.UTC()
	return filepath.Join(append(parts, account, "CloudTrail", region,
		d.Format("2006"), d.Format("01"), d.Format("02"))...)
}

func (l Layout) span() time.Duration { return cmp.Or(l.FileSpan, 5*time.Minute) }

// placed is the part of a record that decides its file.
type placed struct {
	EventTime          time.Time `json:"eventTime"`
	AWSRegion          string    `json:"awsRegion"`
	RecipientAccountID string    `json:"recipientAccountId"`
	UserIdentity       struct {
		AccountID string `json:"accountId"`
	} `json:"userIdentity"`
}

// Place writes records into root in the layout: each to its account (recipientAccountId, or
// the identity's account when the record has none), Region and time slot. It returns the
// number of files written.
func Place(root string, l Layout, records []json.RawMessage) (int, error) {
	type slot struct {
		account, region string
		start           time.Time
	}
	groups := map[slot][]json.RawMessage{}
	for i, raw := range records {
		var p placed
		if err := json.Unmarshal(raw, &p); err != nil {
			return 0, fmt.Errorf("record %d: %w", i+1, err)
		}
		acc := cmp.Or(p.RecipientAccountID, p.UserIdentity.AccountID)
		if acc == "" || p.AWSRegion == "" || p.EventTime.IsZero() {
			return 0, fmt.Errorf("record %d: no account, Region or time to place it by", i+1)
		}
		s := slot{acc, p.AWSRegion, p.EventTime.UTC().Truncate(l.span())}
		groups[s] = append(groups[s], raw)
	}
	keys := make([]slot, 0, len(groups))
	for s := range groups {
		keys = append(keys, s)
	}
	slices.SortFunc(keys, func(a, b slot) int {
		return cmp.Or(cmp.Compare(a.account, b.account), cmp.Compare(a.region, b.region), a.start.Compare(b.start))
	})
	for i, s := range keys {
		w, err := Create(root, l, s.account, s.region, s.start, i)
		if err != nil {
			return i, err
		}
		for _, r := range groups[s] {
			if err := w.Add(r); err != nil {
				return i, err
			}
		}
		if err := w.Close(); err != nil {
			return i, err
		}
	}
	return len(keys), nil
}

// File writes one log file, record by record, so that a large trail never sits in memory.
type File struct {
	f  *os.File
	bw *bufio.Writer
	gz *gzip.Writer
	n  int
}

// Create opens the log file of an account, Region and delivery time; seq makes its name unique.
func Create(root string, l Layout, account, region string, at time.Time, seq int) (*File, error) {
	dir := l.Dir(root, account, region, at)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	name := fmt.Sprintf("%s_CloudTrail_%s_%s_%08x.json.gz", account, region, at.UTC().Format("20060102T1504Z"), seq)
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		return nil, err
	}
	bw := bufio.NewWriterSize(f, 64<<10)
	gz, _ := gzips.Get().(*gzip.Writer)
	if gz == nil {
		gz = gzip.NewWriter(bw)
	} else {
		gz.Reset(bw)
	}
	if _, err := gz.Write([]byte(`{"Records":[`)); err != nil {
		f.Close()
		return nil, err
	}
	return &File{f: f, bw: bw, gz: gz}, nil
}

// Add appends one record.
func (w *File) Add(record json.RawMessage) error {
	if w.n > 0 {
		if _, err := w.gz.Write([]byte{','}); err != nil {
			return err
		}
	}
	w.n++
	_, err := w.gz.Write(record)
	return err
}

// Close ends the file.
func (w *File) Close() error {
	_, err := w.gz.Write([]byte(`]}`))
	for _, step := range []func() error{w.gz.Close, w.bw.Flush, w.f.Close} {
		if e := step(); err == nil {
			err = e
		}
	}
	gzips.Put(w.gz)
	return err
}

// gzips keeps gzip writers between files: each holds about a megabyte of compressor state, and
// a year's trail has thousands of files.
var gzips sync.Pool
