package evidence

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
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
