package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/iam4-responder/iam4-responder/lambda/contract"
	"github.com/iam4-responder/iam4-responder/lambda/internal/textcap"
)

// hidden reports the characters that must never reach a reader as they are: they are invisible,
// move or reorder text, or end a line where the channel expects one. C0 and C1 controls and DEL
// (Cc), format characters (Cf: zero-width space, joiners, bidi marks, embeddings, overrides and
// isolates, soft hyphen, byte-order mark, tag characters), the line and paragraph separators
// U+2028 and U+2029, private-use and noncharacter code points, and the blank letters and
// invisible marks that Unicode does not class as format (Hangul fillers, the combining grapheme
// joiner, variation selectors, the braille blank).
func hidden(r rune) bool {
	if r < 0x80 {
		return r < 0x20 || r == 0x7f
	}
	switch {
	case unicode.IsControl(r), unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp, unicode.Co),
		unicode.Is(unicode.Noncharacter_Code_Point, r), unicode.Is(unicode.Variation_Selector, r):
		return true
	}
	switch r {
	case 0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180E, 0x2800, 0x3164, 0xFFA0:
		return true
	}
	return false
}

// inert makes untrusted text visible text on one line: invalid UTF-8 becomes U+FFFD, every
// hidden character and every kind of space becomes a plain space.
func inert(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return strings.Map(func(r rune) rune {
		if hidden(r) || unicode.IsSpace(r) {
			return ' '
		}
		return r
	}, s)
}

// field is an untrusted value made inert and capped to n runes: the plain-text form every
// channel starts from.
func field(s string, n int) string {
	// Cap first so that a 1 MiB value costs no more than its cap, then again after mapping.
	return textcap.Runes(inert(textcap.Bytes(s, 4*n+4)), n)
}

// plain is field under the name terminal.go uses.
func plain(s string, n int) string { return field(s, n) }

// orDash shows an empty value as a dash, so that no rendering has an empty field.
func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}

// utc is the one time-of-day format of every rendering: minutes in UTC, said so, or a dash.
func utc(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// day is the one date format of every rendering: the UTC calendar day, or a dash.
func day(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.DateOnly)
}

// mdEscaper escapes the characters that start Markdown markup in the OpsItem description.
var mdEscaper = strings.NewReplacer(`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`,
	"<", `\<`, ">", `\>`, "|", `\|`, "~", `\~`, "#", `\#`)

// md escapes text of our own (a catalog sentence) for Markdown; its placeholders are filled
// afterwards with values that mdCode made safe.
func md(s string) string { return mdEscaper.Replace(s) }

// mdCode shows an untrusted value as a Markdown code span: nothing inside one is markup, a link
// or an autolink. A backtick, which would close the span, becomes a look-alike.
func mdCode(s string, n int) string {
	return "`" + strings.ReplaceAll(orDash(field(s, n)), "`", "ˋ") + "`"
}

// chatText strips an untrusted value to inert plain characters for chat markdown: none of the
// characters that open markdown, links or mentions.
func chatText(s string, n int) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '<', '>', '&', '*', '_', '~', '`', '[', ']', '(', ')', '|', '@', '#', '!', ':':
			return '·'
		}
		return r
	}, field(s, n))
}

// chatCode shows an untrusted value as inline code: inside a code span markdown and mentions are
// not interpreted; a backtick, which could close the span, becomes a look-alike; angle brackets
// and ampersands, which Slack reads even there, are escaped; an at sign becomes the full-width
// one, which no client reads as a mention.
func chatCode(s string, n int) string {
	s = strings.NewReplacer("`", "ˋ", "&", "&amp;", "<", "&lt;", ">", "&gt;", "@", "＠").Replace(orDash(field(s, n)))
	return "`" + s + "`"
}

// asciiSubject keeps an SNS subject within its rules: printable ASCII only, no line breaks,
// fewer than 100 characters. It cuts first, so that the cut's own ellipsis becomes ASCII too
// (each mapping below keeps or shrinks the length).
func asciiSubject(s string) string {
	s = strings.ReplaceAll(textcap.Bytes(s, snsSubjectMax), "…", "...")
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return '?'
		}
		return r
	}, s)
}

// inertJSON re-indents a JSON document and writes every hidden character inside its strings as
// a \u escape. The document means exactly the same (a policy keeps its ARNs), but no control,
// zero-width or bidi character reaches the reader. JSON allows such characters only inside
// strings, so escaping them wherever they occur is safe.
func inertJSON(raw []byte) []byte {
	var buf bytes.Buffer
	if err := json.Indent(&buf, bytes.TrimSpace(raw), "", "  "); err != nil {
		b, _ := json.Marshal(string(raw)) // not JSON: show it as one JSON string
		buf.Reset()
		buf.Write(b)
	}
	s := buf.String()
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	out := make([]byte, 0, len(s))
	for _, r := range s {
		if r != '\n' && r != ' ' && (hidden(r) || (unicode.IsSpace(r) && r > 0x7f)) {
			if r > 0xFFFF {
				r1, r2 := utf16.EncodeRune(r)
				out = appendEscape(appendEscape(out, r1), r2)
			} else {
				out = appendEscape(out, r)
			}
			continue
		}
		out = utf8.AppendRune(out, r)
	}
	return out
}

// appendEscape appends the JSON escape \uXXXX of a UTF-16 code unit.
func appendEscape(b []byte, r rune) []byte {
	const hex = "0123456789abcdef"
	return append(b, '\\', 'u', hex[r>>12&0xF], hex[r>>8&0xF], hex[r>>4&0xF], hex[r&0xF])
}

// region returns the finding's Region when it has a Region's shape, else "".
func (r Report) region() string {
	if reg := r.Finding.Region; len(reg) <= capRegion && contract.RegionShaped(reg) {
		return reg
	}
	return ""
}
