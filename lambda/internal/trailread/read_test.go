package trailread

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/iam4-responder/iam4-responder/internal/samples"
	"github.com/iam4-responder/iam4-responder/lambda/internal/evidence"
)

// sample reads one of the project's shared CloudTrail samples (internal/samples).
func sample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := samples.File(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// local reads a record kept in testdata/ because no other package uses it (see SOURCES.md there).
func local(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// compact re-encodes a JSON document on one line.
func compact(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gz(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// logFile wraps records in a CloudTrail log file.
func logFile(t testing.TB, records ...[]byte) []byte {
	t.Helper()
	return []byte(`{"Records":[` + string(bytes.Join(records, []byte(","))) + `]}`)
}

// withAccount returns a record with its recipientAccountId (and userIdentity.accountId) set, as
// an organization trail holds records of many accounts.
func withAccount(t testing.TB, record []byte, account string) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(record, &m); err != nil {
		t.Fatal(err)
	}
	m["recipientAccountId"] = account
	if id, ok := m["userIdentity"].(map[string]any); ok {
		id["accountId"] = account
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// memInput is an input served from memory.
func memInput(name string, data []byte) Input {
	return Input{Name: name, Size: int64(len(data)), open: func(context.Context) (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	}}
}

// collected is what a read handed to the sink: event names per account.
type collected struct {
	mu   sync.Mutex
	recs map[string][]string
}

func (c *collected) add(account string, r *evidence.Record) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.recs == nil {
		c.recs = map[string][]string{}
	}
	c.recs[account] = append(c.recs[account], r.EventName)
}

// ignoreVolatile leaves out what depends on compression and timing.
var ignoreVolatile = cmpopts.IgnoreFields(Stats{}, "Bytes")

func TestEachFileIsRecognisedOnItsOwn(t *testing.T) {
	signin := sample(t, "root-console-signin.json")
	keyCall := sample(t, "cloudtrail-root-accesskey-event-ADAPTED.json")
	userCall := sample(t, "cloudtrail-iamuser-longterm-key-apicall.json")
	mfa := sample(t, "cloudtrail-root-console-signin-mfa.json")
	digest := local(t, "cloudtrail-digest-userguide.json")
	lines := string(compact(t, keyCall)) + "\n" + string(compact(t, userCall)) + "\n" + string(compact(t, mfa)) + "\n"
	cloudwatch := "2015-03-18T19:03:36.000Z " + string(compact(t, keyCall)) + "\n" +
		"2015-03-18T19:04:36.000Z " + string(compact(t, userCall)) + "\n"
	tests := []struct {
		name string
		data []byte
		want Stats
		root []string // event names reaching the sink
	}{
		{"a log file as CloudTrail delivers it", signin,
			Stats{FilesRead: 1, Records: 1, RootRecords: 1}, []string{"ConsoleLogin"}},
		{"a gzip log file is read by its magic bytes, not its name", gz(t, logFile(t, keyCall, userCall)),
			Stats{FilesRead: 1, Records: 2, RootRecords: 1}, []string{"EnableMFADevice"}},
		{"a single record", keyCall, Stats{FilesRead: 1, Records: 1, RootRecords: 1}, []string{"EnableMFADevice"}},
		{"a record of another user is counted, not handed on", userCall, Stats{FilesRead: 1, Records: 1}, nil},
		{"JSON lines", []byte(lines), Stats{FilesRead: 1, Records: 3, RootRecords: 2}, []string{"EnableMFADevice", "ConsoleLogin"}},
		{"CloudWatch Logs export lines with a timestamp before the JSON", []byte(cloudwatch),
			Stats{FilesRead: 1, Records: 2, RootRecords: 1}, []string{"EnableMFADevice"}},
		{"lookup-events output, Events first", sample(t, "cloudtrail-lookupevents-response.json"),
			Stats{FilesRead: 1, Records: 1}, nil},
		{"lookup-events output, NextToken first", sample(t, "cloudtrail-lookupevents-root-response-doc.json"),
			Stats{FilesRead: 1, Records: 1, RootRecords: 1}, []string{"ConsoleLogin"}},
		{"a JSON array of records", []byte("[" + string(keyCall) + "," + string(userCall) + "]"),
			Stats{FilesRead: 1, Records: 2, RootRecords: 1}, []string{"EnableMFADevice"}},
		{"a digest file is skipped and counted", digest, Stats{FilesSkipped: 1, DigestFiles: 1}, nil},
		{"JSON that is not CloudTrail is skipped and counted", []byte(`{"hello":"world"}`),
			Stats{FilesSkipped: 1, OtherFiles: 1}, nil},
		{"a digest before log files on stdin does not hide them", []byte(string(digest) + string(signin) + string(logFile(t, keyCall, userCall))),
			Stats{FilesRead: 1, Records: 3, RootRecords: 2}, []string{"ConsoleLogin", "EnableMFADevice"}},
		{"a single record before a log file on stdin does not hide it", []byte(string(userCall) + "\n" + string(signin)),
			Stats{FilesRead: 1, Records: 2, RootRecords: 1}, []string{"ConsoleLogin"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c collected
			got, err := Read(t.Context(), Listing{Inputs: []Input{memInput("f", tt.data)}}, Options{}, c.add)
			if err != nil {
				t.Fatal(err)
			}
			got.FirstEvent, got.LastEvent = time.Time{}, time.Time{}
			if diff := cmp.Diff(tt.want, got, ignoreVolatile); diff != "" {
				t.Errorf("stats (-want +got):\n%s", diff)
			}
			var names []string
			for _, n := range c.recs {
				names = append(names, n...)
			}
			if diff := cmp.Diff(tt.root, names, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("root records (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBrokenFileIsSkippedWithItsNameAndReason(t *testing.T) {
	keyCall := compact(t, sample(t, "cloudtrail-root-accesskey-event-ADAPTED.json"))
	whole := logFile(t, keyCall, keyCall, keyCall)
	cut := whole[:len(whole)-len(keyCall)/2-2] // the third record is cut in the middle
	zipped := gz(t, whole)
	tests := []struct {
		name   string
		data   []byte
		reason string
		root   int64
	}{
		{"a truncated log file", cut, "truncated (unexpected end of file) after 2 records (those were counted)", 2},
		{"a truncated gzip file", zipped[:len(zipped)-20], "truncated (unexpected end of file)", -1},
		{"a file that is not JSON", []byte("PK\x03\x04 a zip file"), `not JSON: starts with 'P'`, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inputs := []Input{memInput("good.json", whole), memInput("AWSLogs/bad.json.gz", tt.data)}
			got, err := Read(t.Context(), Listing{Inputs: inputs}, Options{Workers: 1}, func(string, *evidence.Record) {})
			if err != nil {
				t.Fatal(err)
			}
			if got.FilesRead != 1 || got.BrokenFiles != 1 || got.FilesSkipped != 1 || len(got.Skipped) != 1 {
				t.Fatalf("stats = %+v", got)
			}
			if tt.root >= 0 && got.RootRecords != 3+tt.root {
				t.Errorf("root records = %d, want %d", got.RootRecords, 3+tt.root)
			}
			s := got.Skipped[0]
			if s.File != "AWSLogs/bad.json.gz" || !strings.HasPrefix(s.Reason, tt.reason) {
				t.Errorf("skip = %+v, want the file's name and %q", s, tt.reason)
			}
			_, err = Read(t.Context(), Listing{Inputs: inputs}, Options{Workers: 1, Strict: true}, func(string, *evidence.Record) {})
			if !errors.Is(err, ErrBroken) || !strings.Contains(err.Error(), "AWSLogs/bad.json.gz") {
				t.Errorf("strict: err = %v, want ErrBroken naming the file", err)
			}
		})
	}
}

// tree writes an organization trail's tree in CloudTrail's S3 layout: two accounts, two Regions,
// a digest folder and a stray file, and returns its root.
func tree(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	keyCall := compact(t, sample(t, "cloudtrail-root-accesskey-event-ADAPTED.json"))
	userCall := compact(t, sample(t, "cloudtrail-iamuser-longterm-key-apicall.json"))
	write := func(rel string, data []byte) {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, acct := range []string{"111122223333", "444455556666"} {
		for i, region := range []string{"us-east-1", "eu-west-1"} {
			rel := fmt.Sprintf("AWSLogs/o-exampleorg/%s/CloudTrail/%s/2026/10/0%d/%s_CloudTrail_%s_20261001T0000Z_x%d.json.gz",
				acct, region, i+1, acct, region, i)
			write(rel, gz(t, logFile(t, withAccount(t, keyCall, acct), userCall, withAccount(t, keyCall, acct))))
		}
		write(fmt.Sprintf("AWSLogs/o-exampleorg/%s/CloudTrail-Digest/us-east-1/2026/10/01/%s_CloudTrail-Digest_us-east-1_trail_us-east-1_20261001T000000Z.json.gz",
			acct, acct), gz(t, local(t, "cloudtrail-digest-userguide.json")))
	}
	write("AWSLogs/README.txt", []byte("synced with aws s3 sync"))
	return dir
}

func TestTreeInCloudTrailLayoutGivesOneAnswerPerAccount(t *testing.T) {
	dir := tree(t)
	l, err := Expand(t.Context(), []string{dir}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var c collected
	got, err := Read(t.Context(), l, Options{}, c.add)
	if err != nil {
		t.Fatal(err)
	}
	want := Stats{FilesRead: 4, FilesSkipped: 3, DigestFiles: 2, OtherFiles: 1, Records: 12, RootRecords: 8,
		// eventTime of the user-guide records: the IAM user's call, then the root's.
		FirstEvent: time.Date(2014, 7, 18, 15, 7, 39, 0, time.UTC), LastEvent: time.Date(2022, 11, 10, 16, 24, 34, 0, time.UTC)}
	if diff := cmp.Diff(want, got, ignoreVolatile); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
	perAccount := map[string]int{}
	for a, n := range c.recs {
		perAccount[a] = len(n)
	}
	if diff := cmp.Diff(map[string]int{"111122223333": 4, "444455556666": 4}, perAccount); diff != "" {
		t.Errorf("root records per account (-want +got):\n%s", diff)
	}
}

func TestFirstEventAndLastEventSpanTheRecords(t *testing.T) {
	// The span comes from the records' own eventTime, whatever their order.
	keyCall := sample(t, "cloudtrail-root-accesskey-event-ADAPTED.json")  // 2015-03-18T19:03:36Z
	signin := sample(t, "cloudtrail-root-console-signin-mfa.json")        // a later sign-in
	userCall := sample(t, "cloudtrail-iamuser-longterm-key-apicall.json") // another date
	data := string(compact(t, signin)) + "\n" + string(compact(t, keyCall)) + "\n" + string(compact(t, userCall))
	got, err := Read(t.Context(), Listing{Inputs: []Input{memInput("f", []byte(data))}}, Options{}, func(string, *evidence.Record) {})
	if err != nil {
		t.Fatal(err)
	}
	var times []time.Time
	for _, b := range [][]byte{keyCall, signin, userCall} {
		var r struct {
			EventTime time.Time `json:"eventTime"`
		}
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		times = append(times, r.EventTime)
	}
	first, last := times[0], times[0]
	for _, tm := range times {
		if tm.Before(first) {
			first = tm
		}
		if tm.After(last) {
			last = tm
		}
	}
	if diff := cmp.Diff([]time.Time{first, last}, []time.Time{got.FirstEvent, got.LastEvent}); diff != "" {
		t.Errorf("span (-want +got):\n%s", diff)
	}
}

func TestFilesAreOpenedOneAtATimePerWorker(t *testing.T) {
	// "too many open files": however many files are named, at most Workers are open at once.
	const files, workers = 500, 3
	keyCall := compact(t, sample(t, "cloudtrail-root-accesskey-event-ADAPTED.json"))
	var open, peak atomic.Int64
	var inputs []Input
	for i := range files {
		data := logFile(t, keyCall)
		inputs = append(inputs, Input{Name: fmt.Sprint(i), open: func(context.Context) (io.ReadCloser, error) {
			n := open.Add(1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			return closer{Reader: bytes.NewReader(data), close: func() { open.Add(-1) }}, nil
		}})
	}
	got, err := Read(t.Context(), Listing{Inputs: inputs}, Options{Workers: workers}, func(string, *evidence.Record) {})
	if err != nil {
		t.Fatal(err)
	}
	if got.FilesRead != files || got.RootRecords != files {
		t.Errorf("read %d files, %d root records; want %d of each", got.FilesRead, got.RootRecords, files)
	}
	if p := peak.Load(); p > workers {
		t.Errorf("%d files open at once, want at most %d", p, workers)
	}
}

type closer struct {
	io.Reader
	close func()
}

func (c closer) Close() error { c.close(); return nil }

func TestCancelledReadReturnsWhatItHasMarkedInterrupted(t *testing.T) {
	keyCall := compact(t, sample(t, "cloudtrail-root-accesskey-event-ADAPTED.json"))
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var inputs []Input
	for i := range 100 {
		data := logFile(t, keyCall)
		inputs = append(inputs, Input{Name: fmt.Sprint(i), open: func(context.Context) (io.ReadCloser, error) {
			if i == 10 {
				cancel() // Ctrl-C arrives while the eleventh file is opened
			}
			return io.NopCloser(bytes.NewReader(data)), nil
		}})
	}
	got, err := Read(ctx, Listing{Inputs: inputs}, Options{Workers: 1}, func(string, *evidence.Record) {})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if !got.Interrupted || got.FilesRead < 10 || got.FilesRead >= 100 {
		t.Errorf("stats = %+v, want interrupted after about 10 files", got)
	}
}

func TestExpandNamesWhatItCannotRead(t *testing.T) {
	if _, err := Expand(t.Context(), []string{filepath.Join(t.TempDir(), "missing")}, nil, nil); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing path: err = %v", err)
	}
	if _, err := Expand(t.Context(), []string{"s3://bucket/prefix"}, nil, nil); err == nil {
		t.Error("s3:// without a client: no error")
	}
	l, err := Expand(t.Context(), []string{"-", "-"}, strings.NewReader(""), nil)
	if err != nil || len(l.Inputs) != 1 {
		t.Errorf("stdin twice: %d inputs, err %v; want it read once", len(l.Inputs), err)
	}
}
