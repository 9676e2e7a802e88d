package match

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// randomOrg makes a small organisation dense with collisions: emails, numbers
// and extensions come from small pools, so duplicates, shared numbers, stale
// and moved identifiers, and broken pins all occur often.
func randomOrg(r *rand.Rand) Input {
	nUsers, nRC, nAC, nDP := 1+r.IntN(40), r.IntN(30), r.IntN(15), r.IntN(15)
	emails := []string{"", "a@x.com", "A@x.com ", "b@x.com", "c@x.com", "d@x.com", "e@x.com", "f@x.com", "g@x.com"}
	numbers := []string{"", "+16505550101", "(650) 555-0102", "+1 650 555 0103", "650.555.0104", "+442079460105",
		"020 7946 0106", "+33 1 23 45 67 89", "not a number", "+16505550107 x12"}
	exts := []string{"", "101", "x102", "103", "104"}
	pick := func(s []string) string { return s[r.IntN(len(s))] }
	var people = map[Provider][]Person{}
	var ids []string
	mk := func(prov Provider, n int) {
		for i := 0; i < n; i++ {
			id := fmt.Sprintf("%s%d", prov[:1], i)
			p := Person{Provider: prov, ID: id, Eligible: true, Owner: OwnerPerson, Email: pick(emails)}
			switch prov {
			case RingCentral:
				p.Owner, p.Eligible, p.State = rcKind([]string{"User", "User", "User", "Department", "IvrMenu"}[r.IntN(5)],
					[]string{"Enabled", "Enabled", "Enabled", "Disabled", "NotActivated"}[r.IntN(5)])
				p.Extension = pick(exts)
			case Dialpad: // several emails, extensions, and lines of offices and departments
				p.Owner, p.Eligible, p.State = rcKind([]string{"User", "User", "User", "Department", "Office"}[r.IntN(5)], "Enabled")
				p.Extension = pick(exts)
				for k := r.IntN(3); k > 0; k-- {
					p.Emails = append(p.Emails, pick(emails))
				}
			}
			for k := r.IntN(3); k > 0; k-- {
				direct := r.IntN(6) != 0 // a sixth are company numbers
				p.Numbers = append(p.Numbers, Number{Raw: pick(numbers), Direct: direct})
			}
			people[prov] = append(people[prov], p)
			ids = append(ids, id)
		}
	}
	mk(RingCentral, nRC)
	mk(Aircall, nAC)
	mk(Dialpad, nDP)
	fieldValue := func() string {
		switch r.IntN(4) {
		case 0:
			return ""
		case 1:
			return "stale" + fmt.Sprint(r.IntN(3))
		}
		if len(ids) == 0 {
			return ""
		}
		v := ids[r.IntN(len(ids))]
		if r.IntN(10) == 0 {
			v = " " + v + " "
		}
		return v
	}
	in := Input{People: people, Options: Options{DefaultRegion: "US", ClearStale: r.IntN(2) == 0, FillPhone: r.IntN(2) == 0,
		Providers: []Provider{RingCentral, Aircall, Dialpad}, Rules: testRules}}
	for i := 0; i < nUsers; i++ {
		u := User{ID: fmt.Sprintf("005U%03d", i), Username: fmt.Sprintf("u%d", i), Email: pick(emails), Phone: pick(numbers),
			MobilePhone: pick(numbers), Extension: pick(exts), CountryCode: []string{"", "US", "GB", "FR"}[r.IntN(4)]}
		u.Fields.Set(RingCentral, fieldValue())
		u.Fields.Set(Aircall, fieldValue())
		u.Fields.Set(Dialpad, fieldValue())
		in.Users = append(in.Users, u)
		if r.IntN(8) == 0 {
			prov := in.Options.Providers[r.IntN(2)]
			pin := Pin{UserID: u.ID, Provider: prov, None: r.IntN(3) == 0}
			if !pin.None {
				pin.PersonID = fieldValue()
			}
			in.Pins = append(in.Pins, pin)
		}
	}
	return in
}

