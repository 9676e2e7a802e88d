package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"flag"
	stdhtml "html"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"voiceid/directory"
	"voiceid/internal/schematest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/ (then review them by eye)")

// fixedReport is one run with every kind of row, and names built to break
// formats: quotes, commas, newlines, HTML and spreadsheet formulas.
func fixedReport() *Report {
	seen := time.Date(2026, 11, 20, 2, 30, 0, 0, time.UTC)
	return &Report{SchemaVersion: 1,
		Run: Run{ID: 42, Mode: "dry-run", StartedAt: time.Date(2026, 11, 23, 2, 30, 0, 0, time.UTC),
			FinishedAt: time.Date(2026, 11, 23, 2, 30, 4, 0, time.UTC), Status: "ok"},
		Counts: Counts{SalesforceUsers: 5, People: map[string]int{"ringcentral": 4, "aircall": 2}, Linked: map[string]int{"ringcentral": 3, "aircall": 1},
			Changes: 3, Conflicts: 4},
		Changes: []Change{
			{SalesforceUserID: "005A00000000001AAA", SalesforceUsername: "ann@example.com.prod", Name: `Ann "Annie" Lee, Jr.`, Provider: "ringcentral",
				Field: "cnx__RingCentral_User_Identifier__c", FieldLabel: "RingCentral User Identifier", New: "814243005", Rule: "email", Status: "planned",
				Evidence: "ann@example.com", Person: &PersonRef{ID: "814243005", Name: "Ann Lee", Email: "ann@example.com", State: "User Enabled", Numbers: []string{"+16505550105"}}},
			{SalesforceUserID: "005A00000000002AAA", SalesforceUsername: "evil@example.com.prod", Name: "<script>alert('x')</script>", Provider: "aircall",
				Field: "cnx__Aircall_User_Identifier__c", FieldLabel: "Aircall <i>User</i> Identifier", Old: "=HYPERLINK(\"http://x\")", New: "", Rule: "moved", Status: "planned"},
			{SalesforceUserID: "005A00000000003AAA", SalesforceUsername: "nl@example.com.prod", Name: "Line\nBreak", Provider: "ringcentral",
				Field: "Phone", FieldLabel: "Business Phone", New: "+442079460999", Rule: "email", Status: "planned",
				Evidence: "nl@example.com", Person: &PersonRef{ID: "814243007", Name: "Nils <img src=x onerror=alert(1)> Lind", Email: "nl@example.com", Numbers: []string{"+442079460999"}}},
		},
		Conflicts: []Conflict{
			{Kind: "shared_number", Provider: "ringcentral", Value: "+16505550100", ProviderIDs: []string{"1", "2"}, SalesforceUserIDs: []string{"005A00000000004AAA"},
				Detail: "number held by 2 ringcentral entries and 1 Salesforce users; nobody is linked by it", FirstSeen: &seen,
				SalesforceUsers: []UserRef{{ID: "005A00000000004AAA", Username: "sam@example.com.prod", Name: "Sam, \"the\" <b>Bold</b>"}},
				People:          []PersonRef{{ID: "1", Name: "Sam Reyes", State: "User Enabled"}, {ID: "2", Name: "Desk", State: "Department Enabled"}}},
			{Kind: "stale_identifier", Provider: "ringcentral", Value: "999", ProviderIDs: []string{"999"}, SalesforceUserIDs: []string{"005A00000000005AAA"},
				Detail:          "holds identifier 999, which is User Disabled; left as it is",
				SalesforceUsers: []UserRef{{ID: "005A00000000005AAA", Username: "stella@example.com.prod", Name: "Stella"}},
				People:          []PersonRef{{ID: "999", Name: "Gone Away", State: "User Disabled"}}},
			{Kind: "rule_disagreement", Provider: "ringcentral", Value: "102", ProviderIDs: []string{"814243009", "814243010"}, SalesforceUserIDs: []string{"005A00000000006AAA"},
				Detail: "extension 102 points o'brien@example.com.prod (005A00000000006AAA) at ringcentral person 814243010, " +
					"but email links o'brien@example.com.prod (005A00000000006AAA) to 814243009, which stands",
				SalesforceUsers: []UserRef{{ID: "005A00000000006AAA", Username: "o'brien@example.com.prod", Name: "Pat O'Brien"}},
				People:          []PersonRef{{ID: "814243009", Name: "Pat O'Brien", State: "User Enabled"}, {ID: "814243010", Name: "Quinn", State: "User Enabled"}}},
			{Kind: "pin_broken", Provider: "aircall", Value: "77", ProviderIDs: []string{"77"}, SalesforceUserIDs: []string{"005A00000000007AAA"},
				Detail:          "<b>x</b>$(reboot)@example.com (005A00000000007AAA) is pinned to aircall person 77, who does not exist; the field is left as it is",
				SalesforceUsers: []UserRef{{ID: "005A00000000007AAA", Username: "<b>x</b>$(reboot)@example.com"}},
				People:          []PersonRef{{ID: "77", State: "missing"}}},
		},
		Unmatched: []Unmatched{{Provider: "aircall", ProviderID: "51234", Name: "Zoë ' O'Neil", Email: "zoe@example.com"}},
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./report -update once, and review the file)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; if the change is intended, run go test ./report -update and review it\n--- got:\n%s", name, got)
	}
}

