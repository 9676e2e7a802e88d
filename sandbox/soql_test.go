package sandbox

import (
	"strings"
	"testing"

	"voiceid/salesforce"
)

// Every value voiceid puts into SOQL goes through salesforce.Quote; whatever it
// holds, it must come back out of a SOQL parser as one literal equal to the
// value (minus the control characters SOQL cannot carry), never as syntax.
func TestQuotedValuesStayLiterals(t *testing.T) {
	for _, v := range []string{
		"plain", "O'Brien", `back\slash`, `\'`, `' OR IsActive = false OR Email = '`, "a' AND UserType = 'Guest",
		`\\' OR '1' = '1`, "line\nbreak", `"double"`, "tab\there", "Zoë", "",
	} {
		q, err := parseSOQL("SELECT Id FROM User WHERE Email = " + salesforce.Quote(v) + " AND IsActive = true")
		if err != nil {
			t.Errorf("Quote(%q) does not parse: %v", v, err)
			continue
		}
		if len(q.where) != 2 || q.where[0].value != v || q.where[1].field != "IsActive" {
			t.Errorf("Quote(%q) parsed as %+v", v, q.where)
		}
	}
}

func FuzzQuoteStaysALiteral(f *testing.F) {
	f.Add(`' OR Name != '`)
	f.Add(`\`)
	f.Fuzz(func(t *testing.T, v string) {
		q, err := parseSOQL("SELECT Id FROM User WHERE Email = " + salesforce.Quote(v))
		if err != nil {
			t.Fatalf("Quote(%q) does not parse: %v", v, err)
		}
		want := strings.Map(func(r rune) rune {
			if (r < 0x20 && !strings.ContainsRune("\n\r\t\b\f", r)) || r == 0x7f {
				return -1
			}
			return r
		}, v)
		if len(q.where) != 1 || q.where[0].value != want {
			t.Fatalf("Quote(%q) parsed as %+v", v, q.where)
		}
	})
}
