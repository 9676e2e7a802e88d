package aircallsim

import (
	"fmt"
	"time"

	"voiceid/sandbox"
)

// User is one user of the simulated Aircall company.
type User struct {
	ID        int64
	Name      string
	Email     string
	CreatedAt time.Time
	TimeZone  string
	Language  string
}

// Number is one Aircall number and the users it is assigned to.
type Number struct {
	ID      int64
	Name    string
	Digits  string // international format with spaces, as Aircall shows it
	Country string
	UserIDs []int64
	// CreatedAt is when the number was bought (zero: 2020-01-01).
	CreatedAt time.Time
}

// domain is the generated company's email domain.
const domain = sandbox.Domain

// Org is Aircall's part of a generated organisation.
type Org struct {
	Users   []User
	Numbers []Number
	Planted Planted
}

// Planted names the records of the hand-made Aircall cases.
type Planted struct {
	SharedNumber           string // E.164 of the team line shared by several Aircall users
	EmailUser, EmailPerson string // linked by email
}

// InOrg is Aircall's part of org; nil when org was made without it.
func InOrg(org *sandbox.Org) *Org {
	p, _ := org.Part(Name).(*Org)
	return p
}

// generator makes Aircall's part of an organisation: a share of the bulk
// people, most with a line of their own, and the planted cases.
type generator struct {
	*sandbox.Gen
	sandbox.Hooks
	share  sandbox.Share
	part   *Org
	nextAC int64
}

func newGenerator(g *sandbox.Gen, share sandbox.Share) sandbox.Generator {
	return &generator{Gen: g, share: share, part: &Org{}, nextAC: 51000}
}

func (g *generator) Part() any   { return g.part }
func (g *generator) acID() int64 { g.nextAC += 1 + int64(g.Rand.IntN(40)); return g.nextAC }

// After puts the support team on Aircall too: a share of the bulk people.
func (g *generator) After(p sandbox.Person, u *sandbox.SFUser) {
	if g.Rand.Float64() < g.share.Users {
		g.aircallUser(p, u)
	}
}

// aircallUser adds bulk person p to Aircall, most with a line bought for
// them; half of them are already in u's field.
func (g *generator) aircallUser(p sandbox.Person, u *sandbox.SFUser) {
	uk := p.Country == "GB"
	ac := User{ID: g.acID(), Name: p.First + " " + p.Last, Email: p.Email, CreatedAt: g.created(), TimeZone: "America/New_York", Language: "en-US"}
	if uk {
		ac.TimeZone, ac.Language = "Europe/London", "en-GB"
	}
	g.part.Users = append(g.part.Users, ac)
	if g.Rand.Float64() < g.share.Lines {
		// the shared number sequence, shifted: Aircall lines were numbered so before
		g.part.Numbers = append(g.part.Numbers, Number{ID: g.NumberID() + 499_999, Name: p.First + "'s line",
			Digits: aircallDigits(p.Index, uk), Country: p.Country, UserIDs: []int64{ac.ID},
			CreatedAt: ac.CreatedAt}) // bought for the user: a numbers list past the cap splits by created_at too
	}
	if g.Rand.IntN(2) == 0 {
		u.SetIdentifier(Name, fmt.Sprint(ac.ID))
	}
}

// aircallDigits is bulk user i's Aircall line: Aircall lines come from
// another range than RingCentral DIDs.
func aircallDigits(i int, uk bool) string {
	digits := fmt.Sprintf("+1 %s-555-%04d", []string{"718", "929", "347"}[i%3], 100+(i/3)%100)
	if i >= 300 {
		digits, _ = sandbox.USNumber(10_000_000 + i)
	}
	if uk {
		digits = fmt.Sprintf("+44 20 7946 1%03d", i%1000)
		if i >= 1000 {
			digits, _ = sandbox.UKNumber(5_000_000 + i)
		}
	}
	return digits
}

// created spreads Aircall users over six years, so that a list longer than
// one query's cap is split by created_at as on a real account.
func (g *generator) created() time.Time {
	return time.Date(2019, 1, 1, 9, 0, 0, 0, time.UTC).Add(time.Duration(g.Rand.IntN(6*365*24)) * time.Hour)
}

// Plant adds a team line assigned to several users, and a clean email link.
func (g *generator) Plant() {
	o, p := g.part, &g.part.Planted
	acP := User{ID: g.acID(), Name: "Ana Beatriz", Email: "ana.beatriz@" + domain, CreatedAt: g.created(), TimeZone: "Europe/Paris", Language: "fr-FR"}
	o.Users = append(o.Users, acP)
	acU := g.AddUser(sandbox.SFUser{FirstName: "Ana", LastName: "Beatriz", Email: "ANA.BEATRIZ@" + domain, CountryCode: "FR"})
	p.EmailUser, p.EmailPerson = acU.ID, fmt.Sprint(acP.ID)
	team := Number{ID: 2000001, Name: "Support team line", Digits: "+33 1 23 45 67 89", Country: "FR", UserIDs: []int64{acP.ID}}
	for _, n := range o.Users[:min(3, len(o.Users))] {
		if n.ID != acP.ID {
			team.UserIDs = append(team.UserIDs, n.ID)
		}
	}
	o.Numbers = append(o.Numbers, team)
	p.SharedNumber = "+33123456789"
}
