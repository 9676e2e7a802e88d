package report

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"voiceid/internal/schematest"
)

func TestJSONValidatesAgainstTheSchema(t *testing.T) {
	raw := render(t, "json")
	schematest.Validate(t, raw)
	if bytes.Contains(raw, []byte("<script>")) {
		t.Error("JSON carries a raw <script> tag")
	}
	var back Report
	if err := json.Unmarshal(raw, &back); err != nil || back.Changes[0].Name != fixedReport().Changes[0].Name {
		t.Errorf("JSON does not round-trip: %v", err)
	}
}

func TestSchemaCopyIsTheV1Contract(t *testing.T) {
	ours, err := os.ReadFile(schematest.SchemaPath())
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(ours, &doc); err != nil || doc["$id"] != "voiceid-report-v1" {
		t.Fatalf("report-schema.json is not the v1 contract: %v", err)
	}
}

// The contract's new meaning arrives in the workplace's shared folder, beside
// the repository: where it is, the copy here must follow it.
func TestSchemaCopyMatchesShared(t *testing.T) {
	ours, err := os.ReadFile(schematest.SchemaPath())
	if err != nil {
		t.Fatal(err)
	}
	shared, err := os.ReadFile("../../shared/report-schema.json")
	if err != nil {
		t.Skipf("no ../shared/report-schema.json beside this checkout (%v): nothing to compare the copy with", err)
	}
	if !bytes.Equal(shared, ours) {
		t.Fatal("../shared/report-schema.json changed: copy it to report/report-schema.json")
	}
}

// The streamed JSON is byte for byte what encoding/json writes, whatever the
// lists hold: empty, nil, hostile names, even a name spelling a list's key.
func TestStreamedJSONEqualsEncodingJSON(t *testing.T) {
	trap := fixedReport()
	trap.Run.Reason = `"changes": null, "conflicts":null`
	trap.Changes[0].Name = `"changes": null`
	trap.Unmatched = append(trap.Unmatched, Unmatched{Provider: "aircall", ProviderID: "7", Name: `"unmatched":null </script>`})
	empty := fixedReport()
	empty.Changes, empty.Conflicts, empty.Unmatched = []Change{}, []Conflict{}, nil
	many := fixedReport()
	for i := 0; i < 500; i++ {
		many.Changes = append(many.Changes, many.Changes[i%3])
	}
	for name, rep := range map[string]*Report{"fixed": fixedReport(), "trap": trap, "empty and nil": empty, "many": many} {
		var want, got bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetIndent("", "  ")
		enc.Encode(rep)
		if err := rep.JSON(&got); err != nil || got.String() != want.String() {
			t.Errorf("%s: indented JSON differs (err %v):\n got %.300s\nwant %.300s", name, err, got.String(), want.String())
		}
		compact, _ := json.Marshal(rep)
		got.Reset()
		if err := rep.CompactJSON(&got); err != nil || !bytes.Equal(got.Bytes(), compact) {
			t.Errorf("%s: compact JSON differs (err %v):\n got %.300s\nwant %.300s", name, err, got.String(), compact)
		}
	}
}

// The people counts the schema requires come from the schema itself, so the
// report names no provider of its own: every report carries them, 0 when off.
func TestTheSchemaSaysWhichPeopleCountsEveryReportCarries(t *testing.T) {
	if len(requiredPeople) == 0 {
		t.Fatal("no <provider>_people key found required in the embedded schema")
	}
	raw, err := json.Marshal(Counts{People: map[string]int{}, Linked: map[string]int{}})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range requiredPeople {
		if !strings.Contains(string(raw), `"`+p+`_people":0`) {
			t.Errorf("counts of a run without %s: %s", p, raw)
		}
	}
}
