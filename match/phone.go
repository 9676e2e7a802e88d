package match

import (
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/nyaruka/phonenumbers"
)

// Planning 100,000 users spends most of its time in libphonenumber, so this
// file redoes two of its steps more cheaply, with the same answers (checked
// against the library by phone_test.go and FuzzPhoneMatchesLibrary):
//
//   - plainE164 reads a number written "+" and digits, the form directories
//     return (after compactE164 when spaced or dashed, as some providers write it),
//     and plainNational one written in digits and simple punctuation, the
//     form users type, without phonenumbers.Parse and its extension regexp;
//   - phoneValid is phonenumbers.IsValidNumberForRegion/IsValidNumber on
//     regexps compiled once, where the library builds each pattern's string
//     and looks it up in a locked cache twice per number type.

// plainE164 reports whether Parse would read raw ("+" and 3 to 20 ASCII
// digits, the first not 0) exactly as written: the shortest 1-3 digit prefix
// naming a country calling code is the code, and the region's national prefix
// does not start the rest, so nothing is stripped. Then the E.164 form is raw
// itself and the national significant number is nsn. Whatever else it returns
// false for is left to Parse.
func plainE164(raw string) (cc int, nsn string, ok bool) {
	if len(raw) < 4 || len(raw) > 21 || raw[0] != '+' || raw[1] == '0' {
		return 0, "", false
	}
	for i := 1; i < len(raw); i++ {
		if raw[i] < '0' || raw[i] > '9' {
			return 0, "", false
		}
	}
	digits := raw[1:]
	for i := 1; i <= 3; i++ {
		code, _ := strconv.Atoi(digits[:i])
		if len(phonenumbers.GetRegionCodesForCountryCode(code)) > 0 {
			cc, nsn = code, digits[i:]
			break
		}
	}
	if cc == 0 || len(nsn) < 2 || len(nsn) > 17 {
		return 0, "", false
	}
	region := phonenumbers.GetRegionCodeForCountryCode(cc)
	m := phoneTables().meta(cc, region)
	if m == nil {
		return 0, "", false
	}
	if p := m.nationalPrefix(); p != nil && p.MatchString(nsn) {
		return 0, "", false // Parse might strip a national prefix
	}
	return cc, nsn, true
}

// compactE164 is raw without its spaces, dashes, dots and brackets when raw
// is "+", a digit, then ASCII digits with some of those between them
// ("+1 718-555-0100", a provider's spaced form): Parse keeps only the digits after a
// leading "+" and no extension can be written with these characters, so it
// reads raw as it reads the compact form, which plainE164 then vets.
func compactE164(raw string) (string, bool) {
	if len(raw) < 3 || len(raw) > 40 || raw[0] != '+' || raw[1] < '0' || raw[1] > '9' {
		return "", false
	}
	var buf [40]byte
	out, spaced := append(buf[:0], '+'), false
	for i := 1; i < len(raw); i++ {
		switch c := raw[i]; {
		case c >= '0' && c <= '9':
			out = append(out, c)
		case c == ' ' || c == '-' || c == '.' || c == '(' || c == ')':
			spaced = true
		default:
			return "", false
		}
	}
	return string(out), spaced
}

// plainNational reports whether Parse would read raw, written in region as
// ASCII digits with only spaces, dashes, dots and brackets between them
// ("(650) 555-0101"), as the region's calling code and those digits: no
// extension can be written with these characters, Parse keeps only the digits
// of such a string, and they neither start with the region's international
// prefix, its calling code nor its national prefix, so nothing is stripped.
// Whatever else it returns false for is left to Parse.
func plainNational(raw, region string) (cc int, nsn string, ok bool) {
	if len(raw) > 40 || region == "" {
		return 0, "", false
	}
	var buf [40]byte
	digits := buf[:0]
	for i := 0; i < len(raw); i++ {
		switch c := raw[i]; {
		case c >= '0' && c <= '9':
			digits = append(digits, c)
		case c == ' ' || c == '-' || c == '.' || c == '(' || c == ')':
		default:
			return 0, "", false
		}
	}
	if len(digits) < 3 || len(digits) > 17 {
		return 0, "", false
	}
	m := phoneTables().region(region)
	if m == nil {
		return 0, "", false
	}
	nsn = string(digits)
	cc = int(m.pm.GetCountryCode())
	if strings.HasPrefix(nsn, strconv.Itoa(cc)) || m.internationalPrefix().MatchString(nsn) {
		return 0, "", false
	}
	if p := m.nationalPrefix(); p != nil && p.MatchString(nsn) {
		return 0, "", false
	}
	return cc, nsn, true
}

// phoneValid is valid() of the number (cc, nsn): valid in region when region
// has the number's calling code, else in the code's main region, else
// phonenumbers.IsValidNumber.
func phoneValid(cc int, nsn, region string) bool {
	if region == "" || phonenumbers.GetCountryCodeForRegion(region) != cc {
		region = phonenumbers.GetRegionCodeForCountryCode(cc)
	}
	t := phoneTables()
	return t.validForRegion(cc, nsn, region) || t.validForRegion(cc, nsn, t.regionOf(cc, nsn))
}

// metaTables holds the library's metadata by region and, for non-geographic
// entities ("001"), by calling code; each entry compiles its regexps on first use.
type metaTables struct {
	regions map[string]*metaRegexps
	nonGeo  map[int]*metaRegexps
}

