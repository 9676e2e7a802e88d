package match

import (
	"strings"
)

// User is an active Salesforce user as the Salesforce client reads it.
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

// Fields are a user's identifier field values by provider. Most users hold
// one or two, so it is a short list, not a map (at 100,000 users a map each
// costs about 30 MB), and it names no provider: a new one is an addition.
type Fields []FieldValue

// FieldValue is one provider's identifier field value on a user.
type FieldValue struct {
	Provider Provider
	Value    string
}

// Get is the value of a provider's field ("" when it is empty).
func (f Fields) Get(p Provider) string {
	for _, v := range f {
		if v.Provider == p {
			return v.Value
		}
	}
	return ""
}

// Set changes the value of a provider's field ("" empties it). It never
// writes into the list it was given, which copies of the user may share.
func (f *Fields) Set(p Provider, v string) {
	out := make(Fields, 0, len(*f)+1)
	for _, x := range *f {
		if x.Provider != p {
			out = append(out, x)
		}
	}
	if v != "" {
		out = append(out, FieldValue{p, v})
	}
	if len(out) == 0 {
		out = nil
	}
	*f = out
}

// Rules say which linking rules a provider's directory supports.
type Rules struct {
	// Extensions: people carry extension numbers that a user's Extension can name.
	Extensions bool
	// PhoneSource: a person's one direct number may fill the empty Phone of the
	// user linked to it (Options.FillPhone).
	PhoneSource bool
	// OwnerLines: a number of an entry that is not a person (an office's
	// main line, a department) that a Salesforce user holds is a
	// shared_number naming that owner (docs/spec.md, Conflicts).
	OwnerLines bool
}

// Pin is an administrator's decision for one user and provider; it outranks every rule.
type Pin struct {
	UserID   string
	Provider Provider
	PersonID string // empty when None
	None     bool   // the user must hold no identifier for this provider
}

// Options are the [match] settings and the providers that take part.
type Options struct {
	DefaultRegion string
	ClearStale    bool
	// FillPhone writes a person's one direct number into the empty Phone of
	// the user linked to it, when nobody else holds that number (providers
	// whose Rules say PhoneSource).
	FillPhone bool
	Providers []Provider          // enabled providers, in report order
	Rules     map[Provider]Rules  // what each provider's directory supports
	Naming    map[Provider]Naming // how the conflicts' sentences name each provider
}

// Naming is how sentences name a provider and what its directory lists:
// a title, "entry", "entries" (empty words: user, users).
type Naming struct {
	Title, Entry, Entries string
}

// Input is everything one plan is made from.
type Input struct {
	Users   []User
	People  map[Provider][]Person
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

// Kind names a conflict (docs/spec.md: Conflicts).
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
	Provider Provider
	UserID   string
	PersonID string
	Rule     Rule
}

// Change is one identifier field whose value the plan changes.
type Change struct {
	Provider Provider
	UserID   string
	Username string
	Name     string
	Old      string
	New      string // "" clears the field
	Rule     Rule
	// Evidence is what the rule matched: the email, extension or number(s), or "pin".
	Evidence string
	// Phone marks a write-back of the user's Phone (opt-in), not of the identifier field.
	Phone bool
}

// Conflict is something the plan could not decide; its identity is
// (Kind, Provider, Value, PersonIDs, UserIDs).
type Conflict struct {
	Kind      Kind
	Provider  Provider
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
	Unmatched []Person // eligible people no user is linked to
}

// Linked counts the users linked for a provider, links that need no write included.
func (p Plan) Linked(prov Provider) int {
	n := 0
	for _, l := range p.Links {
		if l.Provider == prov {
			n++
		}
	}
	return n
}
