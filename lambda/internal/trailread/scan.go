package trailread

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// maxValue caps one JSON value held in memory: a record, a lookup-events page or a line. A
// CloudTrail record is at most a few hundred KB; a bigger value is not a record we can use.
const maxValue = 64 << 20

var errTooBig = fmt.Errorf("a JSON value larger than %d MB", maxValue>>20)

// scanner splits a stream into JSON values without decoding them: it only tracks strings and
// nesting, which is what lets non-root records be skipped at the cost of one pass over their
// bytes. A value's bytes stay valid until the next call.
type scanner struct {
	r   io.Reader
	buf []byte
	pos int // next unread byte
	end int // end of buffered data
	eof bool
	err error // read error other than io.EOF
	// sawRoot is set by value for the container it returned (see value).
	sawRoot bool
}

func newScanner(r io.Reader, buf []byte) *scanner {
	return &scanner{r: r, buf: buf[:cap(buf)]}
}

func (s *scanner) reset(r io.Reader) {
	s.r, s.pos, s.end, s.eof, s.err = r, 0, 0, false, nil
}

// fill reads more data, keeping buf[pos:end]; it grows the buffer when the held part fills it.
// It reports whether new bytes arrived.
func (s *scanner) fill() bool {
	if s.eof || s.err != nil {
		return false
	}
	if s.pos > 0 {
		n := copy(s.buf, s.buf[s.pos:s.end])
		s.pos, s.end = 0, n
	}
	if s.end == len(s.buf) {
		if len(s.buf) >= maxValue {
			s.err = errTooBig
			return false
		}
		nb := make([]byte, 2*len(s.buf))
		copy(nb, s.buf[:s.end])
		s.buf = nb
	}
	for {
		n, err := s.r.Read(s.buf[s.end:])
		s.end += n
		if err != nil {
			if errors.Is(err, io.EOF) {
				s.eof = true
			} else {
				s.err = err
			}
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
}

// ensure makes at least n bytes available after pos when the stream has them.
func (s *scanner) ensure(n int) {
	for s.end-s.pos < n && s.fill() {
	}
}

// peek returns the next byte that is not JSON white space, without consuming it; ok is false at
// the end of the stream.
func (s *scanner) peek() (byte, bool) {
	for {
		for s.pos < s.end {
			switch c := s.buf[s.pos]; c {
			case ' ', '\t', '\n', '\r':
				s.pos++
			default:
				return c, true
			}
		}
		if !s.fill() {
			return 0, false
		}
	}
}

// readErr is the error to report when the stream ended inside a value.
func (s *scanner) readErr() error {
	if s.err != nil {
		return s.err
	}
	return io.ErrUnexpectedEOF
}

// special marks the bytes that matter inside an object or array: everything between them is
// skipped without a look.
var special = [256]bool{'"': true, '{': true, '}': true, '[': true, ']': true}

// value returns the bytes of the next JSON value (object, array, string or scalar). For an
// object or array, sawRoot reports whether one of its strings is exactly "Root", the value of
// userIdentity.type in a root record: the pre-check costs nothing beyond the split itself.
func (s *scanner) value() ([]byte, error) {
	c, ok := s.peek()
	if !ok {
		return nil, s.readErr()
	}
	s.sawRoot = false
	if c == '{' || c == '[' {
		return s.container()
	}
	return s.scalar()
}

// container returns the object or array that starts at pos.
func (s *scanner) container() ([]byte, error) {
	off, depth := 0, 0
	for {
		b := s.buf[s.pos:s.end]
		i := off
	scan:
		for i < len(b) {
			if !special[b[i]] {
				i++
				continue
			}
			switch b[i] {
			case '"':
				j := i + 1
				for {
					k := bytes.IndexByte(b[j:], '"')
					if k < 0 {
						break scan // the string goes on past the buffer: read more, rescan it
					}
					j += k
					// A quote after an odd run of backslashes is escaped.
					bs := 0
					for m := j - 1; m > i && b[m] == '\\'; m-- {
						bs++
					}
					if bs%2 == 0 {
						break
					}
					j++
				}
				if j-i == 5 && string(b[i+1:j]) == "Root" {
					s.sawRoot = true
				}
				i = j + 1
			case '{', '[':
				depth++
				i++
			default: // '}', ']'
				depth--
				i++
				if depth == 0 {
					s.pos += i
					return b[:i], nil
				}
			}
		}
		off = i
		if !s.fill() {
			return nil, s.readErr()
		}
	}
}

// scalar returns the string, number or literal that starts at pos.
func (s *scanner) scalar() ([]byte, error) {
	var i int
	off := 0 // offsets are kept relative to pos, which fill may move
	depth := 0
	inString := false
	for {
		for i = s.pos + off; i < s.end; i++ {
			c := s.buf[i]
			if inString {
				// Jump to the next quote; a quote preceded by an odd run of backslashes is escaped.
				j := indexQuote(s.buf[i:s.end])
				if j < 0 {
					i = s.end
					break
				}
				i += j
				bs := 0
				for k := i - 1; k >= s.pos && s.buf[k] == '\\'; k-- {
					bs++
				}
				if bs%2 == 0 {
					inString = false
					if depth == 0 {
						return s.take(i + 1), nil
					}
				}
				continue
			}
			switch c {
			case '"':
				inString = true
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth <= 0 {
					return s.take(i + 1), nil
				}
			case ',', ' ', '\t', '\n', '\r', ':':
				if depth == 0 && i > s.pos {
					return s.take(i), nil // end of a scalar
				}
			}
		}
		off = i - s.pos
		if !s.fill() {
			if depth == 0 && !inString && off > 0 {
				return s.take(s.pos + off), nil // a scalar at the end of the stream
			}
			return nil, s.readErr()
		}
	}
}

func (s *scanner) take(end int) []byte {
	v := s.buf[s.pos:end]
	s.pos = end
	return v
}

// skipByte consumes c as the next non-space byte.
func (s *scanner) skipByte(c byte) error {
	got, ok := s.peek()
	if !ok {
		return s.readErr()
	}
	if got != c {
		return fmt.Errorf("expected %q, found %q", c, got)
	}
	s.pos++
	return nil
}

// restOfLine consumes and returns the bytes up to the end of the line (without the newline).
func (s *scanner) restOfLine() ([]byte, error) {
	off := 0
	for {
		for i := s.pos + off; i < s.end; i++ {
			if s.buf[i] == '\n' {
				v := s.buf[s.pos:i]
				s.pos = i + 1
				return v, nil
			}
		}
		off = s.end - s.pos
		if !s.fill() {
			if s.err != nil {
				return nil, s.err
			}
			return s.take(s.end), nil
		}
	}
}

func indexQuote(b []byte) int { return bytes.IndexByte(b, '"') }
