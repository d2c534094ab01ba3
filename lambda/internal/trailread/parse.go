package trailread

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"time"

	"github.com/iam4-responder/iam4-responder/lambda/internal/evidence"
)

// rootMarker is in every root record (userIdentity.type "Root"). Records without it are counted
// and skipped without a decode: on a real trail that is 99.9 % of them.
var rootMarker = []byte(`"Root"`)

// The first member of a top-level object says what the document is: a CloudTrail log file
// (CloudTrail user guide, "CloudTrail log file examples") or the output of `aws cloudtrail
// lookup-events`, whose Events carry each record as a JSON string.
var (
	logFileHead = regexp.MustCompile(`^\{\s*"Records"\s*:\s*\[`)
	lookupHead  = regexp.MustCompile(`^\{\s*"Events"\s*:\s*\[`)
)

// headLen is how much of a document is looked at to recognise it.
const headLen = 512

// fileCounts are one file's counters.
type fileCounts struct {
	records, root, bad int64
	digests, others    int // top-level values that were digests or not CloudTrail
	span               span
}

// span is the time covered, kept as CloudTrail's fixed-width UTC timestamps (2006-01-02T15:04:05Z),
// which sort as text: comparing bytes costs nothing per record.
type span struct {
	first, last [20]byte
	set         bool
}

func (s *span) add(ts []byte) {
	if len(ts) != 20 {
		t, err := time.Parse(time.RFC3339Nano, string(ts))
		if err != nil {
			return
		}
		ts = []byte(t.UTC().Format("2006-01-02T15:04:05Z"))
	}
	if !s.set {
		copy(s.first[:], ts)
		copy(s.last[:], ts)
		s.set = true
		return
	}
	if bytes.Compare(ts, s.first[:]) < 0 {
		copy(s.first[:], ts)
	}
	if bytes.Compare(ts, s.last[:]) > 0 {
		copy(s.last[:], ts)
	}
}

func (s *span) merge(o span) {
	if o.set {
		s.add(o.first[:])
		s.add(o.last[:])
	}
}

func (s span) times() (time.Time, time.Time) {
	if !s.set {
		return time.Time{}, time.Time{}
	}
	a, _ := time.Parse(time.RFC3339, string(s.first[:]))
	b, _ := time.Parse(time.RFC3339, string(s.last[:]))
	return a, b
}

// Sink receives the root records of one account. It is called from several workers at once.
type Sink func(account string, r *evidence.Record)

// parser reads the documents of one stream. Each top-level value is recognised on its own, so a
// digest or a foreign document in a stream of log files costs only itself.
type parser struct {
	sc   *scanner
	sink Sink
	c    fileCounts
	stop func() bool // polled now and then: true when the read was cancelled
}

// errStopped ends a parse on cancellation.
var errStopped = fmt.Errorf("stopped")

func (p *parser) parse() error {
	for n := 0; ; n++ {
		if n&4095 == 4095 && p.stop() {
			return errStopped
		}
		c, ok := p.sc.peek()
		if !ok {
			return p.sc.err
		}
		var err error
		switch {
		case c == '{':
			err = p.object()
		case c == '[':
			err = p.array()
		case c >= '0' && c <= '9':
			err = p.timestampedLine()
		default:
			return fmt.Errorf("not JSON: starts with %q", c)
		}
		if err != nil {
			return err
		}
	}
}

// object reads a top-level object: a log file, lookup-events output, or one record.
func (p *parser) object() error {
	p.sc.ensure(headLen)
	head := p.sc.buf[p.sc.pos:p.sc.end]
	if len(head) > headLen {
		head = head[:headLen]
	}
	switch {
	case logFileHead.Match(head):
		return p.members(p.records)
	case lookupHead.Match(head):
		return p.members(p.lookupEvents)
	}
	v, err := p.sc.value()
	if err != nil {
		return err
	}
	p.single(v)
	return nil
}

// single handles one top-level object that is not a log file: a record, a digest or something else.
func (p *parser) single(v []byte) {
	switch {
	case bytes.Contains(v, []byte(`"CloudTrailEvent"`)):
		p.lookupOutput(v)
	case isRecord(v):
		p.record(v)
	case bytes.Contains(v, []byte(`"digestStartTime"`)):
		p.c.digests++
	default:
		p.c.others++
	}
}

// isRecord tells a CloudTrail record from other JSON by the fields every record has.
func isRecord(v []byte) bool {
	return bytes.Contains(v, []byte(`"eventTime"`)) && bytes.Contains(v, []byte(`"eventSource"`))
}

// members walks an object whose first member is an array, handing the array to elems and
// skipping any other member.
func (p *parser) members(elems func() error) error {
	if err := p.sc.skipByte('{'); err != nil {
		return err
	}
	if _, err := p.sc.value(); err != nil { // the key
		return err
	}
	if err := p.sc.skipByte(':'); err != nil {
		return err
	}
	if err := elems(); err != nil {
		return err
	}
	for {
		c, ok := p.sc.peek()
		if !ok {
			return p.sc.readErr()
		}
		switch c {
		case '}':
			p.sc.pos++
			return nil
		case ',':
			p.sc.pos++
			if _, err := p.sc.value(); err != nil {
				return err
			}
			if err := p.sc.skipByte(':'); err != nil {
				return err
			}
			if _, err := p.sc.value(); err != nil {
				return err
			}
		default:
			return fmt.Errorf("log file: unexpected %q after Records", c)
		}
	}
}

