package evidence

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// corpusEntry is one record of testdata/corpus/records.json: a CloudTrail record copied from a
// public source (named in source; see testdata/corpus/SOURCES.md) with the labels a person gave
// it by reading it.
type corpusEntry struct {
	ID     int             `json:"id"`
	Source map[string]any  `json:"source"`
	Label  corpusLabel     `json:"label"`
	Record json.RawMessage `json:"record"`
}

type corpusLabel struct {
	Kind       Kind   `json:"kind"`
	Alt        []Kind `json:"alt"` // an analyst's alternative reading, also accepted
	RootKeyUse bool   `json:"root_key_use"`
	Tool       Tool   `json:"tool"`
	// Unreadable marks a record a person cannot place in time either ("redacted", a broken
	// time): it must be skipped with a reason.
	Unreadable bool `json:"unreadable"`
}

func loadCorpus(t testing.TB) []corpusEntry {
	t.Helper()
	var c []corpusEntry
	raw, err := os.ReadFile(filepath.Join("testdata", "corpus", "records.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	if len(c) < 200 {
		t.Fatalf("corpus holds %d records", len(c))
	}
	return c
}

// TestCorpusOfRealRecords scores the classification against hand-labelled public records: the
// kind of call (≥ 98 %, an analyst's alternative accepted), root access-key use on records that
// carry an AKIA id (precision and recall 100 %: a console call with an AKIA-looking id, or an IAM
// user's key, must never count as the root key), and the tool family (≥ 95 %).
func TestCorpusOfRealRecords(t *testing.T) {
	corpus := loadCorpus(t)
	var kindRight, toolRight, tp, fp, fn, akia, skipped int
	var wrong []string
	for _, e := range corpus {
		var r Record
		if err := json.Unmarshal(e.Record, &r); err != nil {
			t.Fatalf("record %d: %v", e.ID, err)
		}
		if (r.Unreadable != "") != e.Label.Unreadable {
			t.Errorf("record %d (%v): unreadable %q, labelled unreadable %v", e.ID, e.Source["path"], r.Unreadable, e.Label.Unreadable)
		}
		if r.Unreadable != "" {
			skipped++
			continue
		}
		kind := Classify(&r)
		if kind == e.Label.Kind || slices.Contains(e.Label.Alt, kind) {
			kindRight++
		} else {
			wrong = append(wrong, fmt.Sprintf("record %d kind %s, labelled %s %v (%s, %q)", e.ID, kind, e.Label.Kind, e.Label.Alt, r.EventName, r.UserAgent))
		}
		if tool := ToolOf(r.UserAgent); tool == e.Label.Tool {
			toolRight++
		} else {
			wrong = append(wrong, fmt.Sprintf("record %d tool %s, labelled %s (%q)", e.ID, tool, e.Label.Tool, r.UserAgent))
		}
		if strings.HasPrefix(r.UserIdentity.AccessKeyID, "AKIA") {
			akia++
			got := r.IsRoot() && kind == AccessKeyCall
			switch {
			case got && e.Label.RootKeyUse:
				tp++
			case got:
				fp++
				wrong = append(wrong, fmt.Sprintf("record %d counted as root key use", e.ID))
			case e.Label.RootKeyUse:
				fn++
				wrong = append(wrong, fmt.Sprintf("record %d root key use missed", e.ID))
			}
		}
	}
	n := len(corpus) - skipped
	kindRate, toolRate := float64(kindRight)/float64(n), float64(toolRight)/float64(n)
	t.Logf("%d records (%d more skipped as unreadable): kind %d right (%.1f %%), tool family %d right (%.1f %%); %d with an AKIA id: root key use %d true, %d false positive, %d missed",
		n, skipped, kindRight, 100*kindRate, toolRight, 100*toolRate, akia, tp, fp, fn)
	if kindRate < 0.98 || toolRate < 0.95 || fp > 0 || fn > 0 || tp == 0 {
		t.Errorf("below the bar (kind ≥ 98 %%, tool ≥ 95 %%, root key use exact):\n%s", strings.Join(wrong, "\n"))
	}
}
