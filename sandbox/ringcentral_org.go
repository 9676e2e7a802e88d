package sandbox

import "fmt"

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

// RCOrg is RingCentral's part of a generated organisation.
type RCOrg struct {
	Entries []RCEntry
	Planted RCPlanted
}

// RCInOrg is RingCentral's part of org; nil when org was made without it.
func RCInOrg(org *Org) *RCOrg {
	p, _ := org.Part(RingCentralName).(*RCOrg)
	return p
}

// RCPlanted names the records of the hand-made RingCentral cases, so that tests can assert
// what the SPEC says must happen to each of them.
type RCPlanted struct {
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

// rcGen makes RingCentral's part of an organisation: an extension for each
// bulk person (most of them kept), and the planted cases.
type rcGen struct {
	*Gen
	share  Share
	part   *RCOrg
	nextRC int64
	entry  RCEntry // the bulk person's, drawn before their Salesforce user
}

func newRCGen(g *Gen, share Share) Generator {
	rg := &rcGen{Gen: g, share: share, part: &RCOrg{}, nextRC: 62804120004}
	// The company's main number, on the system extension: never links anyone.
	rg.part.Entries = append(rg.part.Entries, RCEntry{ID: 62804120000, Type: "User", Status: "Enabled", FirstName: "Admin", LastName: "Account",
		Email: "it-admin@" + Domain, Extension: "101", Numbers: []RCNumber{rg.rcNum("+18005550100", "MainCompanyNumber")}})
	return rg
}

func (g *rcGen) Part() any { return g.part }

func (g *rcGen) rcID() int64 { g.nextRC += 1000 + int64(g.Rand.IntN(900)); return g.nextRC }
func (g *rcGen) rcNum(e164, usage string) RCNumber {
	return RCNumber{ID: g.NumberID(), Number: e164, UsageType: usage}
}

// Before draws p's extension: its id, and whether it is a DigitalUser.
func (g *rcGen) Before(p Person) {
	rc := RCEntry{ID: g.rcID(), Type: "User", Status: "Enabled", FirstName: p.First, LastName: p.Last, Email: p.Email,
		Extension: p.Extension, Site: "HQ", Numbers: []RCNumber{g.rcNum(p.E164, "DirectNumber")}}
	if g.Rand.IntN(10) == 0 {
		rc.Type = "DigitalUser" // folded into User by the directory
	}
	if p.Country == "GB" {
		rc.Site = "London"
	}
	g.entry = rc
}

// After draws whether u's field already holds the extension, and whether p is on RingCentral at all.
func (g *rcGen) After(_ Person, u *SFUser) {
	if g.Rand.IntN(2) == 0 { // the steady state: half already hold the right identifier
		u.SetIdentifier(RingCentralName, fmt.Sprint(g.entry.ID))
	}
	if g.Rand.Float64() < g.share.Users {
		g.part.Entries = append(g.part.Entries, g.entry)
	} else {
		u.SetIdentifier(RingCentralName, "") // not on RingCentral at all
	}
}

// Plant adds the hand-made cases the SPEC talks about, in a fixed order (the
// generated ids depend on it).
func (g *rcGen) Plant() {
	g.plantLinks()
	g.plantConflicts()
	g.plantIneligible()
}

// PlantLate adds the fax cases, planted after every other provider's.
func (g *rcGen) PlantLate() { g.plantFax() }

// addRC adds a RingCentral entry, by default an enabled user with a new id.
func (g *rcGen) addRC(e RCEntry) RCEntry {
	if e.ID == 0 {
		e.ID = g.rcID()
	}
	if e.Type == "" {
		e.Type, e.Status = "User", "Enabled"
	}
	g.part.Entries = append(g.part.Entries, e)
	return e
}

func rcid(e RCEntry) string { return fmt.Sprint(e.ID) }

// rcIdentifier is a user's identifiers when its RingCentral field holds e.
func rcIdentifier(e RCEntry) map[string]string {
	return map[string]string{RingCentralName: rcid(e)}
}

// plantLinks: one user linked by each rule.
func (g *rcGen) plantLinks() {
	p := &g.part.Planted

	// SPEC example: linked by email, whatever the case.
	ann := g.addRC(RCEntry{ID: 814243005, FirstName: "Ann", LastName: "Lee", Email: "ann@example.com", Extension: "2001",
		Numbers: []RCNumber{g.rcNum("+16505550142", "DirectNumber")}})
	annU := g.AddUser(SFUser{FirstName: "Ann", LastName: "Lee", Email: "Ann@Example.com"})
	p.EmailCaseUser, p.EmailCasePerson = annU.ID, rcid(ann)

	// SPEC example: linked by phone.
	ph := g.addRC(RCEntry{FirstName: "Phil", LastName: "Ortega", Email: "phil.o@ringcentral-only.example", Extension: "2002",
		Numbers: []RCNumber{g.rcNum("+16505550101", "DirectNumber")}})
	phU := g.AddUser(SFUser{FirstName: "Phil", LastName: "Ortega", Email: "phil.ortega@" + Domain, Phone: "(650) 555-0101"})
	p.PhoneUser, p.PhonePerson = phU.ID, rcid(ph)

	// Linked by extension.
	ex := g.addRC(RCEntry{FirstName: "Xia", LastName: "Chen", Email: "xia@other.example", Extension: "2101"})
	exU := g.AddUser(SFUser{FirstName: "Xia", LastName: "Chen", Email: "xchen@" + Domain, Extension: "x2101"})
	p.ExtensionUser, p.ExtensionPerson = exU.ID, rcid(ex)

	// A London user whose org fills in Country, not CountryCode: linked by phone.
	uk := g.addRC(RCEntry{FirstName: "Harriet", LastName: "Wood", Email: "h.wood@uk.example", Extension: "2201", Site: "London",
		Numbers: []RCNumber{g.rcNum("+442079460999", "DirectNumber")}})
	ukU := g.AddUser(SFUser{FirstName: "Harriet", LastName: "Wood", Email: "harriet.wood@" + Domain, Phone: "020 7946 0999", Country: "United Kingdom"})
	p.UKUser, p.UKPerson = ukU.ID, rcid(uk)
}

// plantConflicts: each kind of conflict the matching must report.
func (g *rcGen) plantConflicts() {
	p := &g.part.Planted

	// SPEC example: a number listed by two RingCentral users links nobody by phone.
	p.SharedNumber = "+16505550100"
	g.addRC(RCEntry{FirstName: "Sam", LastName: "Reyes", Email: "sam.reyes@rc.example", Extension: "2301", Numbers: []RCNumber{g.rcNum("+16505550100", "DirectNumber")}})
	g.addRC(RCEntry{FirstName: "Sasha", LastName: "Reyes", Email: "sasha.reyes@rc.example", Extension: "2302", Numbers: []RCNumber{g.rcNum("+16505550100", "DirectNumber")}})
	s1 := g.AddUser(SFUser{FirstName: "Sam", LastName: "Reyes", Email: "sam.reyes@" + Domain, Phone: "650-555-0100"})
	p.SharedNumberUsers = []string{s1.ID}

	// Two enabled RingCentral users with one email: nobody is linked by it.
	p.DuplicateEmail = "sales.desk@" + Domain
	g.addRC(RCEntry{FirstName: "Desk", LastName: "One", Email: p.DuplicateEmail, Extension: "2401"})
	g.addRC(RCEntry{FirstName: "Desk", LastName: "Two", Email: "Sales.Desk@" + Domain, Extension: "2402"})
	dd := g.AddUser(SFUser{FirstName: "Dee", LastName: "Desk", Email: p.DuplicateEmail})
	p.DuplicateEmailUser = dd.ID

	// Two active Salesforce users with one email (a shared mailbox).
	p.DuplicateSFEmail = "team.emea@" + Domain
	g.addRC(RCEntry{FirstName: "Team", LastName: "EMEA", Email: p.DuplicateSFEmail, Extension: "2501"})
	t1 := g.AddUser(SFUser{FirstName: "Tomas", LastName: "Berg", Email: p.DuplicateSFEmail})
	t2 := g.AddUser(SFUser{FirstName: "Tove", LastName: "Berg", Email: p.DuplicateSFEmail})
	p.DuplicateSFEmailUsers = []string{t1.ID, t2.ID}

	// SPEC example: the field names a Disabled entry and no rule links the user.
	st := g.addRC(RCEntry{ID: 999, Type: "User", Status: "Disabled", FirstName: "Gone", LastName: "Away", Email: "gone@" + Domain, Extension: "2601"})
	stU := g.AddUser(SFUser{FirstName: "Stella", LastName: "Marsh", Email: "stella.marsh@" + Domain, Identifiers: rcIdentifier(st)})
	p.StaleUser, p.StalePerson = stU.ID, rcid(st)

	// SPEC example: email links A to P while A's extension belongs to Q.
	dp := g.addRC(RCEntry{FirstName: "Dario", LastName: "Fo", Email: "dario.fo@" + Domain, Extension: "2701"})
	dq := g.addRC(RCEntry{FirstName: "Quentin", LastName: "Fo", Email: "quentin@rc.example", Extension: "2702"})
	dU := g.AddUser(SFUser{FirstName: "Dario", LastName: "Fo", Email: "dario.fo@" + Domain, Extension: "2702"})
	p.DisagreeUser, p.DisagreePerson, p.DisagreeOther = dU.ID, rcid(dp), rcid(dq)

	// An identifier moves: B still holds P's id, but P is linked to A by email.
	mp := g.addRC(RCEntry{FirstName: "Mona", LastName: "Vale", Email: "mona.vale@" + Domain, Extension: "2801"})
	mA := g.AddUser(SFUser{FirstName: "Mona", LastName: "Vale", Email: "mona.vale@" + Domain})
	mB := g.AddUser(SFUser{FirstName: "Morgan", LastName: "Vale", Email: "morgan.vale@" + Domain, Identifiers: rcIdentifier(mp)})
	p.MovedTo, p.MovedFrom, p.MovedPerson = mA.ID, mB.ID, rcid(mp)

	// A phone that is no number at all.
	iv := g.AddUser(SFUser{FirstName: "Ivo", LastName: "Bad", Email: "ivo.bad@" + Domain, Phone: "555-CALL-NOW"})
	p.InvalidPhoneUser, p.InvalidPhone = iv.ID, "555-CALL-NOW"
}

// plantIneligible: records no rule may link.
func (g *rcGen) plantIneligible() {
	p := &g.part.Planted

	// Inactive and non-standard users are never read, whatever they match.
	ina := g.addRC(RCEntry{FirstName: "Ina", LastName: "Active", Email: "ina.active@" + Domain, Extension: "2901"})
	inU := g.AddUser(SFUser{FirstName: "Ina", LastName: "Active", Email: "ina.active@" + Domain, UserType: "Standard", IsActive: false})
	g.AddUser(SFUser{FirstName: "Portal", LastName: "Person", Email: "ina.active@" + Domain, UserType: "PowerCustomerSuccess", IsActive: true})
	p.InactiveUser = inU.ID
	_ = ina

	// A NotActivated entry is not eligible, even with a matching email.
	na := g.addRC(RCEntry{Type: "User", Status: "NotActivated", FirstName: "Nat", LastName: "Pending", Email: "nat.pending@" + Domain, Extension: "2911"})
	g.AddUser(SFUser{FirstName: "Nat", LastName: "Pending", Email: "nat.pending@" + Domain})
	p.NotActivatedPerson = rcid(na)

	// A department's direct number typed as a user's phone: departments link nobody.
	dept := g.addRC(RCEntry{Type: "Department", Status: "Enabled", Name: "Support Queue", Extension: "2000",
		Numbers: []RCNumber{g.rcNum("+16505550199", "DirectNumber")}})
	dpU := g.AddUser(SFUser{FirstName: "Quinn", LastName: "Support", Email: "quinn.support@" + Domain, Phone: "+1 650 555 0199"})
	p.DepartmentNumberUser, p.Department = dpU.ID, rcid(dept)
	g.addRC(RCEntry{Type: "IvrMenu", Status: "Enabled", Name: "Main IVR", Extension: "1000"})
}

// plantFax: FaxOnly numbers (ringcentral.md §2-3, type FaxOnly) are never
// evidence and never a Phone. Planted last, so that no earlier id moves.
func (g *rcGen) plantFax() {
	p := &g.part.Planted
	// a fax extension (the directory shows FaxUser as a User) whose number a user typed as Phone
	fax := g.addRC(RCEntry{Type: "FaxUser", Status: "Enabled", FirstName: "Fax", LastName: "Line", Extension: "2951",
		Numbers: []RCNumber{g.rcFax("+16505550177")}})
	fu := g.AddUser(SFUser{FirstName: "Fay", LastName: "Faxon", Email: "fay.faxon@" + Domain, Phone: "(650) 555-0177"})
	p.FaxLineUser, p.FaxLinePerson = fu.ID, rcid(fax)

	// linked by email; an empty Phone must not be filled with the person's fax number
	fo := g.addRC(RCEntry{FirstName: "Fern", LastName: "Ink", Email: "fern.ink@" + Domain, Extension: "2952",
		Numbers: []RCNumber{g.rcFax("+16505550178")}})
	ou := g.AddUser(SFUser{FirstName: "Fern", LastName: "Ink", Email: "fern.ink@" + Domain})
	p.FaxOnlyUser, p.FaxOnlyPerson = ou.ID, rcid(fo)
}

// rcFax is a direct number that takes faxes only.
func (g *rcGen) rcFax(e164 string) RCNumber {
	n := g.rcNum(e164, "DirectNumber")
	n.Type = "FaxOnly"
	return n
}
