package testenv

import (
	"strings"
	"testing"
	"time"

	"github.com/iam4-responder/iam4-responder/internal/localaws"
)

func TestMain(m *testing.M) { Main(m) }

func TestNamesDoNotRepeat(t *testing.T) {
	seen := map[string]bool{}
	for range 10000 {
		n := Name("q")
		if !strings.HasPrefix(n, "q-") || len(n) != len("q-")+16 {
			t.Fatalf("name %q: want q- and 16 hex digits", n)
		}
		if seen[n] {
			t.Fatalf("name %q given twice", n)
		}
		seen[n] = true
	}
}

// A create whose answer was lost is retried by the SDK and then meets its own table; that is the
// table asked for. A table of the same name with another key is not.
func TestTableCreatedTwiceIsOneTableUnlessTheKeyDiffers(t *testing.T) {
	cfg := AWSConfig(Moto(t))
	name := Name("twice")
	Table(t, cfg, name, "pk")
	Table(t, cfg, name, "pk")
	err := localaws.Table(Context(t, 30*time.Second), cfg, name, "other")
	if err == nil || !strings.Contains(err.Error(), "another key") {
		t.Fatalf("same name, other key: got %v, want an error naming another key", err)
	}
}
