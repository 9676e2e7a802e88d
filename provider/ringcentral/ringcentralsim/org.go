package ringcentralsim

import (
	"fmt"

	"voiceid/sandbox"
)

// Entry is one extension in the simulated RingCentral account.
type Entry struct {
	ID        int64
	Type      string // as the extension list reports it (User, DigitalUser, Department, ...)
	Status    string
	FirstName string
	LastName  string
	Name      string // non-user entries
	Email     string
	Extension string
	Numbers   []Number
	Site      string
}

// Number is a phone number assigned to an extension.
type Number struct {
	ID        int64
	Number    string // E.164
	UsageType string
	Type      string // VoiceFax (when empty), VoiceOnly or FaxOnly
}

// kind is the number's type as RingCentral writes it.
func (n Number) kind() string {
	if n.Type == "" {
		return "VoiceFax"
	}
	return n.Type
}

// domain is the generated company's email domain.
const domain = sandbox.Domain

// Org is RingCentral's part of a generated organisation.
type Org struct {
	Entries []Entry
	Planted Planted
}

// InOrg is RingCentral's part of org; nil when org was made without it.
func InOrg(org *sandbox.Org) *Org {
	p, _ := org.Part(Name).(*Org)
	return p
}

// Planted names the records of the hand-made RingCentral cases, so that tests can assert
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
	DepartmentNumberUser, Department string // user's phone is a department's direct number: not linked
	FaxLineUser, FaxLinePerson       string // user's Phone is a fax extension's FaxOnly number: not linked
	FaxOnlyUser, FaxOnlyPerson       string // linked by email; the person's only number is FaxOnly: Phone stays empty
}

// generator makes RingCentral's part of an organisation: an extension for each
// bulk person (most of them kept), and the planted cases.
type generator struct {
	*sandbox.Gen
	share  sandbox.Share
	part   *Org
	nextRC int64
	entry  Entry // the bulk person's, drawn before their Salesforce user
}

func newGenerator(g *sandbox.Gen, share sandbox.Share) sandbox.Generator {
	rg := &generator{Gen: g, share: share, part: &Org{}, nextRC: 62804120004}
	// The company's main number, on the system extension: never links anyone.
	rg.part.Entries = append(rg.part.Entries, Entry{ID: 62804120000, Type: "User", Status: "Enabled", FirstName: "Admin", LastName: "Account",
		Email: "it-admin@" + domain, Extension: "101", Numbers: []Number{rg.rcNum("+18005550100", "MainCompanyNumber")}})
	return rg
}

func (g *generator) Part() any { return g.part }

func (g *generator) rcID() int64 { g.nextRC += 1000 + int64(g.Rand.IntN(900)); return g.nextRC }
func (g *generator) rcNum(e164, usage string) Number {
	return Number{ID: g.NumberID(), Number: e164, UsageType: usage}
}

// Before draws p's extension: its id, and whether it is a DigitalUser.
func (g *generator) Before(p sandbox.Person) {
	rc := Entry{ID: g.rcID(), Type: "User", Status: "Enabled", FirstName: p.First, LastName: p.Last, Email: p.Email,
		Extension: p.Extension, Site: "HQ", Numbers: []Number{g.rcNum(p.E164, "DirectNumber")}}
	if g.Rand.IntN(10) == 0 {
		rc.Type = "DigitalUser" // folded into User by the directory
	}
	if p.Country == "GB" {
		rc.Site = "London"
	}
	g.entry = rc
}

// After draws whether u's field already holds the extension, and whether p is on RingCentral at all.
func (g *generator) After(_ sandbox.Person, u *sandbox.SFUser) {
	if g.Rand.IntN(2) == 0 { // the steady state: half already hold the right identifier
		u.SetIdentifier(Name, fmt.Sprint(g.entry.ID))
	}
	if g.Rand.Float64() < g.share.Users {
		g.part.Entries = append(g.part.Entries, g.entry)
	} else {
		u.SetIdentifier(Name, "") // not on RingCentral at all
	}
}

// Plant adds the hand-made cases the SPEC talks about, in a fixed order (the
// generated ids depend on it).
func (g *generator) Plant() {
	g.plantLinks()
	g.plantConflicts()
	g.plantIneligible()
}

// PlantLate adds the fax cases, planted after every other provider's.
func (g *generator) PlantLate() { g.plantFax() }

// addRC adds a RingCentral entry, by default an enabled user with a new id.
func (g *generator) addRC(e Entry) Entry {
	if e.ID == 0 {
		e.ID = g.rcID()
	}
	if e.Type == "" {
		e.Type, e.Status = "User", "Enabled"
	}
	g.part.Entries = append(g.part.Entries, e)
	return e
}

func rcid(e Entry) string { return fmt.Sprint(e.ID) }

// rcIdentifier is a user's identifiers when its RingCentral field holds e.
func rcIdentifier(e Entry) map[string]string {
	return map[string]string{Name: rcid(e)}
}

