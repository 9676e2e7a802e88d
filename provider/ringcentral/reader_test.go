package ringcentral

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"voiceid/internal/fakeclock"
	"voiceid/match"
	"voiceid/provider/read"
	"voiceid/provider/ringcentral/ringcentralsim"
	"voiceid/sandbox"
)

var rcCreds = ringcentralsim.Credentials{ClientID: "cid", ClientSecret: "csecret", JWT: "the-jwt"}

func rcSim(t *testing.T, entries []ringcentralsim.Entry, clk *fakeclock.Clock) (*ringcentralsim.Sim, *Reader) {
	t.Helper()
	sim := ringcentralsim.New(entries, rcCreds)
	t.Cleanup(sim.Close)
	sim.Now = clk.Now
	r := New(Config{Server: sim.URL(), ClientID: rcCreds.ClientID, ClientSecret: rcCreds.ClientSecret,
		JWT: rcCreds.JWT, Sleep: clk.Sleep, Now: clk.Now})
	return sim, r
}

// manyEntries makes n enabled users, every tenth a DigitalUser, plus a department.
func manyEntries(n int) []ringcentralsim.Entry {
	out := []ringcentralsim.Entry{{ID: 1, Type: "Department", Status: "Enabled", Name: "Support", Extension: "2000",
		Numbers: []ringcentralsim.Number{{Number: "+16505550199", UsageType: "DirectNumber"}}}}
	for i := 0; i < n; i++ {
		typ := "User"
		if i%10 == 0 {
			typ = "DigitalUser"
		}
		out = append(out, ringcentralsim.Entry{ID: int64(100000 + i), Type: typ, Status: "Enabled", FirstName: "U", LastName: strconv.Itoa(i),
			Email: fmt.Sprintf("u%d@example.com", i), Extension: strconv.Itoa(3000 + i),
			Numbers: []ringcentralsim.Number{{Number: fmt.Sprintf("+1650%07d", 2000000+i), UsageType: "DirectNumber"}}})
	}
	return out
}

