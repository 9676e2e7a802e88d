// Package match decides which Salesforce user each telephony person belongs
// to. It is pure: plain data in (users, people, pins, options), a plan out,
// with no network, files or clocks, so that the rules can be read and tested.
package match

import (
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"voiceid/directory"
)

// User is an active Salesforce user as the writer reads it.
type User struct {
	ID          string
	Username    string
	Name        string
	Email       string
	Phone       string
	MobilePhone string
	Extension   string
	CountryCode string
	Country     string
	// Fields holds the current value of each provider's identifier field.
	Fields Fields
}

// Fields are a user's identifier field values, one per provider. (A struct,
// not a map: at 100,000 users a map each costs about 30 MB.)
type Fields struct {
	RingCentral string
	Aircall     string
}

// Get is the value of a provider's field.
func (f Fields) Get(p directory.Provider) string {
	if p == directory.Aircall {
		return f.Aircall
	}
	return f.RingCentral
}

// Set changes the value of a provider's field.
func (f *Fields) Set(p directory.Provider, v string) {
	if p == directory.Aircall {
		f.Aircall = v
	} else {
		f.RingCentral = v
	}
}

// Pin is an administrator's decision for one user and provider; it outranks every rule.
type Pin struct {
	UserID   string
	Provider directory.Provider
	PersonID string // empty when None
	None     bool   // the user must hold no identifier for this provider
}

// Options are the [match] settings and the providers that take part.
type Options struct {
	DefaultRegion string
	ClearStale    bool
	// FillPhone writes a RingCentral person's one direct number into the empty
	// Phone of the user linked to it, when nobody else holds that number.
	FillPhone bool
	Providers []directory.Provider // enabled providers, in report order
}

// Input is everything one plan is made from.
type Input struct {
	Users   []User
	People  map[directory.Provider][]directory.Person
	Pins    []Pin
	Options Options
}

// Rule names why a user holds (or loses) an identifier.
type Rule string

const (
	RulePin       Rule = "pin"
	RuleEmail     Rule = "email"
	RuleExtension Rule = "extension"
	RulePhone     Rule = "phone"
	RuleExisting  Rule = "existing" // the field already names an unclaimed eligible person
	RuleMoved     Rule = "moved"    // the identifier now belongs to another user
	RuleStale     Rule = "stale"    // cleared because clear_stale is set
)

// Kind names a conflict (SPEC: "Conflicts").
type Kind string

const (
	DuplicateEmail   Kind = "duplicate_email"
	SharedNumber     Kind = "shared_number"
	AmbiguousMatch   Kind = "ambiguous_match"
	RuleDisagreement Kind = "rule_disagreement"
	StaleIdentifier  Kind = "stale_identifier"
	PinBroken        Kind = "pin_broken"
	InvalidPhone     Kind = "invalid_phone"
	WriteFailed      Kind = "write_failed"
)

// Kinds lists every conflict kind in report order.
var Kinds = []Kind{DuplicateEmail, SharedNumber, AmbiguousMatch, RuleDisagreement,
	StaleIdentifier, PinBroken, InvalidPhone, WriteFailed}

// Link joins one user to one person for one provider.
type Link struct {
	Provider directory.Provider
	UserID   string
	PersonID string
	Rule     Rule
}

// Change is one identifier field whose value the plan changes.
type Change struct {
	Provider directory.Provider
	UserID   string
	Username string
	Name     string
	Old      string
	New      string // "" clears the field
	Rule     Rule
	// Phone marks a write-back of the user's Phone (opt-in), not of the identifier field.
	Phone bool
}

// Conflict is something the plan could not decide; its identity is
// (Kind, Provider, Value, PersonIDs, UserIDs).
type Conflict struct {
	Kind      Kind
	Provider  directory.Provider
	Value     string
	PersonIDs []string
	UserIDs   []string
	Detail    string
}

// Key is the conflict's identity, stable across runs.
func (c Conflict) Key() string {
	return strings.Join([]string{string(c.Kind), string(c.Provider), c.Value,
		strings.Join(c.PersonIDs, ","), strings.Join(c.UserIDs, ",")}, "|")
}

// Plan is what one run should write, and what it could not decide.
type Plan struct {
	Links     []Link
	Changes   []Change
	Conflicts []Conflict
	Unmatched []directory.Person // eligible people no user is linked to
}

// Linked counts the users linked for a provider, links that need no write included.
func (p Plan) Linked(prov directory.Provider) int {
	n := 0
	for _, l := range p.Links {
		if l.Provider == prov {
			n++
		}
	}
	return n
}

