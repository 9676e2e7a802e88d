// Package match decides which Salesforce user each telephony person belongs
// to. It is pure: plain data in (users, people, pins, options), a plan out,
// with no network, files or clocks, so that the rules can be read and tested.
package match

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
)

// Build makes the plan. The same input in any order gives the same plan.
//
// Memory bounds a 100,000-user organisation, so records are referred to by
// their position (int32) in ID-sorted slices, an evidence index keeps a list
// only for the keys held more than once, and the users' indexes serve every
// provider's pass.
func Build(in Input) Plan {
	return build(in, NormalizePhone)
}

// phoneFunc normalises a phone number: NormalizePhone, or in tests the
// library's plain parse that it must agree with.
type phoneFunc func(raw, region string) (string, bool)

func build(in Input, norm phoneFunc) Plan {
	users := normalizeUsers(in.Users, in.Options.DefaultRegion, norm)
	var plan Plan
	userOnly := map[string]bool{} // kind|value|users already reported
	provs := in.Options.Providers
	passes := make([]*pass, len(provs))
	if in.Options.FillPhone {
		// a Phone written from one directory must not be a number another
		// directory holds: the next run would link by it, and never converge
		for i, prov := range provs {
			passes[i] = newPass(prov, users, in.People[prov], in.Options, norm)
		}
		for i := range passes {
			passes[i].elsewhere = func(n string) bool {
				for j, q := range passes {
					if j != i && q.ps.num.count(n) > 0 {
						return true
					}
				}
				return false
			}
		}
	}
	links, changes := make([][]Link, len(provs)), make([][]Change, len(provs))
	for i, prov := range provs {
		pp := passes[i]
		if pp == nil { // made one at a time otherwise: each pass's memory goes before the next
			pp = newPass(prov, users, in.People[prov], in.Options, norm)
		}
		pp.run(pinsFor(in.Pins, prov))
		links[i], changes[i] = pp.links, pp.changes
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
	plan.Links, plan.Changes = join(links), join(changes)
	sortConflicts(plan.Conflicts, in.Options.Providers)
	return plan
}

// join puts the passes' lists end to end, copying them only when there are
// several; an empty result is nil.
func join[T any](parts [][]T) []T {
	if len(parts) == 1 && len(parts[0]) > 0 {
		return parts[0]
	}
	if all := slices.Concat(parts...); len(all) > 0 {
		return all
	}
	return nil
}

func pinsFor(pins []Pin, prov Provider) []Pin {
	var out []Pin
	for _, p := range pins {
		if p.Provider == prov {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].UserID < out[j].UserID })
	return out
}

// pass links one provider's people to the users. Users and people are named
// by their positions in us.list and ps.list.
type pass struct {
	prov   Provider
	opts   Options
	us     *userSet
	ps     *personSet
	users  []nuser
	people []nperson

	linkOf  []int32  // user -> the person it is linked to, or -1
	ruleOf  []Rule   // user -> the rule of its link
	whyOf   []string // user -> the evidence of its link
	ownerOf []int32  // person -> the user linked to it, or -1
	locked  []bool   // users decided by a pin (or a broken one): no rule may link them
	none    []bool   // users pinned to "none"
	lockedP []bool   // people contested by pins

	links     []Link
	changes   []Change
	conflicts []Conflict
	seen      map[string]bool
	unmatched []Person
	// elsewhere tells whether another provider's directory holds a number
	// (set when Phone write-backs are planned)
	elsewhere func(string) bool
}

func newPass(prov Provider, us *userSet, people []Person, opts Options, norm phoneFunc) *pass {
	ps := normalizePeople(people, &us.num, norm)
	nu, np := len(us.list), len(ps.list)
	p := &pass{prov: prov, opts: opts, us: us, ps: ps, users: us.list, people: ps.list,
		linkOf: make([]int32, nu), ruleOf: make([]Rule, nu), whyOf: make([]string, nu), ownerOf: make([]int32, np),
		locked: make([]bool, nu), none: make([]bool, nu), lockedP: make([]bool, np), seen: map[string]bool{},
		links: make([]Link, 0, min(nu, np))} // a person links one user at most
	for i := range p.linkOf {
		p.linkOf[i] = -1
	}
	for i := range p.ownerOf {
		p.ownerOf[i] = -1
	}
	return p
}

