package match

import (
	"fmt"
	"testing"
)

// benchOrg makes n Salesforce users, n/2 RingCentral people and n/5 Aircall
// people: most pair by email, some only by phone or extension, the rest
// unmatched, with a tenth of the fields already holding the right value.
func benchOrg(n int) Input {
	areas := []string{"212", "415", "650", "312", "617", "206", "303", "512", "646", "408", "213", "310", "702", "305", "404"}
	number := func(i int) (e164, local string) {
		a, x, l := areas[i%len(areas)], 201+(i/len(areas))%700, (i/len(areas)/700)%10000
		return fmt.Sprintf("+1%s%03d%04d", a, x, l), fmt.Sprintf("(%s) %03d-%04d", a, x, l)
	}
	in := Input{People: map[Provider][]Person{},
		Options: Options{DefaultRegion: "US", Providers: []Provider{RingCentral, Aircall}, Rules: testRules}}
	for i := 0; i < n; i++ {
		e164, local := number(i)
		u := User{ID: fmt.Sprintf("005B%014d", i), Username: fmt.Sprintf("user%d@example.com.prod", i),
			Email: fmt.Sprintf("User%d@Example.com", i), CountryCode: "US"}
		if i%3 == 0 {
			u.Phone = local
		}
		if i%7 == 0 {
			u.Extension = fmt.Sprintf("x%d", 10000+i)
		}
		if i < n/2 {
			p := Person{Provider: RingCentral, ID: fmt.Sprint(62804120004 + i*1000), Eligible: true, Owner: OwnerPerson, State: "User Enabled",
				Email: fmt.Sprintf("user%d@example.com", i), Extension: fmt.Sprint(10000 + i),
				Numbers: []Number{{Raw: e164, Direct: true}}}
			if i%11 == 0 {
				p.Email = fmt.Sprintf("other%d@example.com", i) // only phone or extension can link
			}
			if i%10 == 0 {
				u.Fields.Set(RingCentral, p.ID)
			}
			in.People[RingCentral] = append(in.People[RingCentral], p)
		}
		if i < n/5 {
			ae, _ := number(n + i)
			p := Person{Provider: Aircall, ID: fmt.Sprint(51000 + i), Eligible: true, Owner: OwnerPerson, State: "User Enabled",
				Email: fmt.Sprintf("user%d@example.com", i), Numbers: []Number{{Raw: ae, Direct: true}}}
			in.People[Aircall] = append(in.People[Aircall], p)
		}
		in.Users = append(in.Users, u)
	}
	return in
}

func BenchmarkBuild(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		in := benchOrg(n)
		b.Run(fmt.Sprintf("users=%d", n), func(b *testing.B) {
			var plan Plan
			for b.Loop() {
				plan = Build(in)
			}
			b.ReportMetric(float64(len(plan.Links)), "links")
			b.ReportMetric(float64(len(plan.Conflicts)), "conflicts")
		})
	}
}

func TestBenchOrgIsRealistic(t *testing.T) {
	// The benchmark must measure real linking. By benchOrg's construction a
	// RingCentral person is unreachable only when its email was changed
	// (i%11 == 0) and its user has neither Phone (i%3 == 0) nor Extension
	// (i%7 == 0) nor already holds the id in the field (i%10 == 0, kept as existing).
	const n = 2000
	wantRC := 0
	for i := 0; i < n/2; i++ {
		if i%11 != 0 || i%3 == 0 || i%7 == 0 || i%10 == 0 {
			wantRC++
		}
	}
	plan := Build(benchOrg(n))
	if got := plan.Linked(RingCentral); got != wantRC {
		t.Errorf("RingCentral links = %d, want %d", got, wantRC)
	}
	if got := plan.Linked(Aircall); got != n/5 {
		t.Errorf("Aircall links = %d, want all %d people linked", got, n/5)
	}
	if len(plan.Conflicts) != 0 {
		t.Errorf("the benchmark org has %d conflicts, e.g. %+v", len(plan.Conflicts), plan.Conflicts[0])
	}
}
