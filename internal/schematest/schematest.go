// Package schematest validates voiceid's JSON reports against the contract
// schema (report-schema.json) in tests, with a maintained validator.
package schematest

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// SchemaPath is the repository's copy of ../shared/report-schema.json.
func SchemaPath() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "report", "report-schema.json")
}

// Compile loads the report schema with format assertions on.
func Compile(t testing.TB) *jsonschema.Schema {
	t.Helper()
	raw, err := os.ReadFile(SchemaPath())
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("https://voiceid.invalid/report-schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("https://voiceid.invalid/report-schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Validate fails the test unless data is a valid report.
func Validate(t testing.TB, data []byte) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("report is not JSON: %v", err)
	}
	if err := Compile(t).Validate(inst); err != nil {
		t.Fatalf("report does not validate against report-schema.json: %v", err)
	}
}
