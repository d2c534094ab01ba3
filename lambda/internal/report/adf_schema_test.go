package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// adfSchema is Atlassian's own ADF JSON schema (testdata/adf, see SOURCES.md there), compiled once.
var adfSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	path := filepath.Join("testdata", "adf", "full.json")
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("adf-full.json", doc); err != nil {
		return nil, err
	}
	return c.Compile("adf-full.json")
})

// validADF fails the test when doc is not a document Jira Cloud accepts by the official schema.
func validADF(t *testing.T, name string, doc ADF) {
	t.Helper()
	schema, err := adfSchema()
	if err != nil {
		t.Fatalf("ADF schema: %v", err)
	}
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if err := schema.Validate(v); err != nil {
		t.Errorf("%s is not valid ADF: %v", name, err)
	}
}

func TestADFSchemaCatchesEmptyTextNodes(t *testing.T) {
	schema, err := adfSchema()
	if err != nil {
		t.Fatal(err)
	}
	// The document issue 13 saw Jira refuse: a text node with marks and no text.
	bad := `{"type":"doc","version":1,"content":[{"type":"paragraph","content":[{"type":"text","marks":[{"type":"code"}]}]}]}`
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(bad)))
	if err != nil {
		t.Fatal(err)
	}
	if schema.Validate(v) == nil {
		t.Fatal("the schema accepts a text node without text: the validator proves nothing")
	}
}

func TestJiraDocumentsAreValidADF(t *testing.T) {
	for _, lang := range []Lang{English, Japanese} {
		for name, r := range reports(t, lang, "") {
			r.Finding.Region = ""
			r.Finding.Severity = ""
			if r.Evidence != nil && len(r.Evidence.Keys) > 0 && len(r.Evidence.Keys[0].UserAgents) > 0 &&
				len(r.Evidence.Keys[0].SourceIPs) > 0 {
				ev := *r.Evidence
				ev.Keys = append(ev.Keys[:0:0], ev.Keys...)
				ev.Keys[0].UserAgents = append(ev.Keys[0].UserAgents[:0:0], ev.Keys[0].UserAgents...)
				ev.Keys[0].UserAgents[0].Agent = ""
				ev.Keys[0].SourceIPs = append(ev.Keys[0].SourceIPs[:0:0], ev.Keys[0].SourceIPs...)
				ev.Keys[0].SourceIPs[0].IP = ""
				r.Evidence = &ev
			}
			t.Run(name+"-"+string(lang)+" with empty agent, address, Region and severity", func(t *testing.T) {
				validADF(t, "description", r.JiraDescription())
				validADF(t, "resolution", r.JiraResolution())
			})
		}
	}
}
