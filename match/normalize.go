package match

import (
	"strconv"
	"strings"
	"sync"

	"github.com/nyaruka/phonenumbers"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// NormalizeEmail trims and lower-cases an email and removes a trailing
// ".invalid"; "" means none. Salesforce appends .invalid, a reserved
// top-level domain (RFC 2606) that no real address has, to every user's Email
// when a sandbox is created, refreshed or cloned (docs/providers/salesforce.md: Sandboxes; a clone
// of a clone may carry it twice), and a rehearsal in a sandbox must link as
// production would.
func NormalizeEmail(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	for strings.HasSuffix(s, sandboxSuffix) {
		s = strings.TrimSpace(strings.TrimSuffix(s, sandboxSuffix))
	}
	return s
}

// sandboxSuffix is what Salesforce appends to emails in a sandbox.
const sandboxSuffix = ".invalid"

// NormalizeExtension keeps the ASCII digits of an extension ("x101" -> "101").
func NormalizeExtension(s string) string {
	if strings.Trim(s, "0123456789") == "" {
		return s // digits only (or empty): nothing to copy
	}
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// NormalizePhone parses raw in region (ISO 3166 alpha-2; "" = international
// only) and returns its E.164 form. ok is false for a non-empty value that is
// not a valid number; an empty raw gives ("", true). An extension written in
// the string ("x123") is not part of the number.
func NormalizePhone(raw, region string) (e164 string, ok bool) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", true
	}
	region = strings.ToUpper(region)
	if cc, nsn, plain := plainE164(raw); plain {
		if !phoneValid(cc, nsn, region) {
			return "", false
		}
		return raw, true // Parse would read it as written: cc and nsn, no extension
	}
	if compact, spaced := compactE164(raw); spaced {
		if cc, nsn, plain := plainE164(compact); plain {
			if !phoneValid(cc, nsn, region) {
				return "", false
			}
			return compact, true
		}
	}
	if cc, nsn, plain := plainNational(raw, region); plain {
		if !phoneValid(cc, nsn, region) {
			return "", false
		}
		return "+" + strconv.Itoa(cc) + nsn, true
	}
	num, err := phonenumbers.Parse(raw, region)
	if err != nil || !phoneValid(int(num.GetCountryCode()), phonenumbers.GetNationalSignificantNumber(num), region) {
		return "", false
	}
	return phonenumbers.Format(num, phonenumbers.E164), true
}

// Region picks the region a Salesforce user's numbers are parsed in: the
// CountryCode picklist, else the free-text Country (a code or an English
// name), else the configured default.
func Region(countryCode, country, defaultRegion string) string {
	if r := regionCode(countryCode); r != "" {
		return r
	}
	if r := regionCode(country); r != "" {
		return r
	}
	return strings.ToUpper(defaultRegion)
}

// ValidRegion reports whether code is a region phonenumbers knows.
func ValidRegion(code string) bool {
	return supported()[strings.ToUpper(strings.TrimSpace(code))]
}

func regionCode(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	if up := strings.ToUpper(s); supported()[up] {
		return up
	}
	return countryNames()[foldName(s)]
}

var supported = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	for r := range phonenumbers.GetSupportedRegions() {
		m[r] = true
	}
	return m
})

// countryNames maps English country names (and common short forms) to their
// region codes, from CLDR's display names so that no list is kept by hand.
var countryNames = sync.OnceValue(func() map[string]string {
	m := map[string]string{}
	names := display.English.Regions()
	for code := range supported() {
		reg, err := language.ParseRegion(code)
		if err != nil {
			continue
		}
		if n := names.Name(reg); n != "" {
			m[foldName(n)] = code
		}
		if iso3 := reg.ISO3(); iso3 != "" {
			m[foldName(iso3)] = code
		}
	}
	// forms CLDR does not use but Salesforce orgs often type
	for n, code := range map[string]string{
		"united states of america": "US", "usa": "US", "u.s.a.": "US", "u.s.": "US", "america": "US",
		"uk": "GB", "u.k.": "GB", "great britain": "GB", "england": "GB", "scotland": "GB", "wales": "GB",
		"holland": "NL", "deutschland": "DE", "россия": "RU",
	} {
		m[foldName(n)] = code
	}
	return m
})

func foldName(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(s)), " ")
}
