package sandbox

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"reflect"
	"strings"
	"time"
)

// RCEntry is one extension in the simulated RingCentral account.
type RCEntry struct {
	ID        int64
	Type      string // as the extension list reports it (User, DigitalUser, Department, ...)
	Status    string
	FirstName string
	LastName  string
	Name      string // non-user entries
	Email     string
	Extension string
	Numbers   []RCNumber
	Site      string
}

// RCNumber is a phone number assigned to an extension.
type RCNumber struct {
	ID        int64
	Number    string // E.164
	UsageType string
	Type      string // VoiceFax (when empty), VoiceOnly or FaxOnly
}

// kind is the number's type as RingCentral writes it.
func (n RCNumber) kind() string {
	if n.Type == "" {
		return "VoiceFax"
	}
	return n.Type
}

// ACUser is one user of the simulated Aircall company.
type ACUser struct {
	ID        int64
	Name      string
	Email     string
	CreatedAt time.Time
	TimeZone  string
	Language  string
}

// ACNumber is one Aircall number and the users it is assigned to.
type ACNumber struct {
	ID      int64
	Name    string
	Digits  string // international format with spaces, as Aircall shows it
	Country string
	UserIDs []int64
	// CreatedAt is when the number was bought (zero: 2020-01-01).
	CreatedAt time.Time
}

// SFUser is one record of the simulated Salesforce User object.
type SFUser struct {
	ID          string
	Username    string
	FirstName   string
	LastName    string
	Email       string
	Phone       string
	MobilePhone string
	Extension   string
	CountryCode string
	Country     string
	IsActive    bool
	UserType    string
	// Identifiers are the values of the providers' identifier fields, by
	// provider (Field.Provider); a field left empty has none.
	Identifiers map[string]string
}

// SetIdentifier sets the value of provider's identifier field ("" empties it).
func (u *SFUser) SetIdentifier(provider, value string) {
	if value == "" {
		delete(u.Identifiers, provider)
		return
	}
	if u.Identifiers == nil {
		u.Identifiers = map[string]string{}
	}
	u.Identifiers[provider] = value
}

// Equal reports whether u and v are the same record with the same values.
func (u SFUser) Equal(v SFUser) bool {
	if !maps.Equal(u.Identifiers, v.Identifiers) {
		return false
	}
	u.Identifiers, v.Identifiers = nil, nil
	return reflect.DeepEqual(u, v)
}

// clone is u with identifiers of its own, so that a copy handed out is not written through.
func (u SFUser) clone() SFUser {
	u.Identifiers = maps.Clone(u.Identifiers)
	return u
}

// Name is the user's full name, as Salesforce computes it.
func (u SFUser) Name() string { return strings.TrimSpace(u.FirstName + " " + u.LastName) }

// Org is one generated organisation: what each of the three systems holds.
type Org struct {
	RingCentral    []RCEntry
	Aircall        []ACUser
	AircallNumbers []ACNumber
	Dialpad        []DPUser  // empty unless the Shape puts people on Dialpad
	DialpadOwners  []DPOwner // offices, departments, rooms owning Dialpad numbers
	Salesforce     []SFUser
	Planted        Planted
	// NoCountryPicklists: the org has no State and Country/Territory
	// Picklists (no User.CountryCode), as many older orgs; half the seeds.
	NoCountryPicklists bool
}

