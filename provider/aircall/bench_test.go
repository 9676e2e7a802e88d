package aircall

import (
	"context"
	"testing"
	"time"

	"voiceid/provider/aircall/aircallsim"
)

// BenchmarkReadAircall20k reads a 20,000-user company, twice the list cap, so
// the users come in two created_at-ordered queries; every user has a line.
// The minimum, as the numbers list carries no assignments, is
// ceil(U/50) + ceil(N/50) + N; the second query re-reads its edge second,
// which can cost one page more.
func BenchmarkReadAircall20k(b *testing.B) {
	const users = 20_000
	created := func(i int) time.Time {
		return time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * 157 * time.Minute)
	}
	org := aircallOrg(users, created)
	sim := aircallsim.New(org.Users, org.Numbers, acID, acToken)
	defer sim.Close()
	sim.RateLimit = 0 // measured here: requests; a real account takes requests / (60/min), voiceid's default budget
	numbers := len(org.Numbers)
	minimum := (users+49)/50 + (numbers+49)/50 + numbers
	var calls int64
	for b.Loop() {
		r := New(Config{BaseURL: sim.URL(), APIID: acID, APIToken: acToken, RequestsPerMinute: 1 << 30})
		people, err := r.People(context.Background(), nil)
		if err != nil || len(people) != users {
			b.Fatalf("read %d, err %v", len(people), err)
		}
		calls = r.Calls()
	}
	b.ReportMetric(float64(calls), "requests")
	b.ReportMetric(float64(minimum), "minimum")
	b.ReportMetric(float64(calls)/DefaultRequestsPerMinute, "minutes@60/min")
	if n := sim.Answered(400); n != 0 {
		b.Errorf("%d requests past the 10,000-record cap", n)
	}
}