var phoneTables = sync.OnceValue(func() *metaTables {
	coll, err := phonenumbers.MetadataCollection()
	if err != nil {
		panic(err) // the library itself panics at init on the same data
	}
	t := &metaTables{regions: map[string]*metaRegexps{}, nonGeo: map[int]*metaRegexps{}}
	for _, pm := range coll.GetMetadata() {
		if pm.GetId() == "001" {
			t.nonGeo[int(pm.GetCountryCode())] = &metaRegexps{pm: pm}
		} else {
			t.regions[pm.GetId()] = &metaRegexps{pm: pm}
		}
	}
	return t
})

// meta is the library's getMetadataForRegionOrCallingCode.
func (t *metaTables) meta(cc int, region string) *metaRegexps {
	if region == "001" {
		if len(phonenumbers.GetRegionCodesForCountryCode(cc)) == 0 {
			return nil
		}
		return t.nonGeo[cc]
	}
	return t.region(region)
}

// region is the library's getMetadataForRegion.
func (t *metaTables) region(region string) *metaRegexps {
	if region == "" || !phonenumbers.GetSupportedRegions()[region] {
		return nil
	}
	return t.regions[region]
}

// validForRegion is phonenumbers.IsValidNumberForRegion.
func (t *metaTables) validForRegion(cc int, nsn, region string) bool {
	m := t.meta(cc, region)
	if m == nil || region != "001" && cc != int(m.pm.GetCountryCode()) {
		return false
	}
	return m.compiled().knownType(nsn)
}

// regionOf is phonenumbers.GetRegionCodeForNumber.
func (t *metaTables) regionOf(cc int, nsn string) string {
	regions := phonenumbers.GetRegionCodesForCountryCode(cc)
	if len(regions) <= 1 {
		if len(regions) == 0 {
			return ""
		}
		return regions[0]
	}
	for _, r := range regions {
		rm := t.region(r)
		if rm == nil {
			continue // the library would fail here; region lists name known regions
		}
		m := rm.compiled()
		if m.leading != nil {
			if m.leading.MatchString(nsn) {
				return r
			}
		} else if m.knownType(nsn) {
			return r
		}
	}
	return ""
}

// metaRegexps is one region's metadata with its patterns compiled exactly as
// the library compiles them.
type metaRegexps struct {
	pm   *phonenumbers.PhoneMetadata
	once sync.Once
	c    compiledMeta

	prefixOnce sync.Once
	prefix     *regexp.Regexp
	iddOnce    sync.Once
	idd        *regexp.Regexp
}

type compiledMeta struct {
	general numberDesc
	// the types getNumberTypeHelper tries; any match is a known type
	types   []numberDesc
	mobile  numberDesc // tried only when its pattern differs from fixed line's
	same    bool
	leading *regexp.Regexp // nil without leading digits
}

// numberDesc is a PhoneNumberDesc: lengths (none = any) and full pattern.
type numberDesc struct {
	lengths []int32
	re      *regexp.Regexp
}

func newDesc(d *phonenumbers.PhoneNumberDesc) numberDesc {
	return numberDesc{lengths: d.GetPossibleLength(), re: regexp.MustCompile("^(?:" + d.GetNationalNumberPattern() + ")$")}
}

// matches is the library's isNumberMatchingDesc.
func (d *numberDesc) matches(nsn string) bool {
	if len(d.lengths) > 0 {
		n, found := int32(len(nsn)), false
		for _, l := range d.lengths {
			if l == n {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return d.re.MatchString(nsn)
}

func (m *metaRegexps) compiled() *compiledMeta {
	m.once.Do(func() {
		pm := m.pm
		c := &m.c
		c.general = newDesc(pm.GetGeneralDesc())
		// fixed line first: the common answer, and the order does not change a yes/no
		for _, d := range []*phonenumbers.PhoneNumberDesc{pm.GetFixedLine(), pm.GetPremiumRate(), pm.GetTollFree(),
			pm.GetSharedCost(), pm.GetVoip(), pm.GetPersonalNumber(), pm.GetPager(), pm.GetUan(), pm.GetVoicemail()} {
			c.types = append(c.types, newDesc(d))
		}
		c.same = pm.GetSameMobileAndFixedLinePattern()
		c.mobile = newDesc(pm.GetMobile())
		if ld := pm.GetLeadingDigits(); ld != "" {
			c.leading = regexp.MustCompile("^(?:" + ld + ")")
		}
	})
	return &m.c
}

// knownType is getNumberTypeHelper(nsn) != UNKNOWN.
func (c *compiledMeta) knownType(nsn string) bool {
	if !c.general.matches(nsn) {
		return false
	}
	for i := range c.types {
		if c.types[i].matches(nsn) {
			return true
		}
	}
	return !c.same && c.mobile.matches(nsn)
}

// nationalPrefix is the pattern maybeStripNationalPrefixAndCarrierCode looks
// for at the start of a national number; nil when the region has none.
func (m *metaRegexps) nationalPrefix() *regexp.Regexp {
	m.prefixOnce.Do(func() {
		if p := m.pm.GetNationalPrefixForParsing(); p != "" {
			m.prefix = regexp.MustCompile("^(?:" + p + ")")
		}
	})
	return m.prefix
}

// internationalPrefix matches where Parse takes a national number to start
// with the region's international dialling prefix (the library searches the
// unanchored pattern and accepts a match at 0 only: the same strings).
func (m *metaRegexps) internationalPrefix() *regexp.Regexp {
	m.iddOnce.Do(func() {
		m.idd = regexp.MustCompile("^(?:" + m.pm.GetInternationalPrefix() + ")")
	})
	return m.idd
}
