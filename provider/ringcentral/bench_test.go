package ringcentral

import (
	"context"
	"testing"

	"voiceid/provider/ringcentral/ringcentralsim"
)

// BenchmarkReadRingCentral50k reads a 50,000-entry directory. The minimum is
// one token request plus ceil(50,001 / 2,000) = 26 pages.
func BenchmarkReadRingCentral50k(b *testing.B) {
	sim := ringcentralsim.New(manyEntries(50_000), rcCreds)
	defer sim.Close()
	const minimum = 1 + (50_001+DirectoryPageSize-1)/DirectoryPageSize
	var calls int64
	for b.Loop() {
		r := New(Config{Server: sim.URL(), ClientID: rcCreds.ClientID, ClientSecret: rcCreds.ClientSecret, JWT: rcCreds.JWT})
		people, err := r.People(context.Background(), nil)
		if err != nil || len(people) != 50_001 {
			b.Fatalf("read %d, err %v", len(people), err)
		}
		calls = r.Calls()
	}
	b.ReportMetric(float64(calls), "requests")
	b.ReportMetric(minimum, "minimum")
}