// Build makes the plan. The same input in any order gives the same plan.
func Build(in Input) Plan {
	users := normalizeUsers(in.Users, in.Options.DefaultRegion)
	var plan Plan
	userOnly := map[string]bool{} // kind|value|users already reported
	for _, prov := range in.Options.Providers {
		pp := newPass(prov, users, in.People[prov], in.Options)
		pp.run(pinsFor(in.Pins, prov))
		plan.Links = append(plan.Links, pp.links...)
		plan.Changes = append(plan.Changes, pp.changes...)
		for _, c := range pp.conflicts {
			k := string(c.Kind) + "|" + c.Value + "|" + strings.Join(c.UserIDs, ",")
			if len(c.PersonIDs) == 0 && userOnly[k] {
				continue // an earlier provider already reports these users' problem
			}
			userOnly[k] = true
			plan.Conflicts = append(plan.Conflicts, c)
		}
		plan.Unmatched = append(plan.Unmatched, pp.unmatched...)
	}
	sortConflicts(plan.Conflicts, in.Options.Providers)
	return plan
}

type nuser struct {
	*User
	email   string
	ext     string
	numbers []string // distinct valid E.164 numbers from Phone and MobilePhone
	invalid []string // non-empty values that are not valid numbers
}

type nperson struct {
	*directory.Person
	email    string
	ext      string
	numbers  []string // distinct valid E.164 direct numbers
	invalid  []string
	eligible bool
}

func normalizeUsers(in []User, defaultRegion string) []*nuser {
	out := make([]*nuser, len(in))
	parallel(len(in), func(lo, hi int) {
		phones := phoneCache{}
		for i := lo; i < hi; i++ {
			u := &in[i]
			n := &nuser{User: u, email: NormalizeEmail(u.Email), ext: NormalizeExtension(u.Extension)}
			region := Region(u.CountryCode, u.Country, defaultRegion)
			for _, raw := range []string{u.Phone, u.MobilePhone} {
				e, ok := phones.normalize(raw, region)
				switch {
				case !ok:
					n.invalid = appendUnique(n.invalid, strings.TrimSpace(raw))
				case e != "":
					n.numbers = appendUnique(n.numbers, e)
				}
			}
			out[i] = n
		}
	})
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// phoneCache parses each distinct (number, region) once: libphonenumber's
// parsing dominates planning, and orgs repeat numbers (desks, switchboards).
type phoneCache map[[2]string]phoneResult

type phoneResult struct {
	e164 string
	ok   bool
}

func (c phoneCache) normalize(raw, region string) (string, bool) {
	k := [2]string{raw, region}
	if r, hit := c[k]; hit {
		return r.e164, r.ok
	}
	e, ok := NormalizePhone(raw, region)
	c[k] = phoneResult{e, ok}
	return e, ok
}

// parallel runs fn over [0,n) in chunks on every core; small inputs stay on one.
func parallel(n int, fn func(lo, hi int)) {
	workers := runtime.GOMAXPROCS(0)
	if n < 4096 || workers < 2 {
		fn(0, n)
		return
	}
	var wg sync.WaitGroup
	chunk := (n + workers - 1) / workers
	for lo := 0; lo < n; lo += chunk {
		hi := min(n, lo+chunk)
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(lo, hi)
		}()
	}
	wg.Wait()
}

func normalizePeople(in []directory.Person) []*nperson {
	out := make([]*nperson, len(in))
	parallel(len(in), func(lo, hi int) {
		phones := phoneCache{}
		for i := lo; i < hi; i++ {
			p := &in[i]
			n := &nperson{Person: p, email: NormalizeEmail(p.Email), ext: NormalizeExtension(p.Extension), eligible: p.Eligible()}
			for _, num := range p.Numbers {
				if num.UsageType != directory.UsageDirect {
					continue
				}
				e, ok := phones.normalize(num.Raw, "")
				switch {
				case !ok:
					n.invalid = appendUnique(n.invalid, strings.TrimSpace(num.Raw))
				case e != "":
					n.numbers = appendUnique(n.numbers, e)
				}
			}
			out[i] = n
		}
	})
	// a provider id names one person; should a reader ever return one twice,
	// keep the same copy whatever the input order
	sort.Slice(out, func(i, j int) bool {
		if out[i].ID != out[j].ID {
			return out[i].ID < out[j].ID
		}
		return fmt.Sprint(*out[i].Person) < fmt.Sprint(*out[j].Person)
	})
	return slices.CompactFunc(out, func(a, b *nperson) bool { return a.ID == b.ID })
}