func shuffled(r *rand.Rand, in Input) Input {
	out := in
	out.Users = append([]User(nil), in.Users...)
	r.Shuffle(len(out.Users), func(i, j int) { out.Users[i], out.Users[j] = out.Users[j], out.Users[i] })
	out.People = map[Provider][]Person{}
	for prov, ps := range in.People {
		cp := append([]Person(nil), ps...)
		r.Shuffle(len(cp), func(i, j int) { cp[i], cp[j] = cp[j], cp[i] })
		out.People[prov] = cp
	}
	out.Pins = append([]Pin(nil), in.Pins...)
	r.Shuffle(len(out.Pins), func(i, j int) { out.Pins[i], out.Pins[j] = out.Pins[j], out.Pins[i] })
	return out
}

// applied returns the users as they are after the plan's changes are written.
func applied(in Input, plan Plan) Input {
	out := in
	out.Users = make([]User, len(in.Users))
	idx := map[string]int{}
	for i, u := range in.Users {
		out.Users[i] = u
		idx[u.ID] = i
	}
	for _, c := range plan.Changes {
		if c.Phone {
			out.Users[idx[c.UserID]].Phone = c.New
			continue
		}
		out.Users[idx[c.UserID]].Fields.Set(c.Provider, c.New)
	}
	return out
}

func TestPropertiesOverRandomOrgs(t *testing.T) {
	for seed := uint64(0); seed < propertyOrgs; seed++ {
		r := rand.New(rand.NewPCG(seed, 99))
		in := randomOrg(r)
		plan := Build(in)
		fail := func(format string, a ...any) {
			t.Helper()
			t.Fatalf("seed %d: %s", seed, fmt.Sprintf(format, a...))
		}

		// One-to-one: a user and a person appear in at most one link per provider.
		seenU, seenP := map[string]bool{}, map[string]bool{}
		for _, l := range plan.Links {
			ku, kp := string(l.Provider)+l.UserID, string(l.Provider)+l.PersonID
			if seenU[ku] || seenP[kp] {
				fail("link %+v is not one-to-one", l)
			}
			seenU[ku], seenP[kp] = true, true
			if why := justify(in, l); why != "" {
				fail("link %+v is not justified: %s", l, why)
			}
		}

		// No identifier the plan links is held by anyone but its user afterwards.
		after := applied(in, plan)
		for _, l := range plan.Links {
			for _, u := range after.Users {
				if v := strings.TrimSpace(u.Fields.Get(l.Provider)); v == l.PersonID && u.ID != l.UserID {
					fail("identifier %s linked to %s is still held by %s", l.PersonID, l.UserID, u.ID)
				}
			}
		}
		for _, c := range plan.Changes {
			if c.New != "" {
				if !seenU[string(c.Provider)+c.UserID] {
					fail("change %+v writes an identifier without a link", c)
				}
			}
		}

		// Order does not matter.
		again := Build(shuffled(r, in))
		if !reflect.DeepEqual(plan, again) {
			fail("shuffling the input changed the plan:\n%+v\n%+v", plan.Changes, again.Changes)
		}

		// Applying the plan and planning again changes nothing.
		if re := Build(after); len(re.Changes) != 0 {
			fail("re-planning after apply yields %d changes: %+v", len(re.Changes), re.Changes)
		}
	}
}

// justify re-checks, straight from docs/spec.md's wording, that a link's rule
// holds with evidence unique on both sides. It returns why not, or "".
func justify(in Input, l Link) string {
	var u *User
	for i := range in.Users {
		if in.Users[i].ID == l.UserID {
			u = &in.Users[i]
		}
	}
	var p *Person
	for i := range in.People[l.Provider] {
		if in.People[l.Provider][i].ID == l.PersonID {
			p = &in.People[l.Provider][i]
			break
		}
	}
	if u == nil || p == nil {
		return "user or person not in the input"
	}
	if !p.Eligible {
		return "person is not eligible"
	}
	o := oracle{in: in, prov: l.Provider}
	switch l.Rule {
	case RulePin:
		for _, pin := range in.Pins {
			if pin.UserID == u.ID && pin.Provider == l.Provider && pin.PersonID == p.ID && !pin.None {
				return ""
			}
		}
		return "no pin"
	case RuleEmail:
		return o.email(u, p)
	case RuleExtension:
		return o.extension(u, p)
	case RulePhone:
		return o.phone(u, p)
	case RuleExisting:
		if strings.TrimSpace(u.Fields.Get(l.Provider)) != p.ID {
			return "field does not hold the person's id"
		}
		return ""
	}
	return "unknown rule " + string(l.Rule)
}

