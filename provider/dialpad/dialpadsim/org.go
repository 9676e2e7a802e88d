package dialpadsim

import (
	"fmt"

	"voiceid/sandbox"
)

// User is one user of the simulated Dialpad company.
type User struct {
	ID        int64 // 16 digits, as Dialpad's; some above 2^53
	FirstName string
	LastName  string
	Emails    []string
	Numbers   []string // E.164
	Extension string
	State     string // active, cancelled, deleted, pending, suspended
	OfficeID  int64
}

// Owner is an entity other than a user that owns numbers: an office (its
// main lines), a department, a call center, a room or a call router.
type Owner struct {
	ID       int64
	Kind     string // office, department, callcenter, room, callrouter (target_type)
	Name     string
	Numbers  []string
	OfficeID int64
}

// domain is the generated company's email domain.
const domain = sandbox.Domain

// Org is Dialpad's part of a generated organisation: empty at a share of 0.
type Org struct {
	Users   []User
	Owners  []Owner // offices, departments, rooms owning numbers
	Planted Planted
}

// InOrg is Dialpad's part of org; nil when org was made without it.
func InOrg(org *sandbox.Org) *Org {
	p, _ := org.Part(Name).(*Org)
	return p
}

// generator makes Dialpad's part of an organisation: a share of the bulk
// people, each with a line, and the planted cases.
type generator struct {
	*sandbox.Gen
	sandbox.Hooks
	share sandbox.Share
	part  *Org
}

func newGenerator(g *sandbox.Gen, share sandbox.Share) sandbox.Generator {
	return &generator{Gen: g, share: share, part: &Org{}}
}

func (g *generator) Part() any { return g.part }

// Planted names the hand-made Dialpad cases of an org (dialpad.md §3, §4).
type Planted struct {
	EmailUser, EmailPerson         string // linked by the person's second email
	ExtensionUser, ExtensionPerson string // linked by extension; the id is above 2^53
	PhoneUser, PhonePerson         string // linked by phone
	LineUser, Department           string // Phone is the department's line: shared_number, not linked
	Line                           string // that line, E.164
	StaleUser, StalePerson         string // field holds a suspended user's id: stale, left as is
}

// After puts a share of the bulk people on Dialpad too; nothing is drawn at
// a share of 0, so that orgs made before Dialpad support stay the same.
func (g *generator) After(p sandbox.Person, u *sandbox.SFUser) {
	if g.share.Users > 0 && g.Rand.Float64() < g.share.Users {
		g.dialpadUser(p, u)
	}
}

// dialpadUser puts bulk person p on Dialpad, with a line of its own.
func (g *generator) dialpadUser(p sandbox.Person, u *sandbox.SFUser) {
	line, _ := sandbox.USNumber(20_000_000 + p.Index)
	d := User{ID: 5100000000100000 + int64(p.Index)*7, FirstName: p.First, LastName: p.Last, Emails: []string{p.Email},
		Numbers: []string{line}, State: "active", OfficeID: dpOffice}
	g.part.Users = append(g.part.Users, d)
	if g.Rand.IntN(2) == 0 { // the steady state: half already hold the right identifier
		u.SetIdentifier(Name, fmt.Sprint(d.ID))
	}
}

// dpOffice is the generated company's one Dialpad office.
const dpOffice = 5100000000000011

// Plant adds the Dialpad cases the SPEC and the issue name; none at a share
// of 0.
func (g *generator) Plant() {
	if g.share.Users > 0 {
		g.plantDialpad()
	}
}

func (g *generator) plantDialpad() {
	o, p, addSF := g.part, &g.part.Planted, g.AddUser
	add := func(u User) string {
		if u.State == "" {
			u.State = "active"
		}
		u.OfficeID = dpOffice
		o.Users = append(o.Users, u)
		return fmt.Sprint(u.ID)
	}
	p.Line = "+16505550161"
	o.Owners = append(o.Owners,
		Owner{ID: dpOffice, Kind: "office", Name: "Example HQ", Numbers: []string{"+16505550160"}},
		Owner{ID: 5100000000000201, Kind: "department", Name: "Sales Line", Numbers: []string{p.Line}, OfficeID: dpOffice},
		Owner{ID: 5100000000000301, Kind: "room", Name: "Boardroom", Numbers: []string{"+16505550162"}, OfficeID: dpOffice})
	p.Department = "5100000000000201"

	// several emails: Salesforce has the second one
	p.EmailPerson = add(User{ID: 5100000000000501, FirstName: "Noor", LastName: "Haddad",
		Emails: []string{"noor@dialpad-signup.example", "noor.haddad@" + domain}, Numbers: []string{"+16505550164"}})
	p.EmailUser = addSF(sandbox.SFUser{FirstName: "Noor", LastName: "Haddad", Email: "Noor.Haddad@" + domain}).ID

	// an id a float64 cannot hold (2^53 + 1), linked by extension
	p.ExtensionPerson = add(User{ID: 9007199254740993, FirstName: "Eitan", LastName: "Bar", Emails: []string{"eitan@dp-only.example"}, Extension: "4101"})
	p.ExtensionUser = addSF(sandbox.SFUser{FirstName: "Eitan", LastName: "Bar", Email: "eitan.bar@" + domain, Extension: "x4101"}).ID

	p.PhonePerson = add(User{ID: 5100000000000503, FirstName: "Paz", LastName: "Rivas", Emails: []string{"paz@dp-only.example"}, Numbers: []string{"+16505550163"}})
	p.PhoneUser = addSF(sandbox.SFUser{FirstName: "Paz", LastName: "Rivas", Email: "paz.rivas@" + domain, Phone: "(650) 555-0163"}).ID

	// the department's line typed as a user's phone
	p.LineUser = addSF(sandbox.SFUser{FirstName: "Lior", LastName: "Sales", Email: "lior.sales@" + domain, Phone: "650.555.0161"}).ID

	// a suspended user whose id a Salesforce field still holds
	p.StalePerson = add(User{ID: 5100000000000505, FirstName: "Sol", LastName: "Gone", Emails: []string{"sol.gone@" + domain}, State: "suspended"})
	p.StaleUser = addSF(sandbox.SFUser{FirstName: "Sol", LastName: "Later", Email: "sol.later@" + domain,
		Identifiers: map[string]string{Name: p.StalePerson}}).ID
}
