package sandbox

import "fmt"

// DPUser is one user of the simulated Dialpad company.
type DPUser struct {
	ID        int64 // 16 digits, as Dialpad's; some above 2^53
	FirstName string
	LastName  string
	Emails    []string
	Numbers   []string // E.164
	Extension string
	State     string // active, cancelled, deleted, pending, suspended
	OfficeID  int64
}

// DPOwner is an entity other than a user that owns numbers: an office (its
// main lines), a department, a call center, a room or a call router.
type DPOwner struct {
	ID       int64
	Kind     string // office, department, callcenter, room, callrouter (target_type)
	Name     string
	Numbers  []string
	OfficeID int64
}

// DPOrg is Dialpad's part of a generated organisation: empty at a share of 0.
type DPOrg struct {
	Users   []DPUser
	Owners  []DPOwner // offices, departments, rooms owning numbers
	Planted DialpadPlanted
}

// DPInOrg is Dialpad's part of org; nil when org was made without it.
func DPInOrg(org *Org) *DPOrg {
	p, _ := org.Part(DialpadName).(*DPOrg)
	return p
}

// dpGen makes Dialpad's part of an organisation: a share of the bulk
// people, each with a line, and the planted cases.
type dpGen struct {
	*Gen
	Hooks
	share Share
	part  *DPOrg
}

func newDPGen(g *Gen, share Share) Generator { return &dpGen{Gen: g, share: share, part: &DPOrg{}} }

func (g *dpGen) Part() any { return g.part }

// DialpadPlanted names the hand-made Dialpad cases of an org (dialpad.md §3, §4).
type DialpadPlanted struct {
	EmailUser, EmailPerson         string // linked by the person's second email
	ExtensionUser, ExtensionPerson string // linked by extension; the id is above 2^53
	PhoneUser, PhonePerson         string // linked by phone
	LineUser, Department           string // Phone is the department's line: shared_number, not linked
	Line                           string // that line, E.164
	StaleUser, StalePerson         string // field holds a suspended user's id: stale, left as is
}

// After puts a share of the bulk people on Dialpad too; nothing is drawn at
// a share of 0, so that orgs made before Dialpad support stay the same.
func (g *dpGen) After(p Person, u *SFUser) {
	if g.share.Users > 0 && g.Rand.Float64() < g.share.Users {
		g.dialpadUser(p, u)
	}
}

// dialpadUser puts bulk person p on Dialpad, with a line of its own.
func (g *dpGen) dialpadUser(p Person, u *SFUser) {
	line, _ := USNumber(20_000_000 + p.Index)
	d := DPUser{ID: 5100000000100000 + int64(p.Index)*7, FirstName: p.First, LastName: p.Last, Emails: []string{p.Email},
		Numbers: []string{line}, State: "active", OfficeID: dpOffice}
	g.part.Users = append(g.part.Users, d)
	if g.Rand.IntN(2) == 0 { // the steady state: half already hold the right identifier
		u.SetIdentifier(DialpadName, fmt.Sprint(d.ID))
	}
}

// dpOffice is the generated company's one Dialpad office.
const dpOffice = 5100000000000011

// Plant adds the Dialpad cases the SPEC and the issue name; none at a share
// of 0.
func (g *dpGen) Plant() {
	if g.share.Users > 0 {
		g.plantDialpad()
	}
}

func (g *dpGen) plantDialpad() {
	o, p, addSF := g.part, &g.part.Planted, g.AddUser
	add := func(u DPUser) string {
		if u.State == "" {
			u.State = "active"
		}
		u.OfficeID = dpOffice
		o.Users = append(o.Users, u)
		return fmt.Sprint(u.ID)
	}
	p.Line = "+16505550161"
	o.Owners = append(o.Owners,
		DPOwner{ID: dpOffice, Kind: "office", Name: "Example HQ", Numbers: []string{"+16505550160"}},
		DPOwner{ID: 5100000000000201, Kind: "department", Name: "Sales Line", Numbers: []string{p.Line}, OfficeID: dpOffice},
		DPOwner{ID: 5100000000000301, Kind: "room", Name: "Boardroom", Numbers: []string{"+16505550162"}, OfficeID: dpOffice})
	p.Department = "5100000000000201"

	// several emails: Salesforce has the second one
	p.EmailPerson = add(DPUser{ID: 5100000000000501, FirstName: "Noor", LastName: "Haddad",
		Emails: []string{"noor@dialpad-signup.example", "noor.haddad@" + Domain}, Numbers: []string{"+16505550164"}})
	p.EmailUser = addSF(SFUser{FirstName: "Noor", LastName: "Haddad", Email: "Noor.Haddad@" + Domain}).ID

	// an id a float64 cannot hold (2^53 + 1), linked by extension
	p.ExtensionPerson = add(DPUser{ID: 9007199254740993, FirstName: "Eitan", LastName: "Bar", Emails: []string{"eitan@dp-only.example"}, Extension: "4101"})
	p.ExtensionUser = addSF(SFUser{FirstName: "Eitan", LastName: "Bar", Email: "eitan.bar@" + Domain, Extension: "x4101"}).ID

	p.PhonePerson = add(DPUser{ID: 5100000000000503, FirstName: "Paz", LastName: "Rivas", Emails: []string{"paz@dp-only.example"}, Numbers: []string{"+16505550163"}})
	p.PhoneUser = addSF(SFUser{FirstName: "Paz", LastName: "Rivas", Email: "paz.rivas@" + Domain, Phone: "(650) 555-0163"}).ID

	// the department's line typed as a user's phone
	p.LineUser = addSF(SFUser{FirstName: "Lior", LastName: "Sales", Email: "lior.sales@" + Domain, Phone: "650.555.0161"}).ID

	// a suspended user whose id a Salesforce field still holds
	p.StalePerson = add(DPUser{ID: 5100000000000505, FirstName: "Sol", LastName: "Gone", Emails: []string{"sol.gone@" + Domain}, State: "suspended"})
	p.StaleUser = addSF(SFUser{FirstName: "Sol", LastName: "Later", Email: "sol.later@" + Domain,
		Identifiers: map[string]string{DialpadName: p.StalePerson}}).ID
}