// Planted names the records of the hand-made cases, so that tests can assert
// what the SPEC says must happen to each of them.
type Planted struct {
	EmailCaseUser, EmailCasePerson   string // Ann@Example.com <-> ann@example.com: linked by email
	PhoneUser, PhonePerson           string // (650) 555-0101 <-> +16505550101: linked by phone
	ExtensionUser, ExtensionPerson   string // Extension x2101 <-> extensionNumber 2101
	UKUser, UKPerson                 string // Country "United Kingdom", phone 020 7946 0999: linked by phone
	SharedNumber                     string // E.164 listed by two RingCentral users
	SharedNumberUsers                []string
	DuplicateEmail                   string // held by two enabled RingCentral users
	DuplicateEmailUser               string // the one Salesforce user with that email: not linked
	DuplicateSFEmail                 string // held by two active Salesforce users
	DuplicateSFEmailUsers            []string
	StaleUser, StalePerson           string // field names a Disabled entry: left as is
	DisagreeUser, DisagreePerson     string // linked by email ...
	DisagreeOther                    string // ... while the user's extension belongs to this person
	MovedFrom, MovedTo, MovedPerson  string // MovedFrom's field holds MovedPerson, who is linked to MovedTo
	InvalidPhoneUser, InvalidPhone   string
	InactiveUser                     string // matches by email but is inactive: never read
	NotActivatedPerson               string // matches a user by email but is not eligible
	AircallSharedNumber              string // E.164 of the team line shared by several Aircall users
	AircallEmailUser, AircallPerson  string // linked by email in Aircall
	DepartmentNumberUser, Department string // user's phone is a department's direct number: not linked
	FaxLineUser, FaxLinePerson       string // user's Phone is a fax extension's FaxOnly number: not linked
	FaxOnlyUser, FaxOnlyPerson       string // linked by email; the person's only number is FaxOnly: Phone stays empty
	Dialpad                          DialpadPlanted
}

var (
	firstNames = []string{"Ada", "Ben", "Chloé", "Dana", "Eli", "Fatima", "Gus", "Hana", "Ivan", "Jade", "Kofi", "Lena",
		"Mateo", "Nora", "Omar", "Priya", "Quinn", "Rosa", "Sami", "Tariq", "Uma", "Vik", "Wen", "Xavi", "Yara", "Zoe",
		"Aoife", "Björn", "Siobhán", "Łukasz", "Renée", "O'Neil"}
	lastNames = []string{"Okafor", "Nguyen", "Schmidt", "García", "Smith", "Kowalski", "Haddad", "Tanaka", "Brown",
		"Dubois", "O'Brien", "Rossi", "Ivanova", "Patel", "Jones", "Murphy", "Costa", "Lindqvist", "Mensah", "Kaur"}
	usAreas = []string{"650", "415", "212", "312", "617", "206", "303", "512", "646", "408"}
)

// Domain is the email domain of the generated company.
const Domain = "example.com"

// Shape is how much of the company is on each phone system.
type Shape struct {
	RingCentral  float64 // share of users with a RingCentral extension
	Aircall      float64 // share of users on Aircall
	AircallLines float64 // share of Aircall users with a line of their own
	// Dialpad is the share of users also on Dialpad (0: none, and no Dialpad
	// cases are planted, so orgs made before Dialpad support stay the same).
	Dialpad float64
}

// DemoShape is the demo's company: nearly everyone on RingCentral, the
// support quarter also on Aircall, each with a line.
var DemoShape = Shape{RingCentral: 11.0 / 12, Aircall: 0.25, AircallLines: 1}

// GenerateOrg builds a realistic organisation of about n Salesforce users
// (n >= 50) from seed: mostly clean records across the US and the UK, with
// the Planted cases added on top. The same seed gives the same org.
func GenerateOrg(n int, seed uint64) *Org { return GenerateShapedOrg(n, seed, DemoShape) }

// GenerateShapedOrg is GenerateOrg for a company of another shape.
func GenerateShapedOrg(n int, seed uint64, shape Shape) *Org {
	if n < 50 {
		n = 50
	}
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	o := &Org{NoCountryPicklists: seed%2 == 1}
	g := &gen{r: r, org: o, nextRC: 62804120004, nextAC: 51000, nextNum: 1337000100, shape: shape}

	// The company's main number, on the system extension: never links anyone.
	o.RingCentral = append(o.RingCentral, RCEntry{ID: 62804120000, Type: "User", Status: "Enabled", FirstName: "Admin", LastName: "Account",
		Email: "it-admin@" + Domain, Extension: "101", Numbers: []RCNumber{g.rcNum("+18005550100", "MainCompanyNumber")}})

	bulk := n - 30 // room for the planted records
	for i := 0; i < bulk; i++ {
		g.bulkUser(i)
	}
	g.plant()
	return o
}