func appendUnique(s []string, v string) []string {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}

func pinsFor(pins []Pin, prov directory.Provider) []Pin {
	var out []Pin
	for _, p := range pins {
		if p.Provider == prov {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].UserID < out[j].UserID })
	return out
}

// pass links one provider's people to the users.
type pass struct {
	prov   directory.Provider
	opts   Options
	users  []*nuser
	people []*nperson
	byID   map[string]*nperson
	userBy map[string]*nuser

	userLink   map[string]Link   // user id -> link
	personLink map[string]string // person id -> user id
	locked     map[string]bool   // users decided by a pin (or a broken one): no rule may link them
	lockedP    map[string]bool   // people contested by pins
	noneUsers  map[string]bool   // users pinned to "none"

	// indexes of the evidence, built once per pass
	emailU, extU, numU map[string][]*nuser
	emailP, extP       map[string][]*nperson // eligible people only
	numP               map[string][]*nperson // every entry: all of them count for sharing

	links     []Link
	changes   []Change
	conflicts []Conflict
	seen      map[string]bool
	unmatched []directory.Person
}

func newPass(prov directory.Provider, users []*nuser, people []directory.Person, opts Options) *pass {
	p := &pass{prov: prov, opts: opts, users: users, people: normalizePeople(people),
		byID: map[string]*nperson{}, userBy: map[string]*nuser{},
		userLink: map[string]Link{}, personLink: map[string]string{},
		locked: map[string]bool{}, lockedP: map[string]bool{}, noneUsers: map[string]bool{},
		seen: map[string]bool{}}
	for _, np := range p.people {
		p.byID[np.ID] = np
	}
	for _, u := range users {
		p.userBy[u.ID] = u
	}
	p.index()
	return p
}

// index files users and people under each piece of evidence they hold.
func (p *pass) index() {
	nu, np := len(p.users), len(p.people)
	p.emailU, p.extU, p.numU = make(map[string][]*nuser, nu), make(map[string][]*nuser), make(map[string][]*nuser, nu)
	p.emailP, p.extP, p.numP = make(map[string][]*nperson, np), make(map[string][]*nperson, np), make(map[string][]*nperson, np)
	for _, u := range p.users {
		if u.email != "" {
			p.emailU[u.email] = append(p.emailU[u.email], u)
		}
		if u.ext != "" {
			p.extU[u.ext] = append(p.extU[u.ext], u)
		}
		for _, n := range u.numbers {
			p.numU[n] = append(p.numU[n], u)
		}
	}
	for _, x := range p.people {
		if x.eligible && x.email != "" {
			p.emailP[x.email] = append(p.emailP[x.email], x)
		}
		if x.eligible && x.ext != "" {
			p.extP[x.ext] = append(p.extP[x.ext], x)
		}
		for _, n := range x.numbers {
			p.numP[n] = append(p.numP[n], x)
		}
	}
}

// candidate is one rule's evidence that user and person belong together.
type candidate struct {
	user   *nuser
	person *nperson
	value  string // the evidence: email, extension or number(s)
}

func (p *pass) run(pins []Pin) {
	p.evidenceConflicts()
	p.applyPins(pins)
	p.linkRule(RuleEmail, p.uniquePairs(RuleEmail, p.emailU, p.emailP))
	if p.prov == directory.RingCentral {
		p.linkRule(RuleExtension, p.uniquePairs(RuleExtension, p.extU, p.extP))
	}
	p.linkRule(RulePhone, p.phoneCandidates())
	p.keepExisting()
	p.decide()
}

func (p *pass) conflict(c Conflict) {
	sort.Strings(c.PersonIDs)
	sort.Strings(c.UserIDs)
	c.PersonIDs = slices.Compact(c.PersonIDs)
	c.UserIDs = slices.Compact(c.UserIDs)
	if c.PersonIDs == nil {
		c.PersonIDs = []string{}
	}
	if c.UserIDs == nil {
		c.UserIDs = []string{}
	}
	c.Provider = p.prov
	if k := c.Key(); !p.seen[k] {
		p.seen[k] = true
		p.conflicts = append(p.conflicts, c)
	}
}

func (p *pass) link(u *nuser, np *nperson, rule Rule) {
	l := Link{Provider: p.prov, UserID: u.ID, PersonID: np.ID, Rule: rule}
	p.userLink[u.ID] = l
	p.personLink[np.ID] = u.ID
	p.links = append(p.links, l)
}

