// Package textcap shortens untrusted text to a size limit without ever cutting inside a UTF-8
// character. It is the one capping helper of the function and the CLI: evidence caps CloudTrail
// strings with it, the renderers cap every field for their channel, the error paths cap what
// they log.
//
// It only shortens: making text safe for a channel's syntax is the renderers' job.
package textcap

import (
	"strings"
	"unicode/utf8"
)

// Ellipsis marks a value that was shortened.
const Ellipsis = "…"

// Runes returns s with invalid UTF-8 replaced by U+FFFD and, when it has more than n runes,
// cut to n runes of which the last is the ellipsis. n < 1 gives the empty string.
func Runes(s string, n int) string {
	s = valid(s)
	if n < 1 {
		return ""
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i, count := 0, 0
	for i = range s {
		if count == n-1 {
			break
		}
		count++
	}
	return s[:i] + Ellipsis
}

// Bytes returns s with invalid UTF-8 replaced by U+FFFD and, when it is longer than n bytes,
// cut at a character boundary so that it and the ellipsis fit in n bytes. When n is too small
// for the ellipsis, the cut has no mark.
func Bytes(s string, n int) string {
	s = valid(s)
	if len(s) <= n {
		return s
	}
	if n < 1 {
		return ""
	}
	mark := Ellipsis
	if n < len(mark) {
		mark = ""
	}
	cut := n - len(mark)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + mark
}

func valid(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}