type gen struct {
	shape   Shape
	r       *rand.Rand
	org     *Org
	nextRC  int64
	nextAC  int64
	nextNum int64
	nextSF  int
}

func (g *gen) rcID() int64  { g.nextRC += 1000 + int64(g.r.IntN(900)); return g.nextRC }
func (g *gen) acID() int64  { g.nextAC += 1 + int64(g.r.IntN(40)); return g.nextAC }
func (g *gen) sfID() string { g.nextSF++; return fmt.Sprintf("005Dn%010dAAA", g.nextSF) }
func (g *gen) rcNum(e164, usage string) RCNumber {
	g.nextNum++
	return RCNumber{ID: g.nextNum, Number: e164, UsageType: usage}
}

// usNumber returns the i-th US number: the fictional 555-01xx block first,
// then ordinary numbers, so that large orgs hold no accidental duplicates.
func usNumber(i int) (e164, local string) {
	area := usAreas[(i/100)%len(usAreas)]
	if i < 100*len(usAreas) {
		line := 100 + i%100
		return fmt.Sprintf("+1%s5550%03d", area, line), fmt.Sprintf("(%s) 555-0%03d", area, line)
	}
	i -= 100 * len(usAreas)
	area = usAreas[i%len(usAreas)]
	n := len(exchanges)
	exch, line := exchanges[(i/len(usAreas))%n], (i/len(usAreas)/n)%10000
	return fmt.Sprintf("+1%s%03d%04d", area, exch, line), fmt.Sprintf("(%s) %03d-%04d", area, exch, line)
}

// exchanges are the ordinary US central-office codes: not 555, not N11.
var exchanges = func() []int {
	var out []int
	for e := 201; e <= 999; e++ {
		if e != 555 && e%100 != 11 {
			out = append(out, e)
		}
	}
	return out
}()

// ukNumber returns the i-th London number (020 7946 0xxx, then 020 3xxx xxxx).
func ukNumber(i int) (e164, local string) {
	if i < 100 {
		return fmt.Sprintf("+4420794600%02d", i), fmt.Sprintf("020 7946 00%02d", i)
	}
	return fmt.Sprintf("+44203%07d", i), fmt.Sprintf("020 3%03d %04d", i/10000%1000, i%10000)
}

func (g *gen) bulkUser(i int) {
	first := firstNames[g.r.IntN(len(firstNames))]
	last := lastNames[g.r.IntN(len(lastNames))]
	local := strings.ToLower(asciiFold(first) + "." + asciiFold(last) + fmt.Sprint(i))
	email := local + "@" + Domain
	uk := i%5 == 4 // a fifth of the company works from London
	var e164, display string
	if uk {
		e164, display = ukNumber(i / 5)
	} else {
		e164, display = usNumber(i + 100) // numbers below 100 are kept for planted cases
	}
	ext := fmt.Sprint(3000 + i)
	rc := RCEntry{ID: g.rcID(), Type: "User", Status: "Enabled", FirstName: first, LastName: last, Email: email,
		Extension: ext, Site: "HQ", Numbers: []RCNumber{g.rcNum(e164, "DirectNumber")}}
	if g.r.IntN(10) == 0 {
		rc.Type = "DigitalUser" // folded into User by the directory
	}
	if uk {
		rc.Site = "London"
	}
	u := SFUser{ID: g.sfID(), Username: local + "@" + Domain + ".prod", FirstName: first, LastName: last,
		Email: email, IsActive: true, UserType: "Standard", CountryCode: "US"}
	if uk {
		u.CountryCode = "GB"
	}
	switch g.r.IntN(4) {
	case 0: // email differs only by case: still linked by email
		u.Email = strings.ToUpper(email[:1]) + email[1:]
	case 1:
		u.Phone = display
	case 2:
		u.Phone = "+" + strings.TrimPrefix(e164, "+")[:1] + " " + display
		if uk {
			u.Phone = display
		}
	}
	if g.r.IntN(3) == 0 {
		u.Extension = "x" + ext
	}
	if g.r.IntN(2) == 0 { // the steady state: half already hold the right identifier
		u.SetIdentifier(RingCentralField.Provider, fmt.Sprint(rc.ID))
	}
	rcIsThere := g.r.Float64() < g.shape.RingCentral
	if rcIsThere {
		g.org.RingCentral = append(g.org.RingCentral, rc)
	} else {
		u.SetIdentifier(RingCentralField.Provider, "") // not on RingCentral at all
	}
	if g.r.Float64() < g.shape.Aircall { // the support team is on Aircall too
		g.aircallUser(&u, i, first, last, email, uk)
	}
	if g.shape.Dialpad > 0 && g.r.Float64() < g.shape.Dialpad { // drawn only then: other orgs stay the same
		g.dialpadUser(&u, i, first, last, email)
	}
	g.org.Salesforce = append(g.org.Salesforce, u)
}