// evidenceConflicts records duplicate emails, shared numbers and invalid phones.
func (p *pass) evidenceConflicts() {
	for _, u := range p.users {
		for _, raw := range u.invalid {
			p.conflict(Conflict{Kind: InvalidPhone, Value: raw, UserIDs: []string{u.ID},
				Detail: fmt.Sprintf("Salesforce user %s has phone %q, which is not a valid number in region %s; it is ignored",
					label(u.Username, u.ID), raw, Region(u.CountryCode, u.Country, p.opts.DefaultRegion))})
		}
	}
	for _, np := range p.people {
		for _, raw := range np.invalid {
			p.conflict(Conflict{Kind: InvalidPhone, Value: raw, PersonIDs: []string{np.ID},
				Detail: fmt.Sprintf("%s person %s has number %q, which is not a valid international number; it is ignored",
					p.prov, label(np.Name, np.ID), raw)})
		}
	}
	for _, e := range sortedUnion(p.emailU, p.emailP) {
		if us, ps := p.emailU[e], p.emailP[e]; len(us) > 1 || len(ps) > 1 {
			p.conflict(Conflict{Kind: DuplicateEmail, Value: e, PersonIDs: personIDs(ps), UserIDs: userIDs(us),
				Detail: fmt.Sprintf("email held by %d eligible %s people and %d active Salesforce users; nobody is linked by it", len(ps), p.prov, len(us))})
		}
	}
	for _, n := range sortedUnion(p.numU, p.numP) {
		if us, ps := p.numU[n], p.numP[n]; len(us) > 1 || len(ps) > 1 {
			p.conflict(Conflict{Kind: SharedNumber, Value: n, PersonIDs: personIDs(ps), UserIDs: userIDs(us),
				Detail: fmt.Sprintf("number held by %d %s entries and %d Salesforce users; nobody is linked by it", len(ps), p.prov, len(us))})
		}
	}
}

func (p *pass) applyPins(pins []Pin) {
	byPerson := map[string][]string{}
	for _, pin := range pins {
		u := p.userBy[pin.UserID]
		if u == nil {
			continue // pinned user is not active: nothing to write
		}
		p.locked[u.ID] = true
		if pin.None {
			p.noneUsers[u.ID] = true
			continue
		}
		np := p.byID[pin.PersonID]
		if np == nil || !np.eligible {
			why := "does not exist"
			if np != nil {
				why = fmt.Sprintf("is %s %s", np.Type, np.Status)
			}
			p.conflict(Conflict{Kind: PinBroken, Value: pin.PersonID, PersonIDs: []string{pin.PersonID}, UserIDs: []string{u.ID},
				Detail: fmt.Sprintf("%s is pinned to %s person %s, who %s; the field is left as it is", label(u.Username, u.ID), p.prov, pin.PersonID, why)})
			continue
		}
		byPerson[np.ID] = append(byPerson[np.ID], u.ID)
	}
	for _, pid := range sortedKeys(byPerson) {
		us := byPerson[pid]
		if len(us) > 1 {
			p.lockedP[pid] = true
			p.conflict(Conflict{Kind: AmbiguousMatch, Value: pid, PersonIDs: []string{pid}, UserIDs: us,
				Detail: fmt.Sprintf("%s person %s is pinned to %d users; none of them is linked", p.prov, pid, len(us))})
			continue
		}
		p.link(p.userBy[us[0]], p.byID[pid], RulePin)
	}
}

// uniquePairs returns the (user, person) pairs whose key is held by exactly
// one user and one eligible person; for extensions, a key held by several on
// either side is an ambiguous match.
func (p *pass) uniquePairs(rule Rule, us map[string][]*nuser, ps map[string][]*nperson) []candidate {
	var out []candidate
	for _, k := range sortedKeys(us) {
		uu, pp := us[k], ps[k]
		switch {
		case len(uu) == 1 && len(pp) == 1:
			out = append(out, candidate{user: uu[0], person: pp[0], value: k})
		case rule == RuleExtension && len(pp) > 0 && (len(uu) > 1 || len(pp) > 1):
			p.conflict(Conflict{Kind: AmbiguousMatch, Value: k, PersonIDs: personIDs(pp), UserIDs: userIDs(uu),
				Detail: fmt.Sprintf("extension %s is held by %d users and %d %s people; nobody is linked by it", k, len(uu), len(pp), p.prov)})
		}
	}
	return out
}

