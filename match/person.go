package match

// The domain types every package shares live in match, a leaf: the readers
// (directory) make Person values, package salesforce makes Users, match decides.

// Provider names a telephony system whose user identifier voiceid maintains
// ("ringcentral"); the providers themselves are plug-ins (package directory).
type Provider string

// UsageDirect marks a number that dials one person directly. Only such numbers
// may link a person to a Salesforce user (SPEC: company numbers never link anyone).
const UsageDirect = "DirectNumber"

// Person is one entry of a provider's directory, as read, before any normalisation.
type Person struct {
	Provider Provider
	ID       string // RingCentral extension id or Aircall user id, as a decimal string
	Type     string // RingCentral entry type ("User", "Department", ...); "User" for Aircall
	Status   string // RingCentral status ("Enabled", "Disabled", ...); "Enabled" for Aircall
	Name     string
	Email    string
	// Emails are further addresses of the same person (a Dialpad user may
	// have several); each links like Email, so none is a second person.
	Emails    []string
	Extension string // RingCentral extensionNumber; empty for Aircall
	Numbers   []Number
}

// Number is one phone number attached to a person, as the provider wrote it.
type Number struct {
	Raw       string // as returned by the API (E.164 for RingCentral, spaced digits for Aircall)
	UsageType string // RingCentral usageType; UsageDirect for a number assigned to an Aircall user
}

// Eligible reports whether the person may be linked to a Salesforce user:
// an enabled RingCentral user, or any Aircall user (Aircall lists only live users).
func (p Person) Eligible() bool {
	return p.Type == "User" && p.Status == "Enabled"
}