// plantLinks: one user linked by each rule.
func (g *generator) plantLinks() {
	p := &g.part.Planted

	// SPEC example: linked by email, whatever the case.
	ann := g.addRC(Entry{ID: 814243005, FirstName: "Ann", LastName: "Lee", Email: "ann@example.com", Extension: "2001",
		Numbers: []Number{g.rcNum("+16505550142", "DirectNumber")}})
	annU := g.AddUser(sandbox.SFUser{FirstName: "Ann", LastName: "Lee", Email: "Ann@Example.com"})
	p.EmailCaseUser, p.EmailCasePerson = annU.ID, rcid(ann)

	// SPEC example: linked by phone.
	ph := g.addRC(Entry{FirstName: "Phil", LastName: "Ortega", Email: "phil.o@ringcentral-only.example", Extension: "2002",
		Numbers: []Number{g.rcNum("+16505550101", "DirectNumber")}})
	phU := g.AddUser(sandbox.SFUser{FirstName: "Phil", LastName: "Ortega", Email: "phil.ortega@" + domain, Phone: "(650) 555-0101"})
	p.PhoneUser, p.PhonePerson = phU.ID, rcid(ph)

	// Linked by extension.
	ex := g.addRC(Entry{FirstName: "Xia", LastName: "Chen", Email: "xia@other.example", Extension: "2101"})
	exU := g.AddUser(sandbox.SFUser{FirstName: "Xia", LastName: "Chen", Email: "xchen@" + domain, Extension: "x2101"})
	p.ExtensionUser, p.ExtensionPerson = exU.ID, rcid(ex)

	// A London user whose org fills in Country, not CountryCode: linked by phone.
	uk := g.addRC(Entry{FirstName: "Harriet", LastName: "Wood", Email: "h.wood@uk.example", Extension: "2201", Site: "London",
		Numbers: []Number{g.rcNum("+442079460999", "DirectNumber")}})
	ukU := g.AddUser(sandbox.SFUser{FirstName: "Harriet", LastName: "Wood", Email: "harriet.wood@" + domain, Phone: "020 7946 0999", Country: "United Kingdom"})
	p.UKUser, p.UKPerson = ukU.ID, rcid(uk)
}

// plantConflicts: each kind of conflict the matching must report.
func (g *generator) plantConflicts() {
	p := &g.part.Planted

	// SPEC example: a number listed by two RingCentral users links nobody by phone.
	p.SharedNumber = "+16505550100"
	g.addRC(Entry{FirstName: "Sam", LastName: "Reyes", Email: "sam.reyes@rc.example", Extension: "2301", Numbers: []Number{g.rcNum("+16505550100", "DirectNumber")}})
	g.addRC(Entry{FirstName: "Sasha", LastName: "Reyes", Email: "sasha.reyes@rc.example", Extension: "2302", Numbers: []Number{g.rcNum("+16505550100", "DirectNumber")}})
	s1 := g.AddUser(sandbox.SFUser{FirstName: "Sam", LastName: "Reyes", Email: "sam.reyes@" + domain, Phone: "650-555-0100"})
	p.SharedNumberUsers = []string{s1.ID}

	// Two enabled RingCentral users with one email: nobody is linked by it.
	p.DuplicateEmail = "sales.desk@" + domain
	g.addRC(Entry{FirstName: "Desk", LastName: "One", Email: p.DuplicateEmail, Extension: "2401"})
	g.addRC(Entry{FirstName: "Desk", LastName: "Two", Email: "Sales.Desk@" + domain, Extension: "2402"})
	dd := g.AddUser(sandbox.SFUser{FirstName: "Dee", LastName: "Desk", Email: p.DuplicateEmail})
	p.DuplicateEmailUser = dd.ID

	// Two active Salesforce users with one email (a shared mailbox).
	p.DuplicateSFEmail = "team.emea@" + domain
	g.addRC(Entry{FirstName: "Team", LastName: "EMEA", Email: p.DuplicateSFEmail, Extension: "2501"})
	t1 := g.AddUser(sandbox.SFUser{FirstName: "Tomas", LastName: "Berg", Email: p.DuplicateSFEmail})
	t2 := g.AddUser(sandbox.SFUser{FirstName: "Tove", LastName: "Berg", Email: p.DuplicateSFEmail})
	p.DuplicateSFEmailUsers = []string{t1.ID, t2.ID}

	// SPEC example: the field names a Disabled entry and no rule links the user.
	st := g.addRC(Entry{ID: 999, Type: "User", Status: "Disabled", FirstName: "Gone", LastName: "Away", Email: "gone@" + domain, Extension: "2601"})
	stU := g.AddUser(sandbox.SFUser{FirstName: "Stella", LastName: "Marsh", Email: "stella.marsh@" + domain, Identifiers: rcIdentifier(st)})
	p.StaleUser, p.StalePerson = stU.ID, rcid(st)

	// SPEC example: email links A to P while A's extension belongs to Q.
	dp := g.addRC(Entry{FirstName: "Dario", LastName: "Fo", Email: "dario.fo@" + domain, Extension: "2701"})
	dq := g.addRC(Entry{FirstName: "Quentin", LastName: "Fo", Email: "quentin@rc.example", Extension: "2702"})
	dU := g.AddUser(sandbox.SFUser{FirstName: "Dario", LastName: "Fo", Email: "dario.fo@" + domain, Extension: "2702"})
	p.DisagreeUser, p.DisagreePerson, p.DisagreeOther = dU.ID, rcid(dp), rcid(dq)

	// An identifier moves: B still holds P's id, but P is linked to A by email.
	mp := g.addRC(Entry{FirstName: "Mona", LastName: "Vale", Email: "mona.vale@" + domain, Extension: "2801"})
	mA := g.AddUser(sandbox.SFUser{FirstName: "Mona", LastName: "Vale", Email: "mona.vale@" + domain})
	mB := g.AddUser(sandbox.SFUser{FirstName: "Morgan", LastName: "Vale", Email: "morgan.vale@" + domain, Identifiers: rcIdentifier(mp)})
	p.MovedTo, p.MovedFrom, p.MovedPerson = mA.ID, mB.ID, rcid(mp)

	// A phone that is no number at all.
	iv := g.AddUser(sandbox.SFUser{FirstName: "Ivo", LastName: "Bad", Email: "ivo.bad@" + domain, Phone: "555-CALL-NOW"})
	p.InvalidPhoneUser, p.InvalidPhone = iv.ID, "555-CALL-NOW"
}