func render(t *testing.T, format string) []byte {
	t.Helper()
	var buf bytes.Buffer
	paris, _ := time.LoadLocation("Europe/Paris")
	if err := fixedReport().Render(&buf, format, paris); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestGoldenText(t *testing.T) { golden(t, "golden.txt", render(t, "txt")) }
func TestGoldenCSV(t *testing.T)  { golden(t, "golden.csv", render(t, "csv")) }
func TestGoldenHTML(t *testing.T) { golden(t, "golden.html", render(t, "html")) }

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

func TestSchemaCopyMatchesShared(t *testing.T) {
	ours, err := os.ReadFile(schematest.SchemaPath())
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(ours, &doc); err != nil || doc["$id"] != "voiceid-report-v1" {
		t.Fatalf("testdata/report-schema.json is not the v1 contract: %v", err)
	}
	if shared, err := os.ReadFile("../../shared/report-schema.json"); err == nil && !bytes.Equal(shared, ours) {
		t.Fatal("../shared/report-schema.json changed: copy it to report/testdata")
	}
}

func TestEveryFormatEscapesHostileNames(t *testing.T) {
	html := string(render(t, "html"))
	if strings.Contains(html, "<script>alert") || strings.Contains(html, "<b>Bold</b>") {
		t.Error("HTML carries a name's markup unescaped")
	}
	if !strings.Contains(html, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;") {
		t.Error("HTML lost the escaped name")
	}
	if strings.Contains(html, "src=\"http") || strings.Contains(html, "<link") || strings.Contains(html, "@import") {
		t.Error("HTML loads something from outside the file")
	}

	if strings.Contains(html, "<img") || strings.Contains(html, "<i>User") || strings.Contains(html, "<b>x</b>$(reboot)") {
		t.Error("HTML carries a person's name, a field label or a username in a command unescaped")
	}
	if !strings.Contains(html, `<code>voiceid unpin &#39;&lt;b&gt;x&lt;/b&gt;$(reboot)@example.com&#39; --aircall</code>`) {
		t.Error("HTML lost the escaped, shell-quoted unpin command")
	}

	rows := csvRecords(t, render(t, "csv"))
	if got := find(rows, "user_id", "005A00000000001AAA"); got["name"] != `Ann "Annie" Lee, Jr.` {
		t.Errorf("CSV name with quotes and a comma = %q", got["name"])
	}
	if got := find(rows, "user_id", "005A00000000002AAA"); got["old"] != "'=HYPERLINK(\"http://x\")" {
		t.Errorf("CSV formula not neutralised: %q", got["old"])
	}
	if nl, sh := find(rows, "user_id", "005A00000000003AAA"), find(rows, "conflict_kind", "shared_number"); nl["new"] != "+442079460999" ||
		nl["person_numbers"] != "+442079460999" || sh["value"] != "+16505550100" {
		t.Errorf("E.164 numbers were altered for spreadsheets: %q, %q, %q", nl["new"], nl["person_numbers"], sh["value"])
	}

	txt := string(render(t, "txt"))
	if strings.Contains(txt, "Line\nBreak") {
		t.Error("a newline in a name splits a text report line")
	}
}

func TestHumanFormatsShowInternationalNumbersAndLocalTimes(t *testing.T) {
	txt, html := string(render(t, "txt")), stdhtml.UnescapeString(string(render(t, "html")))
	for _, out := range []string{txt, html} {
		if !strings.Contains(out, "+1 650-555-0100") || !strings.Contains(out, "+44 20 7946 0999") {
			t.Error("numbers are not in international format")
		}
		if !strings.Contains(out, "03:30:00 CET") {
			t.Error("times are not in the configured zone (Europe/Paris)")
		}
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

func TestTextDropsBidiControlsAndCapsAbsurdLengths(t *testing.T) {
	r := &Report{Conflicts: []Conflict{{Kind: "invalid_phone", Provider: "ringcentral", Value: "123",
		Detail: "evil\u202egnp.exe\u2066 " + strings.Repeat("A", 5000)}}}
	var b bytes.Buffer
	if err := r.Text(&b, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, bidi := range []string{"\u202e", "\u2066"} {
		if strings.Contains(out, bidi) {
			t.Errorf("text report carries the bidi control %U", []rune(bidi)[0])
		}
	}
	if strings.Contains(out, strings.Repeat("A", maxShown+1)) || !strings.Contains(out, "…") {
		t.Error("a 5,000-character detail was not cut")
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

// Every provider the run read has its figures in the HTML summary, with no
// provider named in the template.
func TestHTMLSummaryShowsEveryProviderRead(t *testing.T) {
	r := fixedReport()
	r.Counts.People["dialpad"], r.Counts.Linked["dialpad"] = 7, 5
	var b bytes.Buffer
	if err := r.HTML(&b, time.UTC); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<b>7</b><span>Dialpad users</span>", "<span>linked (RingCentral / Aircall / Dialpad)</span>", "3 / 1 / 5"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("the HTML summary lacks %q", want)
		}
	}
}

// A provider is an addition: one registered plug-in more, and every format
// shows it by its title, in the registry's order, with the pin flag it adds.
func TestAFourthProviderShowsByItsPluginTitle(t *testing.T) {
	saved := directory.Registered
	t.Cleanup(func() { directory.Registered = saved })
	directory.Registered = append(slices.Clone(saved), directory.Plugin{Name: "zoomphone", Title: "Zoom Phone", Label: "Zoom Phone User Identifier"})
	r := fixedReport()
	r.Counts.People["zoomphone"], r.Counts.Linked["zoomphone"] = 4, 2
	r.Unmatched = append(r.Unmatched, Unmatched{Provider: "zoomphone", ProviderID: "z-1", Name: "Zed", Email: "zed@example.com"})
	var html, text bytes.Buffer
	if err := r.HTML(&html, time.UTC); err != nil {
		t.Fatal(err)
	}
	if err := r.Text(&text, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<b>4</b><span>Zoom Phone users</span>", "linked (RingCentral / Aircall / Zoom Phone)"} {
		if !strings.Contains(html.String(), want) {
			t.Errorf("the HTML summary lacks %q", want)
		}
	}
	for _, want := range []string{"4 Zoom Phone people", "Zoom Phone  z-1"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("the text report lacks %q:\n%s", want, text.String())
		}
	}
	if !strings.Contains(pinFlags(), "--zoomphone ID") {
		t.Errorf("the pin advice names no flag for the new provider: %s", pinFlags())
	}
}