// aircallUser adds bulk user i to Aircall, most with a line bought for them;
// half of them are already in u's field.
func (g *gen) aircallUser(u *SFUser, i int, first, last, email string, uk bool) {
	ac := ACUser{ID: g.acID(), Name: first + " " + last, Email: email, CreatedAt: g.created(), TimeZone: "America/New_York", Language: "en-US"}
	if uk {
		ac.TimeZone, ac.Language = "Europe/London", "en-GB"
	}
	g.org.Aircall = append(g.org.Aircall, ac)
	if g.r.Float64() < g.shape.AircallLines {
		g.org.AircallNumbers = append(g.org.AircallNumbers, ACNumber{ID: g.nextNum + 500000, Name: first + "'s line",
			Digits: aircallDigits(i, uk), Country: map[bool]string{true: "GB", false: "US"}[uk], UserIDs: []int64{ac.ID},
			CreatedAt: ac.CreatedAt}) // bought for the user: a numbers list past the cap splits by created_at too
		g.nextNum++
	}
	if g.r.IntN(2) == 0 {
		u.SetIdentifier(AircallField.Provider, fmt.Sprint(ac.ID))
	}
}

// aircallDigits is bulk user i's Aircall line: Aircall lines come from
// another range than RingCentral DIDs.
func aircallDigits(i int, uk bool) string {
	digits := fmt.Sprintf("+1 %s-555-%04d", []string{"718", "929", "347"}[i%3], 100+(i/3)%100)
	if i >= 300 {
		digits, _ = usNumber(10_000_000 + i)
	}
	if uk {
		digits = fmt.Sprintf("+44 20 7946 1%03d", i%1000)
		if i >= 1000 {
			digits, _ = ukNumber(5_000_000 + i)
		}
	}
	return digits
}

// created spreads Aircall users over six years, so that a list longer than
// one query's cap is split by created_at as on a real account.
func (g *gen) created() time.Time {
	return time.Date(2019, 1, 1, 9, 0, 0, 0, time.UTC).Add(time.Duration(g.r.IntN(6*365*24)) * time.Hour)
}

func asciiFold(s string) string {
	rep := strings.NewReplacer("é", "e", "ö", "o", "á", "a", "Ł", "L", "ł", "l", "'", "", "í", "i", "ó", "o")
	return rep.Replace(s)
}

// plant adds the hand-made cases the SPEC talks about, in a fixed order (the
// generated ids depend on it).
func (g *gen) plant() {
	g.plantLinks()
	g.plantConflicts()
	g.plantIneligible()
	g.plantAircall()
	g.plantFax()
}

// addRC adds a RingCentral entry, by default an enabled user with a new id.
func (g *gen) addRC(e RCEntry) RCEntry {
	if e.ID == 0 {
		e.ID = g.rcID()
	}
	if e.Type == "" {
		e.Type, e.Status = "User", "Enabled"
	}
	g.org.RingCentral = append(g.org.RingCentral, e)
	return e
}

