package report

import (
	"bytes"
	"strings"
	"testing"
)

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

// A person in a conflict shows the provider's own words only where voiceid
// judges them not eligible: an Aircall user (Aircall has no words for a
// state) shows none, and no invented "User Enabled" appears.
func TestPeopleShowTheProvidersWordsBesideTheJudgement(t *testing.T) {
	yes, no := true, false
	for _, tc := range []struct {
		p    PersonRef
		want string
	}{
		{PersonRef{ID: "51", Name: "Ada", Eligible: &yes}, "Ada (51)"},
		{PersonRef{ID: "7", Name: "Sam", State: "active", Eligible: &yes}, "Sam (7)"},
		{PersonRef{ID: "2", Name: "Desk", State: "Department Enabled", Eligible: &no}, "Desk (2) [Department Enabled]"},
		{PersonRef{ID: "9", Name: "Gone", State: "suspended", Eligible: &no}, "Gone (9) [suspended]"},
		{PersonRef{ID: "8", Name: "Unknown", Eligible: &no}, "Unknown (8) [not eligible]"},
		{PersonRef{ID: "3", Name: "Old", State: "User Disabled"}, "Old (3) [User Disabled]"}, // stored before Eligible was
	} {
		if got := tc.p.describe(); got != tc.want {
			t.Errorf("describe(%+v) = %q, want %q", tc.p, got, tc.want)
		}
	}
}
