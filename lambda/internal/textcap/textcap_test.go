package textcap

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func TestRunes(t *testing.T) {
	tests := []struct {
		name string
		in   string
		n    int
		want string
	}{
		{"short text is kept", "abc", 3, "abc"},
		{"long text ends with the ellipsis within the cap", "abcdef", 4, "abc…"},
		{"multi-byte characters count as one", "日本語のテキスト", 4, "日本語…"},
		{"invalid UTF-8 is replaced", "a\xffb", 5, "a\uFFFDb"},
		{"a cap of one keeps only the ellipsis", "abc", 1, "…"},
		{"a cap of zero gives nothing", "abc", 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, Runes(tc.in, tc.n)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestBytes(t *testing.T) {
	tests := []struct {
		name string
		in   string
		n    int
		want string
	}{
		{"short text is kept", "abc", 3, "abc"},
		{"ASCII is cut with the ellipsis inside the cap", "abcdefgh", 6, "abc…"},
		{"a cut never splits a character", "日本語", 7, "日…"},
		{"too small for the ellipsis cuts bare", "日本語", 2, ""},
		{"a run of invalid bytes becomes one replacement", "\xff\xffabc", 6, "\uFFFDabc"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Bytes(tc.in, tc.n)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if len(got) > tc.n || !utf8.ValidString(got) {
				t.Errorf("Bytes(%q, %d) = %q: %d bytes, valid %v", tc.in, tc.n, got, len(got), utf8.ValidString(got))
			}
		})
	}
}

// TestCapsNeverSplitACharacter cuts mixed-width text at every size.
func TestCapsNeverSplitACharacter(t *testing.T) {
	s := strings.Repeat("aé日😀", 20)
	for n := 0; n <= len(s)+1; n++ {
		if b := Bytes(s, n); len(b) > n || !utf8.ValidString(b) {
			t.Fatalf("Bytes(_, %d) = %d bytes, valid %v", n, len(b), utf8.ValidString(b))
		}
		if r := Runes(s, n); utf8.RuneCountInString(r) > n || !utf8.ValidString(r) {
			t.Fatalf("Runes(_, %d) = %d runes", n, utf8.RuneCountInString(r))
		}
	}
}
