package iamref

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

type pair struct{ source, event, where string }

// publicPairs reads the (eventSource, eventName) pairs collected from public CloudTrail records.
func publicPairs(t *testing.T) []pair {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "cloudtrail-pairs.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []pair
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Split(line, "\t")
		if len(fields) != 3 {
			t.Fatalf("bad line %q", line)
		}
		out = append(out, pair{fields[0], fields[1], fields[2]})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestEveryPublicPairMapsToRealActionsOrANote runs every pair through Map: each one gives
// actions that are all in the reference, or says that it needs no permission, or that it is
// unmapped (which a policy turns into a note). The whole mapping is kept in a golden file, so a
// change to the tables or a refreshed snapshot shows up as a reviewed diff.
func TestEveryPublicPairMapsToRealActionsOrANote(t *testing.T) {
	r := reference(t)
	pairs := publicPairs(t)
	if len(pairs) < 400 {
		t.Fatalf("only %d pairs in testdata", len(pairs))
	}
	var golden bytes.Buffer
	fmt.Fprintf(&golden, "# eventSource\teventName\toutcome\tactions (iamref.Map against %s)\n", r.About())
	counts := map[Outcome]int{}
	for _, p := range pairs {
		m := r.Map(p.source, p.event)
		counts[m.Outcome]++
		switch m.Outcome {
		case Mapped:
			if len(m.Actions) == 0 {
				t.Errorf("%s %s: mapped to no action", p.source, p.event)
			}
			for _, a := range m.Actions {
				if got, ok := r.Lookup(a); !ok || got.Name != a {
					t.Errorf("%s %s → %s, which is not an action of the reference", p.source, p.event, a)
				}
			}
		case NoPermission, Unmapped:
			if len(m.Actions) != 0 {
				t.Errorf("%s %s: %s with actions %v", p.source, p.event, m.Outcome, m.Actions)
			}
		default:
			t.Errorf("%s %s: outcome %q", p.source, p.event, m.Outcome)
		}
		fmt.Fprintf(&golden, "%s\t%s\t%s\t%s\n", p.source, p.event, m.Outcome, strings.Join(m.Actions, ","))
	}
	t.Logf("%d pairs: %d mapped, %d need no permission, %d unmapped", len(pairs), counts[Mapped], counts[NoPermission], counts[Unmapped])
	checkGolden(t, "mapping.golden", golden.Bytes())
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update once)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s (-want +got):\n%s", name, diff)
	}
}

// TestTablesNameRealCallsAndRealActions checks each reviewed table against what we did not
// write: every event name it holds is an operation of the service in botocore's models or was
// seen in a public CloudTrail record (CloudTrail spells a few calls its own way:
// DeleteBucketPublicAccessBlock), and every action it maps to is in the reference.
func TestTablesNameRealCallsAndRealActions(t *testing.T) {
	r := reference(t)
	ops := botocoreOperations(t)
	seen := map[string]bool{}
	for _, p := range publicPairs(t) {
		for _, prefix := range Prefixes(p.source) {
			seen[prefix+":"+p.event] = true
		}
	}
	// botocore names services by their own ids; these are the ones the tables use.
	models := map[string][]string{
		"s3": {"s3", "s3control"}, "kms": {"kms"}, "lambda": {"lambda"}, "sts": {"sts"},
		"sso": {"sso", "sso-oidc"}, "sso-oauth": {"sso-oidc"},
	}
	known := func(key string) bool {
		prefix, op, _ := strings.Cut(key, ":")
		for _, m := range models[prefix] {
			if ops[m][op] {
				return true
			}
		}
		return seen[key]
	}
	var keys []string
	for k, targets := range renames {
		keys = append(keys, k)
		for _, a := range targets {
			if got, ok := r.Lookup(a); !ok || got.Name != a {
				t.Errorf("renames[%s] → %s, which is not an action of the reference", k, a)
			}
		}
	}
	for k := range noPermission {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !known(k) {
			t.Errorf("%s is neither a botocore operation nor seen in a public record", k)
		}
	}
	for k := range also {
		if _, ok := renames[k]; !ok {
			t.Errorf("also[%s] without a rename", k)
		}
	}
}

// botocoreOperations reads the operation names of the services the tables use from botocore's
// service models, installed with boto3 (the same models the AWS CLI and SDKs are built from).
func botocoreOperations(t *testing.T) map[string]map[string]bool {
	t.Helper()
	out, err := exec.CommandContext(t.Context(), "python3", "-c",
		"import botocore,os;print(os.path.dirname(botocore.__file__))").Output()
	if err != nil {
		t.Fatalf("botocore's service models are needed (pip install boto3): %v", err)
	}
	root := filepath.Join(strings.TrimSpace(string(out)), "data")
	ops := map[string]map[string]bool{}
	for _, svc := range []string{"s3", "s3control", "kms", "lambda", "sts", "sso", "sso-oidc"} {
		versions, err := filepath.Glob(filepath.Join(root, svc, "*", "service-2.json*"))
		if err != nil || len(versions) == 0 {
			t.Fatalf("no botocore model for %s under %s", svc, root)
		}
		slices.Sort(versions)
		model := readModel(t, versions[len(versions)-1])
		ops[svc] = map[string]bool{}
		for op := range model.Operations {
			ops[svc][op] = true
		}
	}
	return ops
}

func readModel(t *testing.T, path string) (m struct {
	Operations map[string]json.RawMessage `json:"operations"`
}) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rd io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		rd = zr
	}
	if err := json.NewDecoder(rd).Decode(&m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m
}