// phoneCandidates links through numbers held by exactly one entry and one
// user; a record whose unique numbers point at several counterparts is ambiguous.
func (p *pass) phoneCandidates() []candidate {
	// unique reports whether a number is held by exactly one user and one entry
	unique := func(n string) bool { return len(p.numU[n]) == 1 && len(p.numP[n]) == 1 }
	var out []candidate
	for _, u := range p.users {
		var targets, evidence []string // a user has at most a Phone and a Mobile: tiny slices
		for _, n := range u.numbers {
			if unique(n) {
				targets = appendUnique(targets, p.numP[n][0].ID)
				evidence = append(evidence, n)
			}
		}
		switch {
		case len(targets) > 1:
			sort.Strings(targets)
			p.conflict(Conflict{Kind: AmbiguousMatch, Value: strings.Join(u.numbers, " "), PersonIDs: targets, UserIDs: []string{u.ID},
				Detail: fmt.Sprintf("the numbers of %s point at %d different %s people; not linked by phone", label(u.Username, u.ID), len(targets), p.prov)})
		case len(targets) == 1:
			np := p.byID[targets[0]]
			if len(p.phoneUsers(np, unique)) > 1 {
				continue // reported once, from the person's side, below
			}
			if !np.eligible {
				continue // a department's or disabled entry's number links nobody
			}
			out = append(out, candidate{user: u, person: np, value: strings.Join(evidence, " ")})
		}
	}
	for _, np := range p.people {
		if back := p.phoneUsers(np, unique); len(back) > 1 {
			sort.Strings(back)
			p.conflict(Conflict{Kind: AmbiguousMatch, Value: strings.Join(np.numbers, " "), PersonIDs: []string{np.ID}, UserIDs: back,
				Detail: fmt.Sprintf("the numbers of %s person %s point at %d different Salesforce users; not linked by phone", p.prov, label(np.Name, np.ID), len(back))})
		}
	}
	return out
}

// phoneUsers lists the users a person's unique numbers point at.
func (p *pass) phoneUsers(np *nperson, unique func(string) bool) []string {
	var back []string
	for _, n := range np.numbers {
		if unique(n) {
			back = appendUnique(back, p.numU[n][0].ID)
		}
	}
	return back
}

// linkRule links each candidate whose user and person are both still free;
// evidence against an earlier, stronger link is recorded, never acted on.
func (p *pass) linkRule(rule Rule, cands []candidate) {
	for _, c := range cands {
		u, np := c.user, c.person
		if p.noneUsers[u.ID] || p.lockedP[np.ID] {
			continue
		}
		ul, uLinked := p.userLink[u.ID]
		owner, pLinked := p.personLink[np.ID]
		if uLinked && ul.PersonID == np.ID {
			continue // agrees with the stronger rule
		}
		if !uLinked && !pLinked && !p.locked[u.ID] {
			p.link(u, np, rule)
			continue
		}
		if !uLinked && !pLinked {
			continue // broken pin: the admin's decision stands, nothing to compare with
		}
		c := Conflict{Kind: RuleDisagreement, Value: c.value, PersonIDs: []string{np.ID}, UserIDs: []string{u.ID}}
		var parts []string
		if uLinked {
			c.PersonIDs = append(c.PersonIDs, ul.PersonID)
			parts = append(parts, fmt.Sprintf("%s links %s to %s, which stands", ul.Rule, label(u.Username, u.ID), ul.PersonID))
		}
		if pLinked {
			c.UserIDs = append(c.UserIDs, owner)
			ol := p.userLink[owner]
			parts = append(parts, fmt.Sprintf("%s links person %s to %s, which stands", ol.Rule, np.ID, label(p.userBy[owner].Username, owner)))
		}
		c.Detail = fmt.Sprintf("%s %s points %s at %s person %s, but %s", rule, c.Value, label(u.Username, u.ID), p.prov, np.ID, strings.Join(parts, "; "))
		p.conflict(c)
	}
}

