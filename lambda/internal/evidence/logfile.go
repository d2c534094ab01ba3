package evidence

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
)

// ReadLog streams the records of an exported CloudTrail log to add: a log file
// ({"Records": [...]}, as CloudTrail delivers to S3), plain or gzip, a single record, JSON
// lines (one record per line, as Athena or CloudWatch Logs exports write), or the output of
// `aws cloudtrail lookup-events`. Records are decoded
// one at a time, so a large file never sits in memory.
func ReadLog(r io.Reader, add func(*Record)) (int, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	if magic, err := br.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return 0, fmt.Errorf("gzip: %w", err)
		}
		defer gz.Close()
		br = bufio.NewReaderSize(gz, 64<<10)
	}
	head, _ := br.Peek(256)
	dec := json.NewDecoder(br)
	if logFileStart.Match(head) {
		return readLogFiles(dec, add)
	}
	n := 0
	for {
		var raw json.RawMessage
		err := dec.Decode(&raw)
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, fmt.Errorf("record %d: %w", n+1, err)
		}
		m, err := readValue(raw, add)
		n += m
		if err != nil {
			return n, fmt.Errorf("record %d: %w", n+1, err)
		}
	}
}

// readValue reads one top-level value: a record, or the output of LookupEvents (what
// `aws cloudtrail lookup-events` prints), whose Events carry each record as a JSON string.
func readValue(raw json.RawMessage, add func(*Record)) (int, error) {
	var lookup struct {
		Events []struct {
			CloudTrailEvent *string `json:"CloudTrailEvent"`
		} `json:"Events"`
	}
	if json.Unmarshal(raw, &lookup) == nil && len(lookup.Events) > 0 && lookup.Events[0].CloudTrailEvent != nil {
		for i, ev := range lookup.Events {
			if ev.CloudTrailEvent == nil {
				continue
			}
			var rec Record
			if err := json.Unmarshal([]byte(*ev.CloudTrailEvent), &rec); err != nil {
				return i, fmt.Errorf("Events[%d].CloudTrailEvent: %w", i, err)
			}
			add(&rec)
		}
		return len(lookup.Events), nil
	}
	var rec Record
	if err := json.Unmarshal(raw, &rec); err != nil {
		return 0, err
	}
	add(&rec)
	return 1, nil
}

// logFileStart recognises a CloudTrail log file, which opens with its Records array.
var logFileStart = regexp.MustCompile(`^\s*\{\s*"Records"\s*:`)

// readLogFiles walks one or more log file objects token by token, decoding one record at a time.
func readLogFiles(dec *json.Decoder, add func(*Record)) (int, error) {
	n := 0
	for {
		if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
			return n, fmt.Errorf("log file: expected an object: %v", err)
		}
		if tok, err := dec.Token(); err != nil || tok != "Records" {
			return n, fmt.Errorf("log file: expected Records first")
		}
		if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
			return n, fmt.Errorf("log file: Records is not an array")
		}
		for dec.More() {
			var rec Record
			if err := dec.Decode(&rec); err != nil {
				return n, fmt.Errorf("log file record %d: %w", n+1, err)
			}
			add(&rec)
			n++
		}
		if _, err := dec.Token(); err != nil { // ]
			return n, fmt.Errorf("log file: %w", err)
		}
		// Skip any other members of the log object, then its closing brace.
		for dec.More() {
			if _, err := dec.Token(); err != nil {
				return n, fmt.Errorf("log file: %w", err)
			}
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return n, fmt.Errorf("log file: %w", err)
			}
		}
		if _, err := dec.Token(); err != nil { // }
			return n, fmt.Errorf("log file: %w", err)
		}
		if !dec.More() {
			return n, nil
		}
	}
}