// addSF adds a Salesforce user, by default an active standard user in the US.
func (g *gen) addSF(u SFUser) SFUser {
	u.ID = g.sfID()
	if u.Username == "" {
		u.Username = strings.ToLower(strings.ReplaceAll(u.FirstName+"."+u.LastName, " ", "")) + "@" + Domain + ".prod"
	}
	if u.UserType == "" {
		u.UserType, u.IsActive = "Standard", true
	}
	if u.CountryCode == "" && u.Country == "" {
		u.CountryCode = "US"
	}
	g.org.Salesforce = append(g.org.Salesforce, u)
	return u
}

func rcid(e RCEntry) string { return fmt.Sprint(e.ID) }

// rcIdentifier is a user's identifiers when its RingCentral field holds e.
func rcIdentifier(e RCEntry) map[string]string {
	return map[string]string{RingCentralField.Provider: rcid(e)}
}

// plantLinks: one user linked by each rule.
func (g *gen) plantLinks() {
	p := &g.org.Planted

	// SPEC example: linked by email, whatever the case.
	ann := g.addRC(RCEntry{ID: 814243005, FirstName: "Ann", LastName: "Lee", Email: "ann@example.com", Extension: "2001",
		Numbers: []RCNumber{g.rcNum("+16505550142", "DirectNumber")}})
	annU := g.addSF(SFUser{FirstName: "Ann", LastName: "Lee", Email: "Ann@Example.com"})
	p.EmailCaseUser, p.EmailCasePerson = annU.ID, rcid(ann)

	// SPEC example: linked by phone.
	ph := g.addRC(RCEntry{FirstName: "Phil", LastName: "Ortega", Email: "phil.o@ringcentral-only.example", Extension: "2002",
		Numbers: []RCNumber{g.rcNum("+16505550101", "DirectNumber")}})
	phU := g.addSF(SFUser{FirstName: "Phil", LastName: "Ortega", Email: "phil.ortega@" + Domain, Phone: "(650) 555-0101"})
	p.PhoneUser, p.PhonePerson = phU.ID, rcid(ph)

	// Linked by extension.
	ex := g.addRC(RCEntry{FirstName: "Xia", LastName: "Chen", Email: "xia@other.example", Extension: "2101"})
	exU := g.addSF(SFUser{FirstName: "Xia", LastName: "Chen", Email: "xchen@" + Domain, Extension: "x2101"})
	p.ExtensionUser, p.ExtensionPerson = exU.ID, rcid(ex)

	// A London user whose org fills in Country, not CountryCode: linked by phone.
	uk := g.addRC(RCEntry{FirstName: "Harriet", LastName: "Wood", Email: "h.wood@uk.example", Extension: "2201", Site: "London",
		Numbers: []RCNumber{g.rcNum("+442079460999", "DirectNumber")}})
	ukU := g.addSF(SFUser{FirstName: "Harriet", LastName: "Wood", Email: "harriet.wood@" + Domain, Phone: "020 7946 0999", Country: "United Kingdom"})
	p.UKUser, p.UKPerson = ukU.ID, rcid(uk)
}