// oracle counts evidence over one provider's input, independently of match.
type oracle struct {
	in   Input
	prov Provider
}

func (o oracle) usersWith(key func(User) []string, v string) int {
	n := 0
	for _, x := range o.in.Users {
		if slices.Contains(key(x), v) {
			n++
		}
	}
	return n
}

func (o oracle) peopleWith(key func(Person) []string, v string, eligibleOnly bool) int {
	n := 0
	for _, x := range o.in.People[o.prov] {
		if (!eligibleOnly || x.Eligible) && slices.Contains(key(x), v) {
			n++
		}
	}
	return n
}

func (o oracle) email(u *User, p *Person) string {
	ue := NormalizeEmail(u.Email)
	userEmail := func(x User) []string { return []string{NormalizeEmail(x.Email)} }
	personEmail := func(x Person) []string { // every email of a person counts alike
		var out []string
		for _, e := range append([]string{x.Email}, x.Emails...) {
			out = append(out, NormalizeEmail(e))
		}
		return out
	}
	if ue == "" || !slices.Contains(personEmail(*p), ue) || o.usersWith(userEmail, ue) != 1 || o.peopleWith(personEmail, ue, true) != 1 {
		return "email evidence is not unique on both sides"
	}
	return ""
}

func (o oracle) extension(u *User, p *Person) string {
	ux, px := NormalizeExtension(u.Extension), NormalizeExtension(p.Extension)
	userExt := func(x User) []string { return []string{NormalizeExtension(x.Extension)} }
	personExt := func(x Person) []string { return []string{NormalizeExtension(x.Extension)} }
	if !o.in.Options.Rules[o.prov].Extensions || ux == "" || ux != px || o.usersWith(userExt, ux) != 1 || o.peopleWith(personExt, px, true) != 1 {
		return "extension evidence is not unique on both sides"
	}
	return ""
}

func (o oracle) userNums(x User) []string {
	var out []string
	for _, raw := range []string{x.Phone, x.MobilePhone} {
		if e := normPhone(raw, Region(x.CountryCode, x.Country, o.in.Options.DefaultRegion)); e != "" {
			out = append(out, e)
		}
	}
	return out
}

func personNums(x Person) []string {
	var out []string
	for _, n := range x.Numbers {
		if e := normPhone(n.Raw, ""); e != "" && n.Direct {
			out = append(out, e)
		}
	}
	return out
}

// unique: a number held by exactly one user and one entry of the provider.
func (o oracle) unique(n string) bool {
	return o.usersWith(o.userNums, n) == 1 && o.peopleWith(personNums, n, false) == 1
}

func (o oracle) phone(u *User, p *Person) string {
	shared := false
	for _, n := range o.userNums(*u) {
		if slices.Contains(personNums(*p), n) && o.unique(n) {
			shared = true
		}
	}
	if !shared {
		return "no number held by exactly this user and this entry"
	}
	// none of the user's other unique numbers may point at someone else
	for _, n := range o.userNums(*u) {
		if !o.unique(n) {
			continue
		}
		for _, x := range o.in.People[o.prov] {
			if x.ID != p.ID && slices.Contains(personNums(x), n) {
				return "the user's numbers point at several people"
			}
		}
	}
	// ... nor the person's other unique numbers at another user
	for _, n := range personNums(*p) {
		if !o.unique(n) {
			continue
		}
		for _, x := range o.in.Users {
			if x.ID != u.ID && slices.Contains(o.userNums(x), n) {
				return "the person's numbers point at several users"
			}
		}
	}
	return ""
}

// phoneMemo caches the checker's normalisation, which asks the same numbers
// often. It is libphonenumber's alone (referencePhone), not NormalizePhone's
// fast paths: the oracle does not share the code it checks.
var phoneMemo = map[[2]string]string{}

func normPhone(raw, region string) string {
	k := [2]string{raw, region}
	if e, ok := phoneMemo[k]; ok {
		return e
	}
	e, _ := referencePhone(raw, region)
	phoneMemo[k] = e
	return e
}
