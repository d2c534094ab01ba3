package report

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCountsAgreeWithTheirNumber(t *testing.T) {
	tests := []struct {
		lang Lang
		n    int64
		unit string
		want string
	}{
		{English, 1, "call", "1 call"},
		{English, 0, "call", "0 calls"},
		{English, 2, "more line", "2 more lines"},
		{English, 1, "more address", "1 more address"},
		{English, 1, "day", "1 day"},
		{English, 7, "day", "7 days"},
		{Japanese, 1, "call", "1 件"},
		{Japanese, 3, "day", "3 日"},
		{English, 4, "no such unit", "4"},
	}
	for _, tt := range tests {
		if got := (Report{Lang: tt.lang}).count(tt.n, tt.unit); got != tt.want {
			t.Errorf("%s count(%d, %q) = %q, want %q", tt.lang, tt.n, tt.unit, got, tt.want)
		}
	}
}

func TestEveryLanguageNamesEveryUnit(t *testing.T) {
	var want []string
	for u := range unitNames[English] {
		want = append(want, u)
	}
	slices.Sort(want)
	for lang, names := range unitNames {
		var got []string
		for u := range names {
			got = append(got, u)
		}
		slices.Sort(got)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s units (-English +%s):\n%s", lang, lang, diff)
		}
	}
}

// No rendered golden says "1 calls" or "all 1 call": every count in every channel goes through
// count, and sentences about all of the calls say "the" for one.
func TestNoGoldenSaysOneWithAPlural(t *testing.T) {
	one := regexp.MustCompile(`(^|[^0-9.,:])1 (calls|console calls|sign-ins|session calls|records|files|addresses|accounts|days|more [a-z ]*(lines|addresses|actions|tools|agents|files))\b|\ball 1 `)
	var files []string
	err := filepath.WalkDir("testdata", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, path)
		}
		return err
	})
	if err != nil || len(files) < 50 {
		t.Fatalf("%d goldens: %v", len(files), err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if m := one.Find(b); m != nil {
			t.Errorf("%s: %q", f, m)
		}
	}
}

func TestCatalogWordsAgreeWithTheirCount(t *testing.T) {
	tests := []struct {
		lang   Lang
		code   string
		params map[string]string
		want   string
	}{
		{English, "reason.all_inside", map[string]string{"calls": "1"}, "the 1 call came from inside AWS"},
		{English, "reason.all_inside", map[string]string{"calls": "2"}, "all 2 calls came from inside AWS"},
		{English, "activity.older", map[string]string{"count": "1", "from": "2026-08-01"}, "1 call before 2026-08-01 is not charted"},
		{English, "activity.older", map[string]string{"count": "12", "from": "2026-08-01"}, "12 calls before 2026-08-01 are not charted"},
		{English, "contain.recheck_found", map[string]string{"calls": "0"}, "the re-check by key id found 0 calls"},
	}
	for _, tt := range tests {
		if got := (Report{Lang: tt.lang}).say(tt.code, tt.params); got != tt.want {
			t.Errorf("%s %s %v = %q, want %q", tt.lang, tt.code, tt.params, got, tt.want)
		}
	}
	for code, s := range messagesJA {
		if pluralForm.MatchString(s) {
			t.Errorf("%s: Japanese has no plural forms: %q", code, s)
		}
	}
}
