package match

// The domain types every package shares live in match, a leaf: the readers
// (provider/<name>) make Person values, package salesforce makes Users, match decides.

// Provider names a telephony system whose user identifier voiceid maintains;
// the providers themselves are plug-ins (provider/<name>, listed by provider/all).
type Provider string

// Person is one entry of a provider's directory, in voiceid's own terms: each
// reader maps its provider's words (types, states, usages) once, here.
type Person struct {
	Provider Provider
	ID       string // the value the identifier field holds, as a decimal string
	// Eligible: the entry may be linked to a Salesforce user (an enabled or
	// active user). Entries that are not still count: their numbers make a
	// number shared, and their ids make an identifier stale.
	Eligible bool
	Owner    Owner // what kind of owner the entry is
	// State is the provider's own words for the entry's kind and state
	// ("User Enabled", "suspended"), shown beside the neutral judgement; "" when it has none.
	State string
	Name  string
	Email string
	// Emails are further addresses of the same person (a user may have
	// several); each links like Email, so none is a second person.
	Emails    []string
	Extension string // the extension number, where the provider has them
	Numbers   []Number
}

// Owner is the kind of owner a directory entry is: a person, or what else
// can hold a phone line.
type Owner string

// The owners the readers map their providers' entry kinds to.
const (
	OwnerPerson     Owner = "person"
	OwnerSharedLine Owner = "shared line"
	OwnerDepartment Owner = "department"
	OwnerOffice     Owner = "office"
	OwnerCallCenter Owner = "call center"
	OwnerCallRouter Owner = "call router"
	OwnerRoom       Owner = "room"
	OwnerOther      Owner = "other" // an IVR menu, an announcement, a park location...
)

// Number is one phone number attached to an entry, as the provider wrote it.
type Number struct {
	Raw string // as the API returned it (E.164, or digits with spaces)
	// Direct: the number dials this entry directly. Only direct numbers link
	// anyone, count for sharing or fill a Phone: company main numbers and fax
	// lines never do.
	Direct bool
}