func TestRingCentralReadsEveryPageAtTheLargestSize(t *testing.T) {
	clk := newClock()
	sim, r := rcSim(t, manyEntries(4500), clk)
	people, err := r.People(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	checkAll(t, people, 4501)
	if n := sim.Requests("/restapi/v1.0/account/~/directory/entries"); n != 3 {
		t.Errorf("%d directory requests for 4,501 entries, want 3 (pages of 2,000)", n)
	}
	if n := sim.Requests("/restapi/oauth/token"); n != 1 {
		t.Errorf("%d token requests, want 1", n)
	}
	var digital, dept match.Person
	for _, p := range people {
		switch p.ID {
		case "100000":
			digital = p
		case "1":
			dept = p
		}
	}
	if digital.Owner != match.OwnerPerson || !digital.Eligible || digital.State != "User Enabled" || digital.Numbers[0].Raw != "+16502000000" || !digital.Numbers[0].Direct {
		t.Errorf("DigitalUser entry mapped to %+v", digital)
	}
	if dept.Eligible || dept.Owner != match.OwnerDepartment || dept.Name != "Support" || len(dept.Numbers) != 1 {
		t.Errorf("department mapped to %+v; its number must be kept (for sharing) but it is not eligible", dept)
	}
}

func TestRingCentralTokenExpiryMidReadDoesNotRestart(t *testing.T) {
	clk := newClock()
	sim, r := rcSim(t, manyEntries(4500), clk)
	pages := 0
	people, err := r.People(context.Background(), func(int) {
		if pages++; pages == 1 {
			sim.ExpireTokens() // revoked after page 1
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	checkAll(t, people, 4501)
	if n := sim.Requests("/restapi/oauth/token"); n != 2 {
		t.Errorf("%d token requests, want 2 (one new token after the 401)", n)
	}
	if n := sim.Requests("/restapi/v1.0/account/~/directory/entries"); n != 4 {
		t.Errorf("%d directory requests, want 4 (3 pages + the one refused)", n)
	}
}

func TestRingCentralHonoursRetryAfter(t *testing.T) {
	clk := newClock()
	sim, r := rcSim(t, manyEntries(10), clk)
	sim.Inject(sandbox.Fault{Path: "/restapi/v1.0/account/~/directory/entries", Status: 429, Header: map[string]string{"Retry-After": "7"}})
	people, err := r.People(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	checkAll(t, people, 11)
	if len(clk.Slept()) != 1 || clk.Slept()[0] != 7*time.Second {
		t.Errorf("waits %v, want one of 7 s", clk.Slept())
	}
}

func TestRingCentral429WithoutRetryAfterWaitsHalfAMinute(t *testing.T) {
	clk := newClock()
	sim, r := rcSim(t, manyEntries(10), clk)
	sim.Inject(sandbox.Fault{Path: "/restapi/v1.0/account/~/directory/entries", Status: 429})
	if _, err := r.People(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if len(clk.Slept()) != 1 || clk.Slept()[0] < 30*time.Second {
		t.Errorf("waits %v, want at least 30 s", clk.Slept())
	}
}

func TestRingCentralSlowsDownBeforeTheLimit(t *testing.T) {
	clk := newClock()
	sim, r := rcSim(t, manyEntries(4500), clk)
	sim.RateLimits = true
	sim.Limits = map[string]int{"medium": 2} // 3 pages do not fit one window
	people, err := r.People(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	checkAll(t, people, 4501)
	if n := sim.Answered(http.StatusTooManyRequests); n != 0 {
		t.Errorf("the reader ran into %d 429s instead of waiting for the window", n)
	}
	if clk.Total() < 60*time.Second {
		t.Errorf("waited %v, want one 60 s window", clk.Total())
	}
}

func TestRingCentralRetries5xxThenSucceeds(t *testing.T) {
	clk := newClock()
	sim, r := rcSim(t, manyEntries(10), clk)
	sim.Inject(sandbox.Fault{Path: "/restapi/v1.0/account/~/directory/entries", Status: 503, Times: 2})
	people, err := r.People(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	checkAll(t, people, 11)
	if len(clk.Slept()) != 2 {
		t.Fatalf("waits %v, want 2 backoffs", clk.Slept())
	}
	// 2 s then 4 s, each with jitter in its upper half
	if clk.Slept()[0] < time.Second || clk.Slept()[0] > 2*time.Second || clk.Slept()[1] < 2*time.Second || clk.Slept()[1] > 4*time.Second {
		t.Errorf("backoffs %v, want about 2 s then about 4 s", clk.Slept())
	}
}

func TestRingCentralRetriesConnectionResets(t *testing.T) {
	clk := newClock()
	sim, r := rcSim(t, manyEntries(10), clk)
	sim.Inject(sandbox.Fault{Path: "/restapi/v1.0/account/~/directory/entries", Reset: true, Times: 4})
	people, err := r.People(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	checkAll(t, people, 11)
	if len(clk.Slept()) == 0 {
		t.Error("connection resets were retried without any backoff")
	}
}

func TestRingCentralGivesUpWithAClearError(t *testing.T) {
	clk := newClock()
	sim, r := rcSim(t, manyEntries(10), clk)
	sim.Inject(sandbox.Fault{Path: "/restapi/v1.0/account/~/directory/entries", Status: 503, Times: 1000})
	_, err := r.People(context.Background(), nil)
	if err == nil {
		t.Fatal("no error after endless 503s")
	}
	for _, want := range []string{"ringcentral", "GET /restapi/v1.0/account/~/directory/entries", "HTTP 503", "ADG-000", "attempts)"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "SIM-AT-") || strings.Contains(err.Error(), rcCreds.JWT) {
		t.Errorf("error prints a credential: %q", err)
	}
	if max := 60 * time.Second; clk.Slept()[len(clk.Slept())-1] > max {
		t.Errorf("backoff %v above the %v cap", clk.Slept()[len(clk.Slept())-1], max)
	}
}

func TestRingCentralMalformedPageIsAnError(t *testing.T) {
	clk := newClock()
	sim, r := rcSim(t, manyEntries(10), clk)
	sim.Inject(sandbox.Fault{Path: "/restapi/v1.0/account/~/directory/entries", Truncate: 120})
	_, err := r.People(context.Background(), nil)
	if err == nil || !strings.Contains(err.Error(), "malformed JSON") || !strings.Contains(err.Error(), "page 1") {
		t.Fatalf("truncated page: err = %v", err)
	}
}

func TestRingCentralShortDirectoryIsIncomplete(t *testing.T) {
	clk := newClock()
	sim, r := rcSim(t, manyEntries(10), clk)
	body := `{"records":[{"id":"5","type":"User","status":"Enabled"}],"paging":{"page":1,"perPage":2000,"totalPages":1,"totalElements":11}}`
	sim.Inject(sandbox.Fault{Path: "/restapi/v1.0/account/~/directory/entries", Status: 200, Body: body})
	_, err := r.People(context.Background(), nil)
	if !errors.Is(err, read.ErrIncomplete) {
		t.Fatalf("a page with fewer records than promised: err = %v, want read.ErrIncomplete", err)
	}
}

func TestRingCentralEmptyAccount(t *testing.T) {
	clk := newClock()
	_, r := rcSim(t, nil, clk)
	people, err := r.People(context.Background(), nil)
	if err != nil || len(people) != 0 {
		t.Fatalf("empty account: %d people, err %v", len(people), err)
	}
}

func TestRingCentralBadCredentialsFailFast(t *testing.T) {
	clk := newClock()
	sim := ringcentralsim.New(manyEntries(1), rcCreds)
	defer sim.Close()
	r := New(Config{Server: sim.URL(), ClientID: "cid", ClientSecret: "wrong-secret", JWT: rcCreds.JWT, Sleep: clk.Sleep})
	_, err := r.People(context.Background(), nil)
	if err == nil || !strings.Contains(err.Error(), "client_id and client_secret") || !strings.Contains(err.Error(), "OAU-146") {
		t.Fatalf("bad client secret: err = %v", err)
	}
	if strings.Contains(err.Error(), "wrong-secret") {
		t.Errorf("error prints the secret: %v", err)
	}
	r = New(Config{Server: sim.URL(), ClientID: "cid", ClientSecret: rcCreds.ClientSecret, JWT: "revoked", Sleep: clk.Sleep})
	if _, err = r.People(context.Background(), nil); err == nil || !strings.Contains(err.Error(), "jwt") {
		t.Fatalf("bad JWT: err = %v", err)
	}
	if n := sim.Requests("/restapi/v1.0/"); n != 0 {
		t.Errorf("%d API requests without a token", n)
	}
}

func TestCancellationStopsAWait(t *testing.T) {
	sim := ringcentralsim.New(manyEntries(1), rcCreds)
	defer sim.Close()
	sim.Inject(sandbox.Fault{Path: "/restapi/v1.0/account/~/directory/entries", Status: 429, Header: map[string]string{"Retry-After": "50"}})
	r := New(Config{Server: sim.URL(), ClientID: "cid", ClientSecret: "csecret", JWT: "the-jwt"}) // real waits
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := r.People(ctx, nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the context's deadline", err)
	}
}

// --- Aircall ---

// Any answer to a directory page gives people or an error, never a panic.
func FuzzRingCentralPage(f *testing.F) {
	f.Add(`{"records":[{"id":"1","type":"User","status":"Enabled","phoneNumbers":[{"phoneNumber":"+16505550100","usageType":"DirectNumber"}]}],"paging":{"page":1,"perPage":2000,"totalPages":1,"totalElements":1}}`)
	f.Add(`{"records":[{"id":12345678901,"phoneNumbers":null}],"paging":{}}`)
	f.Add(`{"records":null}`)
	f.Add(`[]`)
	sim := ringcentralsim.New(nil, rcCreds)
	defer sim.Close()
	f.Fuzz(func(t *testing.T, body string) {
		sim.Inject(sandbox.Fault{Path: "/restapi/v1.0/account/~/directory/entries", Status: 200, Body: body})
		r := New(Config{Server: sim.URL(), ClientID: "cid", ClientSecret: "csecret", JWT: "the-jwt", Sleep: newClock().Sleep})
		people, err := r.People(context.Background(), nil)
		if err == nil {
			for _, p := range people {
				if p.ID == "" || p.Provider != Name {
					t.Fatalf("accepted a person without an id: %+v", p)
				}
			}
		}
	})
}
