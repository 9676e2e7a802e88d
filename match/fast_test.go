package match

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// uniqueEmails clears every Aircall email another Aircall person already
// holds: the directory keeps each email once (docs/providers/aircall.md), and
// the fast lane relies on it.
func uniqueEmails(people []Person) {
	held := map[string]bool{}
	for i := range people {
		e := NormalizeEmail(people[i].Email)
		if e != "" && held[e] {
			people[i].Email = ""
		}
		held[e] = true
	}
}

// later is the world a while after a complete run over now: Aircall people
// leave, numbers move, emails change, people are hired (ids "new…"), and
// Salesforce gains users, some with a new hire's email.
func later(r *rand.Rand, now Input) Input {
	out := now
	out.People = map[Provider][]Person{}
	for p, ps := range now.People {
		out.People[p] = append([]Person(nil), ps...)
	}
	emails := []string{"a@x.com", "b@x.com", "c@x.com", "h1@x.com", "h2@x.com", "h3@x.com", "", "g@x.com"}
	numbers := []string{"+16505550101", "+16505550108", "+1 650 555 0109", "+442079460105", "650.555.0104"}
	var ac []Person
	for _, p := range out.People[Aircall] {
		switch r.IntN(6) {
		case 0: // left
			continue
		case 1: // a new email
			p.Email = emails[r.IntN(len(emails))]
		case 2: // a number moved to them, or away
			if len(p.Numbers) > 0 && r.IntN(2) == 0 {
				p.Numbers = p.Numbers[1:]
			} else {
				p.Numbers = append(append([]Number(nil), p.Numbers...), Number{Raw: numbers[r.IntN(len(numbers))], Direct: true})
			}
		}
		ac = append(ac, p)
	}
	for i := range 1 + r.IntN(4) { // hires
		p := Person{Provider: Aircall, ID: fmt.Sprintf("new%d", i), Eligible: true, Owner: OwnerPerson, Email: emails[r.IntN(len(emails))]}
		if r.IntN(2) == 0 {
			p.Numbers = []Number{{Raw: numbers[r.IntN(len(numbers))], Direct: true}}
		}
		ac = append(ac, p)
	}
	r.Shuffle(len(ac), func(i, j int) { ac[i], ac[j] = ac[j], ac[i] }) // who keeps a contested email is random
	uniqueEmails(ac)
	out.People[Aircall] = ac
	out.Users = append([]User(nil), now.Users...)
	for i := range r.IntN(3) {
		out.Users = append(out.Users, User{ID: fmt.Sprintf("005N%03d", i), Username: fmt.Sprintf("n%d", i),
			Email: emails[r.IntN(len(emails))], Phone: numbers[r.IntN(len(numbers))], CountryCode: "US"})
	}
	return out
}

// The fast lane never writes what a complete run over the world as it now is
// would not: for random organisations and random changes between a complete
// run and a fast one, every fill the fast lane plans on the remembered
// Aircall people plus the new ones is a change the complete run plans, on a
// link the oracle justifies from the world as it now is.
func TestTheFastLanePlansOnlyWhatACompleteRunWould(t *testing.T) {
	fills, aircall := 0, 0
	for seed := uint64(0); seed < propertyOrgs; seed++ {
		r := rand.New(rand.NewPCG(seed, 27))
		then := randomOrg(r)
		uniqueEmails(then.People[Aircall])
		now := later(r, then)

		fast := now
		fast.People = map[Provider][]Person{RingCentral: now.People[RingCentral], Dialpad: now.People[Dialpad]}
		fresh := Fresh{Aircall: {}}
		known := map[string]bool{}
		for _, p := range then.People[Aircall] {
			known[p.ID] = true
		}
		fast.People[Aircall] = append([]Person(nil), then.People[Aircall]...) // remembered, maybe stale
		for _, p := range now.People[Aircall] {
			if !known[p.ID] {
				fast.People[Aircall] = append(fast.People[Aircall], p)
				fresh[Aircall][p.ID] = true
			}
		}
		complete := map[string]bool{}
		for _, c := range Build(now).Changes {
			complete[fmt.Sprintf("%s|%s|%q|%q|%v", c.Provider, c.UserID, c.Old, c.New, c.Phone)] = true
		}
		for _, c := range BuildNew(fast, fresh).Changes {
			if c.Phone || c.New == "" || c.Old != "" {
				t.Fatalf("seed %d: the fast lane plans %+v, which is not a fill", seed, c)
			}
			if !complete[fmt.Sprintf("%s|%s|%q|%q|%v", c.Provider, c.UserID, c.Old, c.New, c.Phone)] {
				t.Fatalf("seed %d: the fast lane plans %+v, which a complete run over the world now does not", seed, c)
			}
			if why := justify(now, Link{Provider: c.Provider, UserID: c.UserID, PersonID: c.New, Rule: c.Rule}); why != "" {
				t.Fatalf("seed %d: fast fill %+v is not justified in the world now: %s", seed, c, why)
			}
			fills++
			if c.Provider == Aircall {
				aircall++
			}
		}
	}
	if fills < propertyOrgs/10 || aircall < propertyOrgs/50 {
		t.Errorf("only %d fills (%d Aircall) over %d organisations: the property is hardly exercised", fills, aircall, propertyOrgs)
	}
	t.Logf("%d fills checked, %d of them Aircall's", fills, aircall)
}
