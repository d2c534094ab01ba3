package evidence

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestKeyIDNeverPrintsWhole(t *testing.T) {
	const whole = "AKIAIOSFODNN7EXAMPLE"
	k := KeyID(whole)
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("key", "id", k, "profile", KeyProfile{ID: k.String(), KeyID: k})
	js, err := json.Marshal(struct {
		K KeyID
		P KeyProfile
	}{k, KeyProfile{KeyID: k}})
	if err != nil {
		t.Fatal(err)
	}
	outputs := map[string]string{
		"%s": fmt.Sprintf("%s", k), "%v": fmt.Sprintf("%v", k), "%q": fmt.Sprintf("%q", k),
		"%x": fmt.Sprintf("%x", k), "%#v": fmt.Sprintf("%#v", k), "%+v struct": fmt.Sprintf("%+v", KeyProfile{KeyID: k}),
		"slog": logged.String(), "json": string(js),
	}
	for name, out := range outputs {
		if strings.Contains(out, whole) || strings.Contains(out, "4941494") { // nor in hex
			t.Errorf("%s prints the whole id: %s", name, out)
		}
	}
	if !strings.Contains(outputs["%s"], "AKIA…MPLE") {
		t.Errorf("%%s = %q, want the masked id", outputs["%s"])
	}
	if k.Reveal() != whole {
		t.Errorf("Reveal = %q", k.Reveal())
	}
}

func TestMaskKeysTellKeysShownTogetherApart(t *testing.T) {
	tests := []struct {
		name string
		ids  []KeyID
		want map[KeyID]string
	}{
		{"one key", []KeyID{"AKIAIOSFODNN7EXAMPLE"}, map[KeyID]string{"AKIAIOSFODNN7EXAMPLE": "AKIA…MPLE"}},
		{"different last four", []KeyID{"AKIAIOSFODNN7EXAMPLE", "AKIAI44QH8DHBEXAMPL0"},
			map[KeyID]string{"AKIAIOSFODNN7EXAMPLE": "AKIA…MPLE", "AKIAI44QH8DHBEXAMPL0": "AKIA…MPL0"}},
		{"AWS's two documentation keys", []KeyID{"AKIAIOSFODNN7EXAMPLE", "AKIAI44QH8DHBEXAMPLE"},
			map[KeyID]string{"AKIAIOSFODNN7EXAMPLE": "AKIA…7EXAMPLE", "AKIAI44QH8DHBEXAMPLE": "AKIA…BEXAMPLE"}},
		{"only the clashing ones widen", []KeyID{"AKIAIOSFODNN7EXAMPLE", "AKIAI44QH8DHBEXAMPLE", "AKIAZZZZZZZZZZZZ0001"},
			map[KeyID]string{"AKIAIOSFODNN7EXAMPLE": "AKIA…7EXAMPLE", "AKIAI44QH8DHBEXAMPLE": "AKIA…BEXAMPLE", "AKIAZZZZZZZZZZZZ0001": "AKIA…0001"}},
		{"the same key twice", []KeyID{"AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE"},
			map[KeyID]string{"AKIAIOSFODNN7EXAMPLE": "AKIA…MPLE"}},
		{"four characters stay hidden", []KeyID{"AKIAAAAA111122223333", "AKIABBBB111122223333"},
			map[KeyID]string{"AKIAAAAA111122223333": "AKIA…111122223333", "AKIABBBB111122223333": "AKIA…111122223333"}},
		{"too short to cut", []KeyID{"short"}, map[KeyID]string{"short": "…"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, MaskKeys(tt.ids...)); diff != "" {
				t.Errorf("masks (-want +got):\n%s", diff)
			}
		})
	}
}