// plantConflicts: each kind of conflict the matching must report.
func (g *gen) plantConflicts() {
	p := &g.org.Planted

	// SPEC example: a number listed by two RingCentral users links nobody by phone.
	p.SharedNumber = "+16505550100"
	g.addRC(RCEntry{FirstName: "Sam", LastName: "Reyes", Email: "sam.reyes@rc.example", Extension: "2301", Numbers: []RCNumber{g.rcNum("+16505550100", "DirectNumber")}})
	g.addRC(RCEntry{FirstName: "Sasha", LastName: "Reyes", Email: "sasha.reyes@rc.example", Extension: "2302", Numbers: []RCNumber{g.rcNum("+16505550100", "DirectNumber")}})
	s1 := g.addSF(SFUser{FirstName: "Sam", LastName: "Reyes", Email: "sam.reyes@" + Domain, Phone: "650-555-0100"})
	p.SharedNumberUsers = []string{s1.ID}

	// Two enabled RingCentral users with one email: nobody is linked by it.
	p.DuplicateEmail = "sales.desk@" + Domain
	g.addRC(RCEntry{FirstName: "Desk", LastName: "One", Email: p.DuplicateEmail, Extension: "2401"})
	g.addRC(RCEntry{FirstName: "Desk", LastName: "Two", Email: "Sales.Desk@" + Domain, Extension: "2402"})
	dd := g.addSF(SFUser{FirstName: "Dee", LastName: "Desk", Email: p.DuplicateEmail})
	p.DuplicateEmailUser = dd.ID

	// Two active Salesforce users with one email (a shared mailbox).
	p.DuplicateSFEmail = "team.emea@" + Domain
	g.addRC(RCEntry{FirstName: "Team", LastName: "EMEA", Email: p.DuplicateSFEmail, Extension: "2501"})
	t1 := g.addSF(SFUser{FirstName: "Tomas", LastName: "Berg", Email: p.DuplicateSFEmail})
	t2 := g.addSF(SFUser{FirstName: "Tove", LastName: "Berg", Email: p.DuplicateSFEmail})
	p.DuplicateSFEmailUsers = []string{t1.ID, t2.ID}

	// SPEC example: the field names a Disabled entry and no rule links the user.
	st := g.addRC(RCEntry{ID: 999, Type: "User", Status: "Disabled", FirstName: "Gone", LastName: "Away", Email: "gone@" + Domain, Extension: "2601"})
	stU := g.addSF(SFUser{FirstName: "Stella", LastName: "Marsh", Email: "stella.marsh@" + Domain, Identifiers: rcIdentifier(st)})
	p.StaleUser, p.StalePerson = stU.ID, rcid(st)

	// SPEC example: email links A to P while A's extension belongs to Q.
	dp := g.addRC(RCEntry{FirstName: "Dario", LastName: "Fo", Email: "dario.fo@" + Domain, Extension: "2701"})
	dq := g.addRC(RCEntry{FirstName: "Quentin", LastName: "Fo", Email: "quentin@rc.example", Extension: "2702"})
	dU := g.addSF(SFUser{FirstName: "Dario", LastName: "Fo", Email: "dario.fo@" + Domain, Extension: "2702"})
	p.DisagreeUser, p.DisagreePerson, p.DisagreeOther = dU.ID, rcid(dp), rcid(dq)

	// An identifier moves: B still holds P's id, but P is linked to A by email.
	mp := g.addRC(RCEntry{FirstName: "Mona", LastName: "Vale", Email: "mona.vale@" + Domain, Extension: "2801"})
	mA := g.addSF(SFUser{FirstName: "Mona", LastName: "Vale", Email: "mona.vale@" + Domain})
	mB := g.addSF(SFUser{FirstName: "Morgan", LastName: "Vale", Email: "morgan.vale@" + Domain, Identifiers: rcIdentifier(mp)})
	p.MovedTo, p.MovedFrom, p.MovedPerson = mA.ID, mB.ID, rcid(mp)

	// A phone that is no number at all.
	iv := g.addSF(SFUser{FirstName: "Ivo", LastName: "Bad", Email: "ivo.bad@" + Domain, Phone: "555-CALL-NOW"})
	p.InvalidPhoneUser, p.InvalidPhone = iv.ID, "555-CALL-NOW"
}

