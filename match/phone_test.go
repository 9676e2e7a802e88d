package match

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

// referencePhone is NormalizePhone without its fast paths: libphonenumber's
// Parse, IsValidNumberForRegion and IsValidNumber, as planning used them
// before plainE164 and phoneValid. Every result must be the same.
func referencePhone(raw, region string) (string, bool) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", true
	}
	region = strings.ToUpper(region)
	num, err := phonenumbers.Parse(raw, region)
	if err != nil || !referenceValid(num, region) {
		return "", false
	}
	return phonenumbers.Format(num, phonenumbers.E164), true
}

func referenceValid(num *phonenumbers.PhoneNumber, region string) bool {
	main := phonenumbers.GetRegionCodeForCountryCode(int(num.GetCountryCode()))
	if region == "" || phonenumbers.GetCountryCodeForRegion(region) != int(num.GetCountryCode()) {
		region = main
	}
	if phonenumbers.IsValidNumberForRegion(num, region) {
		return true
	}
	return phonenumbers.IsValidNumber(num)
}

// trickyPhones are inputs at the edges of the fast path: national prefixes
// after the country code, Italian leading zeros, calling codes shared by
// several regions, non-geographic codes, unknown codes, too few or too many
// digits, extensions, IDD prefixes, letters and other scripts' digits.
var trickyPhones = []string{
	"+16505550100", "+1 650 555 0100", "+116505550100", "+1 1 650 555 0100", "+1650555010", "+165055501000",
	"+4402079460999", "+442079460999", "+44 (0) 20 7946 0999", "+447624123456", "+441481123456", "+4420794609",
	"+33123456789", "+330123456789", "+33 0 1 23 45 67 89", "+3312345678", "+491701234567", "+4901701234567",
	"+390612345678", "+39 06 1234 5678", "+3906", "+39000", "+390000000", "+393123456789", "+3800",
	"+5491112345678", "+54 9 11 1234-5678", "+541112345678", "+54 0 11 1234-5678", "+5415", "+52 1 55 1234 5678",
	"+80012345678", "+8001234567", "+88213", "+870773111632", "+979123456789", "+262262123456", "+262639123456",
	"+74951234567", "+77011234567", "+5999123456", "+59971234567", "+16845551234", "+18765551234", "+12425551234",
	"+0123456789", "+999123456", "+1", "+12", "+123", "+1234", "+12345", "+123456789012345678901", "+12345678901234567890",
	"+1650555010x", "+16505550100 x123", "+16505550100;ext=12", "+16505550100#", "+16505550100,,12", "++16505550100",
	"＋16505550100", "+１６５０５５５０１００", "+١٦٥٠٥٥٥٠١٠٠", "0016505550100", "01116505550100", "00442079460999",
	"(650) 555-0100", "650.555.0100", "1-650-555-0100", "020 7946 0999", "01 23 45 67 89", "030 123456",
	"555-CALL-NOW", "+1-800-FLOWERS", "tel:+1-650-555-0100", "tel:6505550100;phone-context=+1", "not a number", "x123",
	"+", "", "   ", "+1 (650) 555-0100 ext. 9", "+16505550100/x2", " +16505550100 ",
	"1 650 555 0100", "1650 555 0100", "011 44 20 7946 0999", "0114420794609", "00 33 1 23 45 67 89", "0 20 7946 0999",
	"(0)20 7946 0999", "06 1234 5678", "06-1234-5678", "0612345678", "3 1234 5678", "12", "123", "1234", "(650)",
	"650 555 0100)", "..650.555.0100..", "((650)) 555--0100", "6505550100123456", "65055501001234567", "650555010012345678",
	"020 7946 0999 ", "07624 123456", "01481 123456", "262 12 34 56", "0262 12 34 56", "8 495 123-45-67", "8 (495) 123-45-67",
	"011 54 9 11 1234 5678", "15 1234 5678", "011 15 1234 5678", "00", "000", "0000000000", "9999999999", "555 0100",
}

var phoneRegions = []string{"US", "GB", "FR", "DE", "", "us", "CA", "IT", "AR", "MX", "IM", "GG", "RE", "YT", "KZ", "RU", "CW", "BQ", "001", "ZZ", "XX"}

