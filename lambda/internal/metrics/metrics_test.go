package metrics

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/iam4-responder/iam4-responder/lambda/contract"
)

// emfSchema is the JSON schema the CloudWatch user guide publishes for EMF documents.
func emfSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open("testdata/emf.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	// The guide's schema names no $schema; its "#/properties/…" $id fragments are draft-07's
	// style (2020-12 forbids them), so it is read as draft 7.
	c.DefaultDraft(jsonschema.Draft7)
	if err := c.AddResource("emf.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("emf.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// documents validates every line written against the schema and the parts of the specification
// a schema cannot say (targets on the root node, at most 100 values), and returns them decoded.
func documents(t *testing.T, out string) []map[string]any {
	t.Helper()
	schema := emfSchema(t)
	var docs []map[string]any
	for line := range strings.Lines(out) {
		v, err := jsonschema.UnmarshalJSON(strings.NewReader(line))
		if err != nil {
			t.Fatalf("line is not JSON: %v: %s", err, line)
		}
		if err := schema.Validate(v); err != nil {
			t.Errorf("not an EMF document: %v\n%s", err, line)
		}
		var doc map[string]any
		if err := json.Unmarshal([]byte(line), &doc); err != nil {
			t.Fatal(err)
		}
		directive := doc["_aws"].(map[string]any)["CloudWatchMetrics"].([]any)[0].(map[string]any)
		for _, set := range directive["Dimensions"].([]any) {
			for _, d := range set.([]any) {
				if _, ok := doc[d.(string)].(string); !ok {
					t.Errorf("dimension %v has no string target on the root node", d)
				}
			}
		}
		metrics := directive["Metrics"].([]any)
		if len(metrics) > 100 {
			t.Errorf("%d metric definitions in one directive; EMF allows 100", len(metrics))
		}
		for _, m := range metrics {
			switch v := doc[m.(map[string]any)["Name"].(string)].(type) {
			case float64:
			case []any:
				if len(v) > 100 {
					t.Errorf("%d values for one metric; EMF allows 100", len(v))
				}
			default:
				t.Errorf("metric %v has target %v, want a number or numbers", m, v)
			}
		}
		docs = append(docs, doc)
	}
	return docs
}

func TestSchemaAcceptsTheGuidesOwnExample(t *testing.T) {
	b, err := os.ReadFile("testdata/emf-example.json")
	if err != nil {
		t.Fatal(err)
	}
	documents(t, strings.ReplaceAll(string(b), "\n", "")+"\n")
	if err := emfSchema(t).Validate(map[string]any{"_aws": map[string]any{"Timestamp": 1}}); err == nil {
		t.Error("the schema accepts a document without CloudWatchMetrics; the tests would prove nothing")
	}
}

var stamp = time.Date(2026, 11, 29, 7, 0, 0, 0, time.UTC)

func TestFlushWritesOneDocumentPerInvocation(t *testing.T) {
	var out bytes.Buffer
	r := New(&out, "Iam4Responder-Function", func() time.Time { return stamp })
	r.Count(contract.MetricCasesOpened, 1)
	r.Count(contract.MetricSinkFailures, 1)
	r.Count(contract.MetricSinkFailures, 2)
	r.Duration(contract.MetricEvidenceSeconds, 1500*time.Millisecond)
	r.Duration(contract.MetricEvidenceSeconds, 42*time.Second)
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}
	docs := documents(t, out.String())
	want := []map[string]any{{
		"_aws": map[string]any{
			"Timestamp": float64(stamp.UnixMilli()),
			"CloudWatchMetrics": []any{map[string]any{
				"Namespace":  "iam4-responder",
				"Dimensions": []any{[]any{"FunctionName"}},
				"Metrics": []any{
					map[string]any{"Name": "CasesOpened", "Unit": "Count"},
					map[string]any{"Name": "EvidenceSeconds", "Unit": "Seconds"},
					map[string]any{"Name": "SinkFailures", "Unit": "Count"},
				},
			}},
		},
		"FunctionName":    "Iam4Responder-Function",
		"CasesOpened":     1.0,
		"SinkFailures":    3.0,
		"EvidenceSeconds": []any{1.5, 42.0},
	}}
	if diff := cmp.Diff(want, docs); diff != "" {
		t.Errorf("EMF (-want +got):\n%s", diff)
	}

	out.Reset()
	if err := r.Flush(); err != nil || out.Len() != 0 {
		t.Errorf("a flush with nothing recorded wrote %q (%v)", out.String(), err)
	}
}

func TestLongSeriesContinueInTheNextDocument(t *testing.T) {
	var out bytes.Buffer
	r := New(&out, "fn", func() time.Time { return stamp })
	for i := range 250 {
		r.Duration(contract.MetricEvidenceSeconds, time.Duration(i)*time.Second)
	}
	for i := range 120 {
		r.Count(fmt.Sprintf("Metric%03d", i), 1)
	}
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}
	docs := documents(t, out.String())
	seconds, counts := 0, 0
	for _, d := range docs {
		for k, v := range d {
			switch {
			case k == contract.MetricEvidenceSeconds:
				if vs, ok := v.([]any); ok {
					seconds += len(vs)
				} else {
					seconds++
				}
			case strings.HasPrefix(k, "Metric"):
				counts++
			}
		}
	}
	if seconds != 250 || counts != 120 || len(docs) != 3 {
		t.Errorf("%d documents carry %d durations and %d counts, want 3 carrying 250 and 120", len(docs), seconds, counts)
	}
}

func TestConcurrentRecordingLosesNothing(t *testing.T) {
	var out bytes.Buffer
	r := New(&out, "fn", func() time.Time { return stamp })
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() { r.Count(contract.MetricCasesResolved, 2) })
	}
	wg.Wait()
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := documents(t, out.String())[0][contract.MetricCasesResolved]; got != 100.0 {
		t.Errorf("CasesResolved = %v, want 100", got)
	}
}

func TestNilRecorderRecordsNothing(t *testing.T) {
	var r *Recorder
	r.Count(contract.MetricDeadLetters, 1)
	r.Duration(contract.MetricEvidenceSeconds, time.Second)
	if err := r.Flush(); err != nil {
		t.Errorf("Flush on nil = %v", err)
	}
}
