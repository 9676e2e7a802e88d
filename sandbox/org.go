package sandbox

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"reflect"
	"strings"
	"time"
)

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
	// SystemModstamp is when the record last changed (salesforce.md §5b): the
	// simulator stamps every write it accepts, and Hire and Edit; a record
	// loaded without one is stamped a month before the simulator started.
	SystemModstamp time.Time
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

// Equal reports whether u and v are the same record with the same values;
// when each last changed (SystemModstamp) is not a value.
func (u SFUser) Equal(v SFUser) bool {
	if !maps.Equal(u.Identifiers, v.Identifiers) {
		return false
	}
	u.Identifiers, v.Identifiers = nil, nil
	u.SystemModstamp, v.SystemModstamp = time.Time{}, time.Time{}
	return reflect.DeepEqual(u, v)
}

// clone is u with identifiers of its own, so that a copy handed out is not written through.
func (u SFUser) clone() SFUser {
	u.Identifiers = maps.Clone(u.Identifiers)
	return u
}

// Name is the user's full name, as Salesforce computes it.
func (u SFUser) Name() string { return strings.TrimSpace(u.FirstName + " " + u.LastName) }

// Org is one generated organisation: the Salesforce users, and each
// provider's part of it, made by the simulators it was generated with.
type Org struct {
	Salesforce []SFUser
	// NoCountryPicklists: the org has no State and Country/Territory
	// Picklists (no User.CountryCode), as many older orgs; half the seeds.
	NoCountryPicklists bool
	// Simulators are those it was generated with, in order: the stack starts each.
	Simulators []Simulator
	parts      map[string]any
}

// Part is the named provider's part of the org (its simulator package's
// type), or nil when the org was generated without it.
func (o *Org) Part(name string) any { return o.parts[name] }

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

// GenerateOrg builds a realistic organisation of about n Salesforce users
// (n >= 50) from seed, its people on the simulators' providers at their
// Share: mostly clean records across the US and the UK, with each
// provider's planted cases on top. The same seed and simulators give the
// same org.
func GenerateOrg(n int, seed uint64, sims ...Simulator) *Org {
	if n < 50 {
		n = 50
	}
	o := &Org{NoCountryPicklists: seed%2 == 1, Simulators: sims, parts: map[string]any{}}
	g := &Gen{Rand: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), org: o, nextNum: 1337000100}
	gens := make([]Generator, len(sims))
	for i, s := range sims {
		gens[i] = s.Generate(g, s.Share)
		o.parts[s.Name] = gens[i].Part()
	}
	bulk := n - 30 // room for the planted records
	for i := range bulk {
		p := g.person(i)
		for _, x := range gens {
			x.Before(p)
		}
		u := g.user(p)
		for _, x := range gens {
			x.After(p, &u)
		}
		o.Salesforce = append(o.Salesforce, u)
	}
	for _, x := range gens {
		x.Plant()
	}
	for _, x := range gens {
		x.PlantLate()
	}
	return o
}

// Gen is one organisation being generated, as the providers' generators
// draw their parts of it.
type Gen struct {
	// Rand is the org's one random source: its draws, in their order, make
	// the org what it is for its seed.
	Rand    *rand.Rand
	org     *Org
	nextNum int64
	nextSF  int
}

// Person is one of the company's bulk people, as every system may hold them.
type Person struct {
	Index       int // the i-th bulk person
	First, Last string
	Email       string // lower case, at Domain
	Country     string // US, or GB for the fifth of the company in London
	E164        string // their direct number
	Display     string // the same as people write it locally
	Extension   string
}

// NumberID is the next id of a phone number record: one sequence for every
// provider, so that an org of a seed keeps its ids.
func (g *Gen) NumberID() int64 {
	g.nextNum++
	return g.nextNum
}

func (g *Gen) sfID() string { g.nextSF++; return fmt.Sprintf("005Dn%010dAAA", g.nextSF) }

// USNumber returns the i-th US number: the fictional 555-01xx block first,
// then ordinary numbers, so that large orgs hold no accidental duplicates.
func USNumber(i int) (e164, local string) {
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

// UKNumber returns the i-th London number (020 7946 0xxx, then 020 3xxx xxxx).
func UKNumber(i int) (e164, local string) {
	if i < 100 {
		return fmt.Sprintf("+4420794600%02d", i), fmt.Sprintf("020 7946 00%02d", i)
	}
	return fmt.Sprintf("+44203%07d", i), fmt.Sprintf("020 3%03d %04d", i/10000%1000, i%10000)
}

// person draws the i-th bulk person.
func (g *Gen) person(i int) Person {
	first := firstNames[g.Rand.IntN(len(firstNames))]
	last := lastNames[g.Rand.IntN(len(lastNames))]
	local := strings.ToLower(asciiFold(first) + "." + asciiFold(last) + fmt.Sprint(i))
	p := Person{Index: i, First: first, Last: last, Email: local + "@" + Domain, Country: "US", Extension: fmt.Sprint(3000 + i)}
	if i%5 == 4 { // a fifth of the company works from London
		p.Country = "GB"
		p.E164, p.Display = UKNumber(i / 5)
	} else {
		p.E164, p.Display = USNumber(i + 100) // numbers below 100 are kept for planted cases
	}
	return p
}

// user draws p's Salesforce user: how its email, phone and extension are written.
func (g *Gen) user(p Person) SFUser {
	u := SFUser{ID: g.sfID(), Username: p.Email + ".prod", FirstName: p.First, LastName: p.Last,
		Email: p.Email, IsActive: true, UserType: "Standard", CountryCode: p.Country}
	switch g.Rand.IntN(4) {
	case 0: // email differs only by case: still linked by email
		u.Email = strings.ToUpper(p.Email[:1]) + p.Email[1:]
	case 1:
		u.Phone = p.Display
	case 2:
		u.Phone = "+" + strings.TrimPrefix(p.E164, "+")[:1] + " " + p.Display
		if p.Country == "GB" {
			u.Phone = p.Display
		}
	}
	if g.Rand.IntN(3) == 0 {
		u.Extension = "x" + p.Extension
	}
	return u
}

func asciiFold(s string) string {
	rep := strings.NewReplacer("é", "e", "ö", "o", "á", "a", "Ł", "L", "ł", "l", "'", "", "í", "i", "ó", "o")
	return rep.Replace(s)
}

// AddUser adds a Salesforce user, by default an active standard user in
// the US: a planted case's.
func (g *Gen) AddUser(u SFUser) SFUser {
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