// findUser is the position of the user with this id, or -1.
func (p *pass) findUser(id string) int32 {
	return position(len(p.users), func(i int) string { return p.users[i].ID }, id)
}

// findPerson is the position of the person with this id, or -1.
func (p *pass) findPerson(id string) int32 {
	return position(len(p.people), func(i int) string { return p.people[i].ID }, id)
}

// position finds id among n records sorted by id (idOf); -1 when absent.
func position(n int, idOf func(int) string, id string) int32 {
	i := sort.Search(n, func(i int) bool { return idOf(i) >= id })
	if i < n && idOf(i) == id {
		return int32(i)
	}
	return -1
}

// candidate is one rule's evidence that a user and a person belong together.
type candidate struct {
	user, person int32
	value        string // the evidence: email, extension or number(s)
}

func (p *pass) run(pins []Pin) {
	p.evidenceConflicts()
	p.applyPins(pins)
	p.linkRule(RuleEmail, p.uniquePairs(RuleEmail))
	if p.opts.Rules[p.prov].Extensions {
		p.linkRule(RuleExtension, p.uniquePairs(RuleExtension))
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

func (p *pass) link(ui, pi int32, rule Rule, evidence string) {
	p.linkOf[ui], p.ruleOf[ui], p.whyOf[ui], p.ownerOf[pi] = pi, rule, evidence, ui
	p.links = append(p.links, Link{Provider: p.prov, UserID: p.users[ui].ID, PersonID: p.people[pi].ID, Rule: rule})
}

// evidenceConflicts records duplicate emails, shared numbers and invalid phones.
func (p *pass) evidenceConflicts() {
	for _, b := range p.us.invalid {
		u := &p.users[b.at]
		p.conflict(Conflict{Kind: InvalidPhone, Value: b.raw, UserIDs: []string{u.ID},
			Detail: fmt.Sprintf("Salesforce user %s has phone %q, which is not a valid number in region %s; it is ignored",
				label(u.Username, u.ID), b.raw, Region(u.CountryCode, u.Country, p.opts.DefaultRegion))})
	}
	for _, b := range p.ps.invalid {
		np := &p.people[b.at]
		p.conflict(Conflict{Kind: InvalidPhone, Value: b.raw, PersonIDs: []string{np.ID},
			Detail: fmt.Sprintf("%s %s %s has number %q, which is not a valid international number; it is ignored",
				p.title(), p.entry(1), label(np.Name, np.ID), b.raw)})
	}
	// only a key held more than once on a side can be a conflict
	for _, e := range sharedKeys(&p.us.email, &p.ps.email) {
		us, ps := p.us.email.all(e), p.ps.email.all(e)
		p.conflict(Conflict{Kind: DuplicateEmail, Value: e, PersonIDs: p.personIDs(ps), UserIDs: p.userIDs(us),
			Detail: fmt.Sprintf("email held by %s and %s; nobody is linked by it", p.eligible(len(ps)), activeUsers(len(us)))})
	}
	for _, n := range sharedKeys(&p.us.num, &p.ps.num) {
		us, ps := p.us.num.all(n), p.ps.num.all(n)
		p.conflict(Conflict{Kind: SharedNumber, Value: n, PersonIDs: p.personIDs(ps), UserIDs: p.userIDs(us),
			Detail: fmt.Sprintf("number held by %d %s %s and %s; nobody is linked by it", len(ps), p.title(), p.entry(len(ps)), salesforceUsers(len(us)))})
	}
	if p.opts.Rules[p.prov].OwnerLines {
		p.ownerLines()
	}
}

// ownerLines reports a number that one non-person owner holds and Salesforce
// users hold too (several holders are reported above): the user's Phone is
// an office's or department's line, so it links nobody.
func (p *pass) ownerLines() {
	for pi := range p.people {
		np := &p.people[pi]
		if np.Owner == OwnerPerson {
			continue
		}
		for _, n := range np.numbers {
			if p.ps.num.count(n) != 1 || p.us.num.count(n) == 0 {
				continue
			}
			us := p.us.num.all(n)
			p.conflict(Conflict{Kind: SharedNumber, Value: n, PersonIDs: []string{np.ID}, UserIDs: p.userIDs(us),
				Detail: fmt.Sprintf("number is the line of %s %s %s, not a person's, and %s %s it; nobody is linked by it",
					p.title(), np.Owner, label(np.Name, np.ID), salesforceUsers(len(us)), plural(len(us), "holds", "hold"))})
		}
	}
}

// sharedKeys are the keys held more than once in either index, sorted, each once.
func sharedKeys(a, b *holders) []string {
	out := slices.Concat(a.keys, b.keys)
	slices.Sort(out)
	return slices.Compact(out)
}

func (p *pass) applyPins(pins []Pin) {
	byPerson := map[int32][]int32{}
	for _, pin := range pins {
		ui := p.findUser(pin.UserID)
		if ui < 0 {
			continue // pinned user is not active: nothing to write
		}
		u := &p.users[ui]
		p.locked[ui] = true
		if pin.None {
			p.none[ui] = true
			continue
		}
		pi := p.findPerson(pin.PersonID)
		if pi < 0 || !p.people[pi].eligible {
			why := "does not exist"
			if pi >= 0 {
				why = notEligible(p.people[pi].Person)
			}
			p.conflict(Conflict{Kind: PinBroken, Value: pin.PersonID, PersonIDs: []string{pin.PersonID}, UserIDs: []string{u.ID},
				Detail: fmt.Sprintf("%s is pinned to %s person %s, who %s; the field is left as it is", label(u.Username, u.ID), p.title(), pin.PersonID, why)})
			continue
		}
		byPerson[pi] = append(byPerson[pi], ui)
	}
	for _, pi := range slices.Sorted(maps.Keys(byPerson)) {
		us, pid := byPerson[pi], p.people[pi].ID
		if len(us) > 1 {
			p.lockedP[pi] = true
			p.conflict(Conflict{Kind: AmbiguousMatch, Value: pid, PersonIDs: []string{pid}, UserIDs: p.userIDs(us),
				Detail: fmt.Sprintf("%s person %s is pinned to %d users; none of them is linked", p.title(), pid, len(us))})
			continue
		}
		p.link(us[0], pi, RulePin, string(RulePin))
	}
}

// uniquePairs returns the (user, person) pairs whose key is held by exactly
// one user and one eligible person; for extensions, a key held by several on
// either side is an ambiguous match.
func (p *pass) uniquePairs(rule Rule) []candidate {
	us, ps := &p.us.email, &p.ps.email
	if rule == RuleExtension {
		us, ps = &p.us.ext, &p.ps.ext
	}
	out := make([]candidate, 0, min(len(p.users), len(p.people))) // a size hint: usually one a person at most
	for ui := range p.users {
		k := p.users[ui].email
		if rule == RuleExtension {
			k = p.users[ui].ext
		}
		if k == "" {
			continue
		}
		nu, np := us.count(k), ps.count(k)
		switch {
		case nu == 1 && np == 1:
			v := k
			if rule == RuleEmail { // the review shows the email as Salesforce holds it (a sandbox's .invalid too)
				v = strings.TrimSpace(p.users[ui].Email)
			}
			out = append(out, candidate{user: int32(ui), person: ps.one(k), value: v})
		case rule == RuleExtension && np > 0 && (nu > 1 || np > 1):
			p.conflict(Conflict{Kind: AmbiguousMatch, Value: k, PersonIDs: p.personIDs(ps.all(k)), UserIDs: p.userIDs(us.all(k)),
				Detail: fmt.Sprintf("extension %s is held by %s and %s; nobody is linked by it", k, salesforceUsers(nu), p.eligible(np))})
		}
	}
	if rule == RuleEmail {
		out = p.oneUserPerPerson(out)
	}
	return out
}

// oneUserPerPerson drops the email candidates of a person whose several
// emails point at different users: an ambiguous match, not first come first served.
func (p *pass) oneUserPerPerson(cands []candidate) []candidate {
	byPerson := map[int32][]int32{}
	for _, c := range cands {
		if len(p.people[c.person].emails) > 0 {
			byPerson[c.person] = appendUnique(byPerson[c.person], c.user)
		}
	}
	out := cands[:0]
	for _, c := range cands {
		us := byPerson[c.person]
		if len(us) <= 1 {
			out = append(out, c)
			continue
		}
		if us[0] == c.user { // once per person
			np := &p.people[c.person]
			p.conflict(Conflict{Kind: AmbiguousMatch, Value: strings.Join(append([]string{np.email}, np.emails...), " "), PersonIDs: []string{np.ID}, UserIDs: p.userIDs(us),
				Detail: fmt.Sprintf("the emails of %s person %s belong to %d different Salesforce users; not linked by email", p.title(), label(np.Name, np.ID), len(us))})
		}
	}
	return out
}

// uniqueNumber reports whether a number is held by exactly one user and one entry.
func (p *pass) uniqueNumber(n string) bool {
	return p.us.num.count(n) == 1 && p.ps.num.count(n) == 1
}

// phoneCandidates links through numbers held by exactly one entry and one
// user; a record whose unique numbers point at several counterparts is ambiguous.
func (p *pass) phoneCandidates() []candidate {
	var out []candidate
	for ui := range p.users {
		u := &p.users[ui]
		var tbuf [2]int32
		var ebuf [2]string
		targets, evidence := tbuf[:0], ebuf[:0] // a user has at most a Phone and a Mobile
		for _, n := range u.numbers() {
			if p.uniqueNumber(n) {
				targets = appendUnique(targets, p.ps.num.one(n))
				evidence = append(evidence, n)
			}
		}
		switch {
		case len(targets) > 1:
			p.conflict(Conflict{Kind: AmbiguousMatch, Value: strings.Join(u.numbers(), " "), PersonIDs: p.personIDs(targets), UserIDs: []string{u.ID},
				Detail: fmt.Sprintf("the numbers of %s point at %d different %s %s; not linked by phone", label(u.Username, u.ID), len(targets), p.title(), p.entry(len(targets)))})
		case len(targets) == 1:
			pi := targets[0]
			if len(p.phoneUsers(pi)) > 1 {
				continue // reported once, from the person's side, below
			}
			if !p.people[pi].eligible {
				continue // a department's or disabled entry's number links nobody
			}
			out = append(out, candidate{user: int32(ui), person: pi, value: strings.Join(evidence, " ")})
		}
	}
	for pi := range p.people {
		if back := p.phoneUsers(int32(pi)); len(back) > 1 {
			np := &p.people[pi]
			p.conflict(Conflict{Kind: AmbiguousMatch, Value: strings.Join(np.numbers, " "), PersonIDs: []string{np.ID}, UserIDs: p.userIDs(back),
				Detail: fmt.Sprintf("the numbers of %s person %s point at %d different Salesforce users; not linked by phone", p.title(), label(np.Name, np.ID), len(back))})
		}
	}
	return out
}

// phoneUsers lists the users a person's unique numbers point at.
func (p *pass) phoneUsers(pi int32) []int32 {
	var back []int32
	for _, n := range p.people[pi].numbers {
		if p.uniqueNumber(n) {
			back = appendUnique(back, p.us.num.one(n))
		}
	}
	return back
}

// linkRule links each candidate whose user and person are both still free;
// evidence against an earlier, stronger link is recorded, never acted on.
func (p *pass) linkRule(rule Rule, cands []candidate) {
	for _, c := range cands {
		ui, pi := c.user, c.person
		if p.none[ui] || p.lockedP[pi] {
			continue
		}
		ul, owner := p.linkOf[ui], p.ownerOf[pi]
		uLinked, pLinked := ul >= 0, owner >= 0
		if uLinked && ul == pi {
			continue // agrees with the stronger rule
		}
		if !uLinked && !pLinked && !p.locked[ui] {
			p.link(ui, pi, rule, c.value)
			continue
		}
		if !uLinked && !pLinked {
			continue // broken pin: the admin's decision stands, nothing to compare with
		}
		u, np := &p.users[ui], &p.people[pi]
		cf := Conflict{Kind: RuleDisagreement, Value: c.value, PersonIDs: []string{np.ID}, UserIDs: []string{u.ID}}
		var parts []string
		if uLinked {
			cf.PersonIDs = append(cf.PersonIDs, p.people[ul].ID)
			parts = append(parts, fmt.Sprintf("%s links %s to %s, which stands", p.ruleOf[ui], label(u.Username, u.ID), p.people[ul].ID))
		}
		if pLinked {
			o := &p.users[owner]
			cf.UserIDs = append(cf.UserIDs, o.ID)
			parts = append(parts, fmt.Sprintf("%s links person %s to %s, which stands", p.ruleOf[owner], np.ID, label(o.Username, o.ID)))
		}
		cf.Detail = fmt.Sprintf("%s %s points %s at %s person %s, but %s", rule, c.value, label(u.Username, u.ID), p.title(), np.ID, strings.Join(parts, "; "))
		p.conflict(cf)
	}
}

// keepExisting keeps the identifier already in an unlinked user's field when
// it names an eligible person no rule linked; several users naming the same
// person is ambiguous and keeps nobody.
func (p *pass) keepExisting() {
	type claim struct{ person, user int32 }
	var claims []claim
	for ui := range p.users {
		if p.linkOf[ui] >= 0 || p.locked[ui] {
			continue
		}
		cur := strings.TrimSpace(p.users[ui].Fields.Get(p.prov))
		if cur == "" {
			continue
		}
		pi := p.findPerson(cur)
		if pi < 0 || !p.people[pi].eligible || p.lockedP[pi] || p.ownerOf[pi] >= 0 {
			continue
		}
		claims = append(claims, claim{pi, int32(ui)})
	}
	slices.SortStableFunc(claims, func(a, b claim) int { return cmp.Compare(a.person, b.person) })
	for len(claims) > 0 {
		k := 1
		for k < len(claims) && claims[k].person == claims[0].person {
			k++
		}
		pi := claims[0].person
		if k > 1 {
			us := make([]int32, k)
			for i, c := range claims[:k] {
				us[i] = c.user
			}
			pid := p.people[pi].ID
			p.conflict(Conflict{Kind: AmbiguousMatch, Value: pid, PersonIDs: []string{pid}, UserIDs: p.userIDs(us),
				Detail: fmt.Sprintf("%d users hold %s identifier %s and no rule decides between them; left as they are", k, p.title(), pid)})
		} else {
			p.link(claims[0].user, pi, RuleExisting, p.people[pi].ID)
		}
		claims = claims[k:]
	}
}

// decide turns links into desired field values and changes.
func (p *pass) decide() {
	if n := p.mostChanges(); n > 0 {
		p.changes = make([]Change, 0, n) // at 100,000 users, growing it by appends allocated five times its size
	}
	for ui := range p.users {
		u := &p.users[ui]
		cur := u.Fields.Get(p.prov)
		trimmed := strings.TrimSpace(cur)
		named := int32(-1) // the person the field names
		if trimmed != "" {
			named = p.findPerson(trimmed)
		}
		want, rule, evidence := cur, Rule(""), ""
		switch l := p.linkOf[ui]; {
		case p.none[ui]:
			want, rule, evidence = "", RulePin, string(RulePin)
		case l >= 0:
			want, rule, evidence = p.people[l].ID, p.ruleOf[ui], p.whyOf[ui]
		case trimmed == "":
		case named >= 0 && p.ownerOf[named] >= 0:
			want, rule = "", RuleMoved // an identifier belongs to one user, even one with a broken pin
		case p.locked[ui]:
		case named < 0 || !p.people[named].eligible:
			why := "is not in the directory"
			if named >= 0 {
				why = notEligible(p.people[named].Person)
			}
			action := "left as it is (set clear_stale to clear it)"
			if p.opts.ClearStale {
				want, rule = "", RuleStale
				action = "cleared (clear_stale)"
			}
			p.conflict(Conflict{Kind: StaleIdentifier, Value: trimmed, PersonIDs: []string{trimmed}, UserIDs: []string{u.ID},
				Detail: fmt.Sprintf("%s holds %s identifier %s, which %s; %s", label(u.Username, u.ID), p.title(), trimmed, why, action)})
		}
		if want != cur && rule != RuleExisting {
			p.changes = append(p.changes, Change{Provider: p.prov, UserID: u.ID, Username: u.Username, Name: u.Name,
				Old: cur, New: want, Rule: rule, Evidence: evidence})
		}
	}
	if p.opts.FillPhone && p.opts.Rules[p.prov].PhoneSource {
		p.fillPhones()
	}
	for pi := range p.people {
		if np := &p.people[pi]; p.ownerOf[pi] < 0 && np.eligible {
			p.unmatched = append(p.unmatched, *np.Person)
		}
	}
}

// mostChanges bounds the identifier changes decide can plan: a linked user
// whose field names another person, a user pinned to none whose field is set,
// and an unlinked user whose field is set (moved or stale).
func (p *pass) mostChanges() int {
	n := 0
	for ui := range p.users {
		cur := p.users[ui].Fields.Get(p.prov)
		switch l := p.linkOf[ui]; {
		case p.none[ui] || l < 0:
			if cur != "" {
				n++
			}
		case p.people[l].ID != cur:
			n++
		}
	}
	return n
}

// fillPhones plans Phone write-backs: a linked user with an empty Phone gets
// the person's only direct number, if no other entry or user holds it.
func (p *pass) fillPhones() {
	for ui := range p.users {
		u, l := &p.users[ui], p.linkOf[ui]
		// a link kept only because the field already named the person is not
		// evidence enough to write a user's Phone (nor a rule the report knows)
		if l < 0 || strings.TrimSpace(u.Phone) != "" || p.ruleOf[ui] == RuleExisting {
			continue
		}
		np := &p.people[l]
		if len(np.numbers) != 1 {
			continue
		}
		n := np.numbers[0]
		if p.ps.num.count(n) != 1 || p.us.num.count(n) != 0 || (p.elsewhere != nil && p.elsewhere(n)) {
			continue
		}
		p.changes = append(p.changes, Change{Provider: p.prov, UserID: u.ID, Username: u.Username, Name: u.Name,
			Old: u.Phone, New: n, Rule: p.ruleOf[ui], Evidence: p.whyOf[ui], Phone: true})
	}
}

// title is the pass's provider as people write it (Naming.Title), else its key.
func (p *pass) title() string {
	if n := p.opts.Naming[p.prov]; n.Title != "" {
		return n.Title
	}
	return string(p.prov)
}

// entry is the word for n things the provider's directory lists: entry, entries; user, users.
func (p *pass) entry(n int) string {
	w := p.opts.Naming[p.prov]
	return plural(n, or(w.Entry, "user"), or(w.Entries, "users"))
}

// eligible says n eligible people of the provider: "1 eligible <Title> person".
func (p *pass) eligible(n int) string {
	return fmt.Sprintf("%d eligible %s %s", n, p.title(), plural(n, "person", "people"))
}

// activeUsers says n active Salesforce users, in agreement.
func activeUsers(n int) string {
	return fmt.Sprintf("%d active Salesforce %s", n, plural(n, "user", "users"))
}

// salesforceUsers says n Salesforce users, in agreement.
func salesforceUsers(n int) string {
	return fmt.Sprintf("%d Salesforce %s", n, plural(n, "user", "users"))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// notEligible says why a person cannot be linked, in the provider's own words where it has some.
func notEligible(p *Person) string {
	if p.State == "" {
		return "is not eligible"
	}
	return "is not eligible (" + p.State + ")"
}

func label(name, id string) string {
	if name == "" {
		return id
	}
	return fmt.Sprintf("%s (%s)", name, id)
}

func (p *pass) userIDs(at []int32) []string {
	out := make([]string, len(at))
	for i, ui := range at {
		out[i] = p.users[ui].ID
	}
	return out
}

func (p *pass) personIDs(at []int32) []string {
	out := make([]string, len(at))
	for i, pi := range at {
		out[i] = p.people[pi].ID
	}
	return out
}

func sortConflicts(cs []Conflict, provs []Provider) {
	rank := func(p Provider) int { return slices.Index(provs, p) }
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
