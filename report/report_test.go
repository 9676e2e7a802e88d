package report

import (
	"bytes"
	"flag"
	stdhtml "html"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"voiceid/provider"
	"voiceid/provider/aircall"
	"voiceid/provider/ringcentral"
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
		Providers: []provider.Info{ringcentral.Info, aircall.Info},
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

func TestGoldenCSV(t *testing.T) { golden(t, "golden.csv", render(t, "csv")) }

func TestGoldenHTML(t *testing.T) { golden(t, "golden.html", render(t, "html")) }

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

// A provider is an addition: one provider more in the run, and every format
// shows it by its title, in the run's order, with the pin flag it adds.
func TestAFourthProviderShowsByItsPluginTitle(t *testing.T) {
	r := fixedReport()
	r.Providers = append(r.Providers, provider.Info{Name: "zoomphone", Title: "Zoom Phone", Label: "Zoom Phone User Identifier"})
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
	if advice := r.providers().advice("ambiguous_match"); !strings.Contains(advice, "--zoomphone ID") {
		t.Errorf("the pin advice names no flag for the new provider: %s", advice)
	}
}