// keepExisting keeps the identifier already in an unlinked user's field when
// it names an eligible person no rule linked; several users naming the same
// person is ambiguous and keeps nobody.
func (p *pass) keepExisting() {
	claims := map[string][]*nuser{}
	for _, u := range p.users {
		if _, linked := p.userLink[u.ID]; linked || p.locked[u.ID] {
			continue
		}
		cur := strings.TrimSpace(u.Fields.Get(p.prov))
		np := p.byID[cur]
		if cur == "" || np == nil || !np.eligible || p.lockedP[np.ID] {
			continue
		}
		if _, taken := p.personLink[np.ID]; taken {
			continue
		}
		claims[np.ID] = append(claims[np.ID], u)
	}
	for _, pid := range sortedKeys(claims) {
		uu := claims[pid]
		if len(uu) > 1 {
			p.conflict(Conflict{Kind: AmbiguousMatch, Value: pid, PersonIDs: []string{pid}, UserIDs: userIDs(uu),
				Detail: fmt.Sprintf("%d users hold %s identifier %s and no rule decides between them; left as they are", len(uu), p.prov, pid)})
			continue
		}
		p.link(uu[0], p.byID[pid], RuleExisting)
	}
}

// decide turns links into desired field values and changes.
func (p *pass) decide() {
	for _, u := range p.users {
		cur := u.Fields.Get(p.prov)
		trimmed := strings.TrimSpace(cur)
		want, rule := cur, Rule("")
		switch l, linked := p.userLink[u.ID]; {
		case p.noneUsers[u.ID]:
			want, rule = "", RulePin
		case linked:
			want, rule = l.PersonID, l.Rule
		case trimmed == "":
		case p.personLink[trimmed] != "":
			want, rule = "", RuleMoved // an identifier belongs to one user, even one with a broken pin
		case p.locked[u.ID]:
		default:
			np := p.byID[trimmed]
			if np == nil || !np.eligible {
				why := "is not in the directory"
				if np != nil {
					why = fmt.Sprintf("is %s %s", np.Type, np.Status)
				}
				action := "left as it is (set clear_stale to clear it)"
				if p.opts.ClearStale {
					want, rule = "", RuleStale
					action = "cleared (clear_stale)"
				}
				p.conflict(Conflict{Kind: StaleIdentifier, Value: trimmed, PersonIDs: []string{trimmed}, UserIDs: []string{u.ID},
					Detail: fmt.Sprintf("%s holds %s identifier %s, which %s; %s", label(u.Username, u.ID), p.prov, trimmed, why, action)})
			}
		}
		if want != cur && rule != RuleExisting {
			p.changes = append(p.changes, Change{Provider: p.prov, UserID: u.ID, Username: u.Username, Name: u.Name,
				Old: cur, New: want, Rule: rule})
		}
	}
	if p.opts.FillPhone && p.prov == directory.RingCentral {
		p.fillPhones()
	}
	for _, np := range p.people {
		if _, linked := p.personLink[np.ID]; !linked && np.eligible {
			p.unmatched = append(p.unmatched, *np.Person)
		}
	}
}

// fillPhones plans Phone write-backs: a linked user with an empty Phone gets
// the person's only direct number, if no other entry or user holds it.
func (p *pass) fillPhones() {
	for _, u := range p.users {
		l, linked := p.userLink[u.ID]
		if !linked || strings.TrimSpace(u.Phone) != "" {
			continue
		}
		np := p.byID[l.PersonID]
		if len(np.numbers) != 1 {
			continue
		}
		n := np.numbers[0]
		if len(p.numP[n]) != 1 || len(p.numU[n]) != 0 {
			continue
		}
		p.changes = append(p.changes, Change{Provider: p.prov, UserID: u.ID, Username: u.Username, Name: u.Name,
			Old: u.Phone, New: n, Rule: l.Rule, Phone: true})
	}
}

func label(name, id string) string {
	if name == "" {
		return id
	}
	return fmt.Sprintf("%s (%s)", name, id)
}

func userIDs(us []*nuser) []string {
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = u.ID
	}
	return out
}

func personIDs(ps []*nperson) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

// sortedKeys returns the map's keys, sorted.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// sortedUnion returns the keys of both maps, sorted, each once.
func sortedUnion[A, B any](a map[string]A, b map[string]B) []string {
	out := make([]string, 0, len(a)+len(b))
	for k := range a {
		out = append(out, k)
	}
	for k := range b {
		if _, dup := a[k]; !dup {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func sortConflicts(cs []Conflict, provs []directory.Provider) {
	rank := func(p directory.Provider) int { return slices.Index(provs, p) }
	sort.SliceStable(cs, func(i, j int) bool {
		a, b := cs[i], cs[j]
		if a.Provider != b.Provider {
			return rank(a.Provider) < rank(b.Provider)
		}
		if a.Kind != b.Kind {
			return slices.Index(Kinds, a.Kind) < slices.Index(Kinds, b.Kind)
		}
		return a.Key() < b.Key()
	})
}