// plantIneligible: records no rule may link.
func (g *gen) plantIneligible() {
	p := &g.org.Planted

	// Inactive and non-standard users are never read, whatever they match.
	ina := g.addRC(RCEntry{FirstName: "Ina", LastName: "Active", Email: "ina.active@" + Domain, Extension: "2901"})
	inU := g.addSF(SFUser{FirstName: "Ina", LastName: "Active", Email: "ina.active@" + Domain, UserType: "Standard", IsActive: false})
	g.addSF(SFUser{FirstName: "Portal", LastName: "Person", Email: "ina.active@" + Domain, UserType: "PowerCustomerSuccess", IsActive: true})
	p.InactiveUser = inU.ID
	_ = ina

	// A NotActivated entry is not eligible, even with a matching email.
	na := g.addRC(RCEntry{Type: "User", Status: "NotActivated", FirstName: "Nat", LastName: "Pending", Email: "nat.pending@" + Domain, Extension: "2911"})
	g.addSF(SFUser{FirstName: "Nat", LastName: "Pending", Email: "nat.pending@" + Domain})
	p.NotActivatedPerson = rcid(na)

	// A department's direct number typed as a user's phone: departments link nobody.
	dept := g.addRC(RCEntry{Type: "Department", Status: "Enabled", Name: "Support Queue", Extension: "2000",
		Numbers: []RCNumber{g.rcNum("+16505550199", "DirectNumber")}})
	dpU := g.addSF(SFUser{FirstName: "Quinn", LastName: "Support", Email: "quinn.support@" + Domain, Phone: "+1 650 555 0199"})
	p.DepartmentNumberUser, p.Department = dpU.ID, rcid(dept)
	g.addRC(RCEntry{Type: "IvrMenu", Status: "Enabled", Name: "Main IVR", Extension: "1000"})
}

// plantAircall: a team line assigned to several users, and a clean email link.
func (g *gen) plantAircall() {
	o, p := g.org, &g.org.Planted
	// Aircall: a team line assigned to several users, and a clean email link.
	acP := ACUser{ID: g.acID(), Name: "Ana Beatriz", Email: "ana.beatriz@" + Domain, CreatedAt: g.created(), TimeZone: "Europe/Paris", Language: "fr-FR"}
	o.Aircall = append(o.Aircall, acP)
	acU := g.addSF(SFUser{FirstName: "Ana", LastName: "Beatriz", Email: "ANA.BEATRIZ@" + Domain, CountryCode: "FR"})
	p.AircallEmailUser, p.AircallPerson = acU.ID, fmt.Sprint(acP.ID)
	team := ACNumber{ID: 2000001, Name: "Support team line", Digits: "+33 1 23 45 67 89", Country: "FR", UserIDs: []int64{acP.ID}}
	for _, n := range o.Aircall[:min(3, len(o.Aircall))] {
		if n.ID != acP.ID {
			team.UserIDs = append(team.UserIDs, n.ID)
		}
	}
	o.AircallNumbers = append(o.AircallNumbers, team)
	p.AircallSharedNumber = "+33123456789"
	if g.shape.Dialpad > 0 {
		g.plantDialpad(g.addSF)
	}
}

// plantFax: FaxOnly numbers (ringcentral.md §2-3, type FaxOnly) are never
// evidence and never a Phone. Planted last, so that no earlier id moves.
func (g *gen) plantFax() {
	p := &g.org.Planted
	// a fax extension (the directory shows FaxUser as a User) whose number a user typed as Phone
	fax := g.addRC(RCEntry{Type: "FaxUser", Status: "Enabled", FirstName: "Fax", LastName: "Line", Extension: "2951",
		Numbers: []RCNumber{g.rcFax("+16505550177")}})
	fu := g.addSF(SFUser{FirstName: "Fay", LastName: "Faxon", Email: "fay.faxon@" + Domain, Phone: "(650) 555-0177"})
	p.FaxLineUser, p.FaxLinePerson = fu.ID, rcid(fax)

	// linked by email; an empty Phone must not be filled with the person's fax number
	fo := g.addRC(RCEntry{FirstName: "Fern", LastName: "Ink", Email: "fern.ink@" + Domain, Extension: "2952",
		Numbers: []RCNumber{g.rcFax("+16505550178")}})
	ou := g.addSF(SFUser{FirstName: "Fern", LastName: "Ink", Email: "fern.ink@" + Domain})
	p.FaxOnlyUser, p.FaxOnlyPerson = ou.ID, rcid(fo)
}

// rcFax is a direct number that takes faxes only.
func (g *gen) rcFax(e164 string) RCNumber {
	n := g.rcNum(e164, "DirectNumber")
	n.Type = "FaxOnly"
	return n
}
