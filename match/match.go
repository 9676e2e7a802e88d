// Package match decides which Salesforce user each telephony person belongs
// to. It is pure: plain data in (users, people, pins, options), a plan out,
// with no network, files or clocks, so that the rules can be read and tested.
package match

import (
	"fmt"
	"slices"
	"sort"
	"strings"

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
	Fields map[directory.Provider]string
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
	Providers     []directory.Provider // enabled providers, in report order
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
	userOnly := map[string]bool{} // conflicts about Salesforce users alone are reported once
	for _, prov := range in.Options.Providers {
		pp := newPass(prov, users, in.People[prov], in.Options)
		pp.run(pinsFor(in.Pins, prov))
		plan.Links = append(plan.Links, pp.links...)
		plan.Changes = append(plan.Changes, pp.changes...)
		for _, c := range pp.conflicts {
			if len(c.PersonIDs) == 0 {
				k := string(c.Kind) + "|" + c.Value + "|" + strings.Join(c.UserIDs, ",")
				if userOnly[k] {
					continue
				}
				userOnly[k] = true
			}
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
	for i := range in {
		u := &in[i]
		n := &nuser{User: u, email: NormalizeEmail(u.Email), ext: NormalizeExtension(u.Extension)}
		region := Region(u.CountryCode, u.Country, defaultRegion)
		for _, raw := range []string{u.Phone, u.MobilePhone} {
			e, ok := NormalizePhone(raw, region)
			switch {
			case !ok:
				n.invalid = appendUnique(n.invalid, strings.TrimSpace(raw))
			case e != "":
				n.numbers = appendUnique(n.numbers, e)
			}
		}
		out[i] = n
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func normalizePeople(in []directory.Person) []*nperson {
	out := make([]*nperson, len(in))
	for i := range in {
		p := &in[i]
		n := &nperson{Person: p, email: NormalizeEmail(p.Email), ext: NormalizeExtension(p.Extension), eligible: p.Eligible()}
		for _, num := range p.Numbers {
			if num.UsageType != directory.UsageDirect {
				continue
			}
			e, ok := NormalizePhone(num.Raw, "")
			switch {
			case !ok:
				n.invalid = appendUnique(n.invalid, strings.TrimSpace(num.Raw))
			case e != "":
				n.numbers = appendUnique(n.numbers, e)
			}
		}
		out[i] = n
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
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
		if _, dup := p.byID[np.ID]; !dup {
			p.byID[np.ID] = np
		}
	}
	for _, u := range users {
		p.userBy[u.ID] = u
	}
	return p
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
	p.linkRule(RuleEmail, p.emailCandidates())
	if p.prov == directory.RingCentral {
		p.linkRule(RuleExtension, p.extensionCandidates())
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
	emailU, emailP := map[string][]string{}, map[string][]string{}
	numU, numP := map[string][]string{}, map[string][]string{}
	for _, u := range p.users {
		if u.email != "" {
			emailU[u.email] = append(emailU[u.email], u.ID)
		}
		for _, n := range u.numbers {
			numU[n] = append(numU[n], u.ID)
		}
		for _, raw := range u.invalid {
			p.conflict(Conflict{Kind: InvalidPhone, Value: raw, UserIDs: []string{u.ID},
				Detail: fmt.Sprintf("Salesforce user %s has phone %q, which is not a valid number in region %s; it is ignored",
					label(u.Username, u.ID), raw, Region(u.CountryCode, u.Country, p.opts.DefaultRegion))})
		}
	}
	for _, np := range p.people {
		if np.email != "" && np.eligible {
			emailP[np.email] = append(emailP[np.email], np.ID)
		}
		for _, n := range np.numbers {
			numP[n] = append(numP[n], np.ID)
		}
		for _, raw := range np.invalid {
			p.conflict(Conflict{Kind: InvalidPhone, Value: raw, PersonIDs: []string{np.ID},
				Detail: fmt.Sprintf("%s person %s has number %q, which is not a valid international number; it is ignored",
					p.prov, label(np.Name, np.ID), raw)})
		}
	}
	for _, e := range sortedKeys(emailU, emailP) {
		if us, ps := emailU[e], emailP[e]; len(us) > 1 || len(ps) > 1 {
			p.conflict(Conflict{Kind: DuplicateEmail, Value: e, PersonIDs: ps, UserIDs: us,
				Detail: fmt.Sprintf("email held by %d eligible %s people and %d active Salesforce users; nobody is linked by it", len(ps), p.prov, len(us))})
		}
	}
	for _, n := range sortedKeys(numU, numP) {
		if us, ps := numU[n], numP[n]; len(us) > 1 || len(ps) > 1 {
			p.conflict(Conflict{Kind: SharedNumber, Value: n, PersonIDs: ps, UserIDs: us,
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
// one user and one eligible person; a key held by one side once and the other
// side several times is an ambiguous match.
func (p *pass) uniquePairs(rule Rule, userKey func(*nuser) string, personKey func(*nperson) string) []candidate {
	us, ps := map[string][]*nuser{}, map[string][]*nperson{}
	for _, u := range p.users {
		if k := userKey(u); k != "" {
			us[k] = append(us[k], u)
		}
	}
	for _, np := range p.people {
		if k := personKey(np); k != "" && np.eligible {
			ps[k] = append(ps[k], np)
		}
	}
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

func (p *pass) emailCandidates() []candidate {
	return p.uniquePairs(RuleEmail,
		func(u *nuser) string { return u.email },
		func(np *nperson) string { return np.email })
}

func (p *pass) extensionCandidates() []candidate {
	return p.uniquePairs(RuleExtension,
		func(u *nuser) string { return u.ext },
		func(np *nperson) string { return np.ext })
}

// phoneCandidates links through numbers held by exactly one entry and one
// user; a record whose unique numbers point at several counterparts is ambiguous.
func (p *pass) phoneCandidates() []candidate {
	numU, numP := map[string][]*nuser{}, map[string][]*nperson{}
	for _, u := range p.users {
		for _, n := range u.numbers {
			numU[n] = append(numU[n], u)
		}
	}
	for _, np := range p.people {
		for _, n := range np.numbers {
			numP[n] = append(numP[n], np)
		}
	}
	toPerson := map[string]map[string]bool{} // user id -> person ids by unique numbers
	toUser := map[string]map[string]bool{}   // person id -> user ids
	evidence := map[[2]string][]string{}     // (user, person) -> numbers
	for _, n := range sortedKeys(numU) {
		uu, pp := numU[n], numP[n]
		if len(uu) != 1 || len(pp) != 1 {
			continue
		}
		u, np := uu[0], pp[0]
		if toPerson[u.ID] == nil {
			toPerson[u.ID] = map[string]bool{}
		}
		if toUser[np.ID] == nil {
			toUser[np.ID] = map[string]bool{}
		}
		toPerson[u.ID][np.ID] = true
		toUser[np.ID][u.ID] = true
		k := [2]string{u.ID, np.ID}
		evidence[k] = append(evidence[k], n)
	}
	var out []candidate
	for _, u := range p.users {
		targets := toPerson[u.ID]
		if len(targets) > 1 {
			p.conflict(Conflict{Kind: AmbiguousMatch, Value: strings.Join(u.numbers, " "), PersonIDs: sortedKeys(targets), UserIDs: []string{u.ID},
				Detail: fmt.Sprintf("the numbers of %s point at %d different %s people; not linked by phone", label(u.Username, u.ID), len(targets), p.prov)})
			continue
		}
		for pid := range targets {
			np := p.byID[pid]
			if back := toUser[pid]; len(back) > 1 {
				continue // reported once, from the person's side, below
			}
			if !np.eligible {
				continue // a department's or disabled entry's number links nobody
			}
			out = append(out, candidate{user: u, person: np, value: strings.Join(evidence[[2]string{u.ID, pid}], " ")})
		}
	}
	for _, np := range p.people {
		if back := toUser[np.ID]; len(back) > 1 {
			p.conflict(Conflict{Kind: AmbiguousMatch, Value: strings.Join(np.numbers, " "), PersonIDs: []string{np.ID}, UserIDs: sortedKeys(back),
				Detail: fmt.Sprintf("the numbers of %s person %s point at %d different Salesforce users; not linked by phone", p.prov, label(np.Name, np.ID), len(back))})
		}
	}
	return out
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
		cur := strings.TrimSpace(u.Fields[p.prov])
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
		cur := u.Fields[p.prov]
		trimmed := strings.TrimSpace(cur)
		want, rule := cur, Rule("")
		switch l, linked := p.userLink[u.ID]; {
		case p.noneUsers[u.ID]:
			want, rule = "", RulePin
		case linked:
			want, rule = l.PersonID, l.Rule
		case trimmed == "" || p.locked[u.ID]:
		default:
			np := p.byID[trimmed]
			if _, taken := p.personLink[trimmed]; taken {
				want, rule = "", RuleMoved
				break
			}
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
	for _, np := range p.people {
		if _, linked := p.personLink[np.ID]; !linked && np.eligible {
			p.unmatched = append(p.unmatched, *np.Person)
		}
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

// sortedKeys returns the union of the maps' keys, sorted.
func sortedKeys[V any](ms ...map[string]V) []string {
	set := map[string]bool{}
	for _, m := range ms {
		for k := range m {
			set[k] = true
		}
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
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