func TestPhoneMatchesLibraryOnTrickyInputs(t *testing.T) {
	for _, raw := range trickyPhones {
		for _, region := range phoneRegions {
			checkPhone(t, raw, region)
		}
	}
}

// TestPhoneMatchesLibraryOnExamples tries every region's example number of
// every type, and numbers a digit away from them, written in every format,
// in the four regions orgs use most, none, and the number's own region.
func TestPhoneMatchesLibraryOnExamples(t *testing.T) {
	const seed = 20261128
	r := rand.New(rand.NewPCG(seed, 7))
	t.Logf("seed %d", seed)
	checked := 0
	for region := range phonenumbers.GetSupportedRegions() {
		for typ := phonenumbers.FIXED_LINE; typ <= phonenumbers.UNKNOWN; typ++ {
			if ex := phonenumbers.GetExampleNumberForType(region, typ); ex != nil {
				checked += checkVariants(t, r, ex, region)
			}
		}
	}
	for cc := range phonenumbers.GetSupportedGlobalNetworkCallingCodes() {
		if ex := phonenumbers.GetExampleNumberForNonGeoEntity(cc); ex != nil {
			checked += checkVariants(t, r, ex, "001")
		}
	}
	t.Logf("%d (number, region) pairs agree", checked)
}

func checkVariants(t *testing.T, r *rand.Rand, ex *phonenumbers.PhoneNumber, own string) int {
	t.Helper()
	e164 := phonenumbers.Format(ex, phonenumbers.E164)
	cc := fmt.Sprint(ex.GetCountryCode())
	nsn := e164[1+len(cc):]
	variants := []string{e164,
		phonenumbers.Format(ex, phonenumbers.INTERNATIONAL),
		phonenumbers.Format(ex, phonenumbers.NATIONAL),
		phonenumbers.Format(ex, phonenumbers.RFC3966),
		"+" + cc + "0" + nsn,                        // a national prefix written after the code
		"+" + cc + nsn[:len(nsn)-1],                 // a digit short
		"+" + cc + nsn + "5",                        // a digit long
		"+" + cc + nsn + nsn,                        // far too long
		"00" + cc + nsn,                             // IDD instead of +
		"+" + cc + nsn + " x12",                     // extension
		e164[:len(e164)-1] + fmt.Sprint(r.IntN(10)), // another last digit
		"+" + cc + mutateDigits(r, nsn),
		"+" + mutateDigits(r, cc+nsn),
		spaced(r, e164),           // "+1 718-555.01 00" (Aircall writes "+1 718-555-0100")
		spaced(r, "+"+cc+"0"+nsn), // spaced, with a national prefix after the code
		spaced(r, "+"+mutateDigits(r, cc+nsn)),
		"+" + cc + " (" + nsn[:1] + ") " + nsn[1:],
	}
	regions := []string{"US", "GB", "FR", "DE", "", own}
	if propertyOrgs < 3000 { // under the race detector: one region each
		regions = []string{regions[r.IntN(len(regions))]}
	}
	n := 0
	for _, v := range variants {
		for _, region := range regions {
			checkPhone(t, v, region)
			n++
		}
	}
	return n
}

