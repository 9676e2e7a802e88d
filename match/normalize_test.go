package match

import (
	"strings"
	"testing"
)

func TestNormalizePhone(t *testing.T) {
	cases := []struct {
		raw, region, want string
		ok                bool
	}{
		{"(650) 555-0101", "US", "+16505550101", true},
		{"650.555.0101", "US", "+16505550101", true},
		{"+1 650 555 0101", "GB", "+16505550101", true}, // international form ignores the region
		{"(650) 555-0101 x123", "US", "+16505550101", true},
		{"(650) 555-0101 ext. 9", "US", "+16505550101", true},
		{"020 7946 0999", "GB", "+442079460999", true},
		{"+33 1 23 45 67 89", "", "+33123456789", true},
		{"  ", "US", "", true}, // empty is no number, not an invalid one
		{"555-CALL-NOW", "US", "", false},
		{"12345", "US", "", false},
		{"020 7946 0999", "US", "", false},
		{"650 555 0101", "", "", false}, // a national number without a region
	}
	for _, c := range cases {
		got, ok := NormalizePhone(c.raw, c.region)
		if got != c.want || ok != c.ok {
			t.Errorf("NormalizePhone(%q, %q) = %q, %v; want %q, %v", c.raw, c.region, got, ok, c.want, c.ok)
		}
	}
}

func TestRegion(t *testing.T) {
	cases := []struct{ code, country, def, want string }{
		{"GB", "United States", "US", "GB"}, // the picklist wins
		{"", "United Kingdom", "US", "GB"},
		{"", "  united   kingdom ", "US", "GB"},
		{"", "Germany", "US", "DE"},
		{"", "FRA", "US", "FR"},
		{"", "USA", "GB", "US"},
		{"", "fr", "US", "FR"},
		{"", "Narnia", "gb", "GB"},
		{"XX", "", "US", "US"},
	}
	for _, c := range cases {
		if got := Region(c.code, c.country, c.def); got != c.want {
			t.Errorf("Region(%q, %q, %q) = %q, want %q", c.code, c.country, c.def, got, c.want)
		}
	}
}

func FuzzNormalizePhone(f *testing.F) {
	for _, s := range []string{"(650) 555-0101", "+44 20 7946 0999", "020 7946 0999 x12", "+33 1 23 45 67 89", "555-CALL-NOW", "", "+", "x123", "++1--650"} {
		f.Add(s, "US")
		f.Add(s, "GB")
	}
	f.Fuzz(func(t *testing.T, raw, region string) {
		e, ok := NormalizePhone(raw, region)
		if !ok || e == "" {
			return
		}
		if !strings.HasPrefix(e, "+") {
			t.Fatalf("E.164 form %q of %q has no +", e, raw)
		}
		// a normalised number normalises to itself, in any region
		for _, r := range []string{"", region, "US", "FR"} {
			if again, ok := NormalizePhone(e, r); !ok || again != e {
				t.Fatalf("NormalizePhone(%q, %q) = %q, %v; not idempotent (from %q)", e, r, again, ok, raw)
			}
		}
	})
}

func FuzzNormalizeEmailAndExtension(f *testing.F) {
	for _, s := range []string{"Ann@Example.com", "  a@b.c ", "", "x101", "İSTANBUL@example.com", "ß@example.com"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e := NormalizeEmail(s)
		if NormalizeEmail(e) != e {
			t.Fatalf("NormalizeEmail not idempotent on %q: %q -> %q", s, e, NormalizeEmail(e))
		}
		x := NormalizeExtension(s)
		if NormalizeExtension(x) != x || strings.Trim(x, "0123456789") != "" {
			t.Fatalf("NormalizeExtension(%q) = %q", s, x)
		}
	})
}
