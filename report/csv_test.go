package report

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
)

func TestCSVNeutralisesFormulasInEveryColumnIDsIncluded(t *testing.T) {
	r := &Report{Conflicts: []Conflict{{Kind: "shared_number", Provider: "aircall", Value: "+16505550100",
		ProviderIDs: []string{"=cmd|' /C calc'!A0", "2"}, SalesforceUserIDs: []string{"@SUM(1+1)"}, Detail: " =1+1"}},
		Changes: []Change{{SalesforceUserID: "-2+3", SalesforceUsername: "＝HYPERLINK(1)", Provider: "aircall", Field: "\tx", New: "51234"}}}
	var b bytes.Buffer
	if err := r.CSV(&b); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	r.Changes[0].Person = &PersonRef{ID: "+1", Name: "=2+3", Email: "@x", Numbers: []string{"-1", "=1"}}
	r.Changes[0].Evidence, r.Changes[0].FieldLabel = "=evidence()", "+label"
	r.Conflicts[0].SalesforceUsers = []UserRef{{ID: "@SUM(1+1)", Username: "=user"}}
	b.Reset()
	if err := r.CSV(&b); err != nil {
		t.Fatal(err)
	}
	more, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range append(rows[1:], more[1:]...) {
		for i, cell := range row {
			c := strings.TrimLeft(cell, " ")
			if c != "" && strings.ContainsAny(c[:1], "=+-@\t\r") && strings.Trim(c[1:], "0123456789") != "" {
				t.Errorf("column %s holds a formula: %q", rows[0][i], cell)
			}
			if strings.HasPrefix(c, "＝") {
				t.Errorf("column %s holds a full-width formula: %q", rows[0][i], cell)
			}
		}
	}
	if rows[1][13] != "'=cmd|' /C calc'!A0 2" || rows[1][14] != "'@SUM(1+1)" || rows[2][1] != "'-2+3" || rows[1][12] != "+16505550100" {
		t.Errorf("rows: %q", rows)
	}
}

// csvRecords parses a CSV report into one map a row, keyed by the header,
// and checks that every row has the header's columns.
func csvRecords(t *testing.T, data []byte) []map[string]string {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatalf("CSV does not parse: %v", err)
	}
	var out []map[string]string
	for _, r := range rows[1:] {
		if len(r) != len(rows[0]) {
			t.Fatalf("CSV row with %d columns, header has %d", len(r), len(rows[0]))
		}
		m := map[string]string{}
		for i, h := range rows[0] {
			m[h] = r[i]
		}
		out = append(out, m)
	}
	return out
}

// find is the first record whose column holds value (none: an empty record).
func find(rows []map[string]string, column, value string) map[string]string {
	for _, r := range rows {
		if r[column] == value {
			return r
		}
	}
	return map[string]string{}
}
