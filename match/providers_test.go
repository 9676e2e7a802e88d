package match

// The tests' providers: match names none itself (the providers are plug-ins),
// so these stand for three of them with the rules each directory supports.
const (
	RingCentral Provider = "ringcentral"
	Aircall     Provider = "aircall"
	Dialpad     Provider = "dialpad"
)

var testRules = map[Provider]Rules{RingCentral: {Extensions: true, PhoneSource: true}, Dialpad: {Extensions: true, OwnerLines: true}}