// each calls f with every element of the array that starts at the scanner.
func (p *parser) each(f func([]byte) error) error {
	if err := p.sc.skipByte('['); err != nil {
		return err
	}
	for n := 0; ; n++ {
		c, ok := p.sc.peek()
		if !ok {
			return p.sc.readErr()
		}
		switch c {
		case ']':
			p.sc.pos++
			return nil
		case ',':
			p.sc.pos++
			continue
		}
		v, err := p.sc.value()
		if err != nil {
			return err
		}
		if err := f(v); err != nil {
			return err
		}
		if n&4095 == 4095 && p.stop() {
			return errStopped
		}
	}
}

func (p *parser) records() error {
	return p.each(func(v []byte) error {
		if len(v) > 0 && v[0] == '{' {
			p.recordChecked(v, p.sc.sawRoot)
		} else {
			p.c.records++
			p.c.bad++
		}
		return nil
	})
}

// array reads a top-level array of records (what `jq -s` or an Athena export writes).
func (p *parser) array() error {
	return p.each(func(v []byte) error {
		if len(v) > 0 && v[0] == '{' {
			p.single(v)
		} else {
			p.c.others++
		}
		return nil
	})
}

// lookupOutput reads a whole lookup-events output whose Events do not come first (the AWS CLI
// prints NextToken first when a page limit was set).
func (p *parser) lookupOutput(v []byte) {
	var out struct {
		Events []struct {
			CloudTrailEvent *string `json:"CloudTrailEvent"`
		} `json:"Events"`
	}
	if err := json.Unmarshal(v, &out); err != nil {
		p.c.records++
		p.c.bad++
		return
	}
	for _, ev := range out.Events {
		if ev.CloudTrailEvent == nil {
			p.c.records++
			p.c.bad++
			continue
		}
		p.record([]byte(*ev.CloudTrailEvent))
	}
}

func (p *parser) lookupEvents() error {
	return p.each(func(v []byte) error {
		var ev struct {
			CloudTrailEvent *string `json:"CloudTrailEvent"`
		}
		if err := json.Unmarshal(v, &ev); err != nil || ev.CloudTrailEvent == nil {
			p.c.records++
			p.c.bad++
			return nil
		}
		p.record([]byte(*ev.CloudTrailEvent))
		return nil
	})
}

// timestampedLine reads a line of a CloudWatch Logs export to S3, where each line is the event's
// ingestion time, a space and the record ("2026-10-01T00:00:05.123Z {...}").
func (p *parser) timestampedLine() error {
	line, err := p.sc.restOfLine()
	if err != nil {
		return err
	}
	i := bytes.IndexByte(line, '{')
	if i < 0 {
		p.c.others++
		return nil
	}
	v := bytes.TrimSpace(line[i:])
	if !json.Valid(v) {
		if bytes.Contains(v, rootMarker) || isRecord(v) {
			p.c.records++
			p.c.bad++
		} else {
			p.c.others++
		}
		return nil
	}
	p.single(v)
	return nil
}

// record counts one record and hands it to the sink when it is the root's.
func (p *parser) record(v []byte) { p.recordChecked(v, bytes.Contains(v, rootMarker)) }

// recordChecked is record when the scanner already knows whether v holds the string "Root".
func (p *parser) recordChecked(v []byte, maybeRoot bool) {
	p.c.records++
	if ts := stringField(v, []byte(`"eventTime"`)); ts != nil {
		p.c.span.add(ts)
	}
	if !maybeRoot {
		return
	}
	var rec struct {
		evidence.Record
		Recipient string `json:"recipientAccountId"`
	}
	if err := json.Unmarshal(v, &rec); err != nil {
		p.c.bad++
		return
	}
	if !rec.IsRoot() {
		return
	}
	p.c.root++
	account := rec.Recipient
	if account == "" {
		account = rec.UserIdentity.AccountID
	}
	p.sink(account, &rec.Record)
}

// stringField finds the first occurrence of key (quoted) in v and returns its string value, or
// nil. CloudTrail writes eventTime once, at the top level of a record.
func stringField(v, key []byte) []byte {
	i := bytes.Index(v, key)
	if i < 0 {
		return nil
	}
	v = v[i+len(key):]
	i = 0
	for i < len(v) && (v[i] == ' ' || v[i] == ':' || v[i] == '\t' || v[i] == '\n' || v[i] == '\r') {
		i++
	}
	if i >= len(v) || v[i] != '"' {
		return nil
	}
	v = v[i+1:]
	j := bytes.IndexByte(v, '"')
	if j < 0 {
		return nil
	}
	return v[:j]
}