// plantIneligible: records no rule may link.
func (g *generator) plantIneligible() {
	p := &g.part.Planted

	// Inactive and non-standard users are never read, whatever they match.
	ina := g.addRC(Entry{FirstName: "Ina", LastName: "Active", Email: "ina.active@" + domain, Extension: "2901"})
	inU := g.AddUser(sandbox.SFUser{FirstName: "Ina", LastName: "Active", Email: "ina.active@" + domain, UserType: "Standard", IsActive: false})
	g.AddUser(sandbox.SFUser{FirstName: "Portal", LastName: "Person", Email: "ina.active@" + domain, UserType: "PowerCustomerSuccess", IsActive: true})
	p.InactiveUser = inU.ID
	_ = ina

	// A NotActivated entry is not eligible, even with a matching email.
	na := g.addRC(Entry{Type: "User", Status: "NotActivated", FirstName: "Nat", LastName: "Pending", Email: "nat.pending@" + domain, Extension: "2911"})
	g.AddUser(sandbox.SFUser{FirstName: "Nat", LastName: "Pending", Email: "nat.pending@" + domain})
	p.NotActivatedPerson = rcid(na)

	// A department's direct number typed as a user's phone: departments link nobody.
	dept := g.addRC(Entry{Type: "Department", Status: "Enabled", Name: "Support Queue", Extension: "2000",
		Numbers: []Number{g.rcNum("+16505550199", "DirectNumber")}})
	dpU := g.AddUser(sandbox.SFUser{FirstName: "Quinn", LastName: "Support", Email: "quinn.support@" + domain, Phone: "+1 650 555 0199"})
	p.DepartmentNumberUser, p.Department = dpU.ID, rcid(dept)
	g.addRC(Entry{Type: "IvrMenu", Status: "Enabled", Name: "Main IVR", Extension: "1000"})
}

// plantFax: FaxOnly numbers (ringcentral.md §2-3, type FaxOnly) are never
// evidence and never a Phone. Planted last, so that no earlier id moves.
func (g *generator) plantFax() {
	p := &g.part.Planted
	// a fax extension (the directory shows FaxUser as a User) whose number a user typed as Phone
	fax := g.addRC(Entry{Type: "FaxUser", Status: "Enabled", FirstName: "Fax", LastName: "Line", Extension: "2951",
		Numbers: []Number{g.rcFax("+16505550177")}})
	fu := g.AddUser(sandbox.SFUser{FirstName: "Fay", LastName: "Faxon", Email: "fay.faxon@" + domain, Phone: "(650) 555-0177"})
	p.FaxLineUser, p.FaxLinePerson = fu.ID, rcid(fax)

	// linked by email; an empty Phone must not be filled with the person's fax number
	fo := g.addRC(Entry{FirstName: "Fern", LastName: "Ink", Email: "fern.ink@" + domain, Extension: "2952",
		Numbers: []Number{g.rcFax("+16505550178")}})
	ou := g.AddUser(sandbox.SFUser{FirstName: "Fern", LastName: "Ink", Email: "fern.ink@" + domain})
	p.FaxOnlyUser, p.FaxOnlyPerson = ou.ID, rcid(fo)
}

// rcFax is a direct number that takes faxes only.
func (g *generator) rcFax(e164 string) Number {
	n := g.rcNum(e164, "DirectNumber")
	n.Type = "FaxOnly"
	return n
}