// spaced puts random spaces, dashes, dots and brackets after the "+" and
// digit that start s.
func spaced(r *rand.Rand, s string) string {
	var b strings.Builder
	b.WriteString(s[:2])
	for i := 2; i < len(s); i++ {
		if r.IntN(3) == 0 {
			b.WriteString([]string{" ", "-", ".", "(", ")", " - "}[r.IntN(6)])
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// mutateDigits changes, drops or inserts one digit.
func mutateDigits(r *rand.Rand, s string) string {
	i, d := r.IntN(len(s)), fmt.Sprint(r.IntN(10))
	switch r.IntN(3) {
	case 0:
		return s[:i] + d + s[i+1:]
	case 1:
		return s[:i] + s[i+1:]
	}
	return s[:i] + d + s[i:]
}

// TestPhoneMatchesLibraryOnRandomDigits tries "+" and random digits after
// real calling codes: the strings the E.164 fast path accepts or turns away.
func TestPhoneMatchesLibraryOnRandomDigits(t *testing.T) {
	const seed = 42
	r := rand.New(rand.NewPCG(seed, 11))
	t.Logf("seed %d", seed)
	var codes []int
	for cc := range phonenumbers.GetSupportedCallingCodes() {
		codes = append(codes, cc)
	}
	for range 20 * propertyOrgs {
		var b strings.Builder
		b.WriteString("+")
		if r.IntN(4) > 0 {
			fmt.Fprint(&b, codes[r.IntN(len(codes))])
		}
		for k := r.IntN(19); k > 0; k-- {
			b.WriteByte(byte('0' + r.IntN(10)))
		}
		raw := b.String()
		if len(raw) > 1 && r.IntN(3) == 0 {
			raw = spaced(r, raw)
		}
		checkPhone(t, raw, phoneRegions[r.IntN(len(phoneRegions))])
	}
}

func checkPhone(t *testing.T, raw, region string) {
	t.Helper()
	e, ok := NormalizePhone(raw, region)
	we, wok := referencePhone(raw, region)
	if e != we || ok != wok {
		t.Errorf("NormalizePhone(%q, %q) = %q, %v; libphonenumber says %q, %v", raw, region, e, ok, we, wok)
	}
}

func FuzzPhoneMatchesLibrary(f *testing.F) {
	for _, raw := range trickyPhones {
		f.Add(raw, "US")
		f.Add(raw, "")
	}
	f.Add("+447624123456", "GB")
	f.Add("+1 718-555-0100", "US")
	f.Add("+44 (0)20 7946 0999", "GB")
	f.Add("020 7946 0999", "FR")
	f.Add("01 23 45 67 89", "DE")
	f.Fuzz(func(t *testing.T, raw, region string) {
		checkPhone(t, raw, region)
	})
}

// oddOrg is randomOrg with its phone numbers drawn from tricky inputs and
// their near misses, and its users spread over more regions.
func oddOrg(r *rand.Rand) Input {
	in := randomOrg(r)
	pick := func() string {
		s := trickyPhones[r.IntN(len(trickyPhones))]
		if r.IntN(3) == 0 && len(s) > 0 {
			s = mutateDigits(r, s)
		}
		return s
	}
	for i := range in.Users {
		u := &in.Users[i]
		u.Phone, u.MobilePhone = pick(), pick()
		u.CountryCode = []string{"", "US", "GB", "FR", "DE", "IT", "IM"}[r.IntN(7)]
	}
	for _, people := range in.People {
		for i := range people {
			for k := range people[i].Numbers {
				people[i].Numbers[k].Raw = pick()
			}
		}
	}
	return in
}

// TestPlanMatchesLibraryPlan plans seeded random organisations, and the
// benchmark's, both with NormalizePhone and with libphonenumber alone: the
// plans must be the same.
func TestPlanMatchesLibraryPlan(t *testing.T) {
	const orgs = propertyOrgs / 3
	t.Logf("seeds 0..%d", orgs-1)
	for seed := uint64(0); seed < orgs; seed++ {
		r := rand.New(rand.NewPCG(seed, 5))
		in := randomOrg(r)
		if seed%2 == 1 {
			in = oddOrg(r)
		}
		if got, want := Build(in), build(in, referencePhone); !reflect.DeepEqual(got, want) {
			t.Fatalf("seed %d: the plan differs from libphonenumber's:\n%+v\n%+v", seed, got, want)
		}
	}
	in := benchOrg(5000)
	if got, want := Build(in), build(in, referencePhone); !reflect.DeepEqual(got, want) {
		t.Fatal("the benchmark org's plan differs from libphonenumber's")
	}
	// ... and each of its numbers, as directories and users write them
	for _, u := range in.Users {
		checkPhone(t, u.Phone, Region(u.CountryCode, u.Country, in.Options.DefaultRegion))
	}
	for _, prov := range []Provider{RingCentral, Aircall} {
		for _, p := range in.People[prov] {
			for _, n := range p.Numbers {
				checkPhone(t, n.Raw, "")
			}
		}
	}
}
