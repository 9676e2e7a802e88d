package ringcentral

import (
	"context"
	"fmt"
	"testing"

	"voiceid/match"
	"voiceid/provider/ringcentral/ringcentralsim"
)

// A FaxOnly number (docs/providers/ringcentral.md) answers no call: it links nobody by
// phone and never fills a Phone, whether the directory lists it (the
// simulator's default) or leaves it out (UNCONFIRMED which one it does).
func TestRingCentralFaxOnlyNumbersAreNeverEvidenceNorAPhone(t *testing.T) {
	fax := func(e164 string) []ringcentralsim.Number {
		return []ringcentralsim.Number{{Number: e164, UsageType: "DirectNumber", Type: "FaxOnly"}}
	}
	entries := []ringcentralsim.Entry{
		{ID: 7, Type: "FaxUser", Status: "Enabled", FirstName: "Fax", LastName: "Line", Extension: "2951", Numbers: fax("+16505550177")},
		{ID: 8, Type: "User", Status: "Enabled", FirstName: "Fern", LastName: "Ink", Email: "fern.ink@example.com", Extension: "2952", Numbers: fax("+16505550178")},
	}
	users := []match.User{
		{ID: "005FAY", Username: "fay@example.com", Email: "fay.faxon@example.com", Phone: "(650) 555-0177", CountryCode: "US"},
		{ID: "005FERN", Username: "fern@example.com", Email: "fern.ink@example.com", CountryCode: "US"},
	}
	for _, unlisted := range []bool{false, true} {
		t.Run(fmt.Sprintf("FaxOnlyUnlisted=%v", unlisted), func(t *testing.T) {
			sim, r := rcSim(t, entries, newClock())
			sim.FaxOnlyUnlisted = unlisted
			people, err := r.People(context.Background(), nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range people {
				for _, n := range p.Numbers {
					if n.Direct {
						t.Errorf("person %s: fax number %s read as a direct number", p.ID, n.Raw)
					}
				}
			}
			plan := match.Build(match.Input{People: map[match.Provider][]match.Person{Name: people}, Users: users,
				Options: match.Options{DefaultRegion: "US", FillPhone: true, Providers: []match.Provider{Name}, Rules: map[match.Provider]match.Rules{Name: Info.Rules}}})
			want := match.Change{Provider: Name, UserID: "005FERN", New: "8"} // by email, and nothing else
			if len(plan.Changes) != 1 || plan.Changes[0].UserID != want.UserID || plan.Changes[0].New != want.New || plan.Changes[0].Phone {
				t.Errorf("changes %+v, want only Fern's identifier (by email): no link by the fax line, no Phone from it", plan.Changes)
			}
			for _, l := range plan.Links {
				if l.UserID == "005FAY" {
					t.Errorf("Fay is linked to %s by %s: her Phone is a fax line", l.PersonID, l.Rule)
				}
			}
		})
	}
}
