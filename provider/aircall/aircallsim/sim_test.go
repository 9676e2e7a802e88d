package aircallsim

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"voiceid/sandbox"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// acUsers makes n users created an hour apart.
func acUsers(n int) []User {
	out := make([]User, n)
	for i := range out {
		out[i] = User{ID: int64(1000 + i), Name: fmt.Sprint("Agent ", i), Email: fmt.Sprintf("a%d@example.com", i),
			CreatedAt: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Hour)}
	}
	return out
}

type acAnswer struct {
	status int
	header http.Header
	body   map[string]json.RawMessage
}

func acGet(t *testing.T, sim *Sim, path string) acAnswer {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, sim.URL()+path, nil)
	req.SetBasicAuth(APIID, APIToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := acAnswer{status: resp.StatusCode, header: resp.Header}
	if err := json.Unmarshal(raw, &a.body); err != nil {
		t.Fatalf("GET %s: not a JSON object: %s", path, raw)
	}
	return a
}

func (a acAnswer) meta(t *testing.T) (m struct {
	Total        int     `json:"total"`
	NextPageLink *string `json:"next_page_link"`
}) {
	t.Helper()
	if err := json.Unmarshal(a.body["meta"], &m); err != nil {
		t.Fatalf("meta: %v", err)
	}
	return m
}

func newACSim(t *testing.T, users []User, numbers []Number) *Sim {
	t.Helper()
	sim := New(users, numbers, APIID, APIToken)
	t.Cleanup(sim.Close)
	sim.RateLimit = 0
	return sim
}

// SUP: a list query reaches at most 10,000 records; page 200 of 50 still
// offers a next_page_link, and the page past it is refused with a 400 in the
// {"error","troubleshoot"} shape (3P).
func TestAircallRefusesPagePastTenThousandRecords(t *testing.T) {
	sim := newACSim(t, acUsers(10_050), nil)
	last := acGet(t, sim, "/v2/users?per_page=50&page=200")
	if last.status != http.StatusOK || last.meta(t).NextPageLink == nil {
		t.Fatalf("page 200: status %d, next_page_link %v; want 200 with a next link", last.status, last.meta(t).NextPageLink)
	}
	for _, page := range []string{"per_page=50&page=201", "per_page=30&page=334", "per_page=1&page=10001"} {
		past := acGet(t, sim, "/v2/users?"+page)
		var msg, hint string
		json.Unmarshal(past.body["error"], &msg)
		json.Unmarshal(past.body["troubleshoot"], &hint)
		if past.status != http.StatusBadRequest || msg != "Pagination is limited to 10,000 items" || hint == "" {
			t.Errorf("%s: status %d, error %q, troubleshoot %q; want 400 naming the 10,000 limit", page, past.status, msg, hint)
		}
	}
}

// SUP/PY/GO define meta.total as every record matching the query; whether it
// stops at the 10,000 cap is UNCONFIRMED, so the simulator says either.
func TestAircallTotalIsEveryMatchingRecordOrCapped(t *testing.T) {
	sim := newACSim(t, acUsers(10_050), nil)
	if got := acGet(t, sim, "/v2/users?per_page=50").meta(t).Total; got != 10_050 {
		t.Errorf("total = %d, want 10050 (documented)", got)
	}
	sim.TotalCapped = true
	if got := acGet(t, sim, "/v2/users?per_page=50").meta(t).Total; got != 10_000 {
		t.Errorf("capped total = %d, want 10000", got)
	}
}

// REF (quoted by 3P): the X-AircallApi-* headers come when the limit is
// reached; on every answer is UNCONFIRMED and an option.
func TestAircallSendsRateHeadersOnlyOn429(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	sim := newACSim(t, acUsers(3), nil)
	sim.RateLimit, sim.Now = 3, clk.Now
	for i := 0; i < 3; i++ {
		a := acGet(t, sim, "/v1/ping")
		if a.status != http.StatusOK || a.header.Get("X-AircallApi-Limit") != "" || a.header.Get("X-AircallApi-Remaining") != "" || a.header.Get("X-AircallApi-Reset") != "" {
			t.Fatalf("answer %d: status %d, rate headers %v; want 200 without them", i+1, a.status, a.header)
		}
	}
	over := acGet(t, sim, "/v1/ping")
	if over.status != http.StatusTooManyRequests || over.header.Get("X-AircallApi-Limit") != "3" ||
		over.header.Get("X-AircallApi-Remaining") != "0" || over.header.Get("X-AircallApi-Reset") != "1700000060" {
		t.Fatalf("over the limit: status %d, headers %v; want 429 with limit 3, remaining 0, reset in 60 s", over.status, over.header)
	}
	if over.body["error"] == nil || over.body["troubleshoot"] == nil {
		t.Errorf("429 body %v lacks error/troubleshoot", over.body)
	}

	sim.RateHeaders = true // the UNCONFIRMED alternative
	clk.advance(time.Minute)
	if a := acGet(t, sim, "/v1/ping"); a.status != http.StatusOK || a.header.Get("X-AircallApi-Remaining") != "2" {
		t.Errorf("with RateHeaders: status %d, headers %v; want them on a 200", a.status, a.header)
	}
}

// REF via 3P: 120 requests per minute per company; past it, 429 until the window resets.
func TestAircallAnswers429PastTheBudgetUntilTheWindowResets(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	sim := New(nil, nil, APIID, APIToken)
	t.Cleanup(sim.Close)
	sim.Now = clk.Now
	for i := 0; i < 120; i++ {
		if a := acGet(t, sim, "/v1/ping"); a.status != http.StatusOK {
			t.Fatalf("request %d of 120: status %d", i+1, a.status)
		}
		clk.advance(400 * time.Millisecond) // 48 s for all 120
	}
	if a := acGet(t, sim, "/v1/ping"); a.status != http.StatusTooManyRequests {
		t.Fatalf("request 121 within the minute: status %d, want 429", a.status)
	}
	clk.advance(12 * time.Second)
	if a := acGet(t, sim, "/v1/ping"); a.status != http.StatusOK {
		t.Fatalf("after the window: status %d, want 200", a.status)
	}
}

// 3P (client docstring, webhook payloads): users[] belongs to the number
// endpoints; whether the list embeds it is UNCONFIRMED, so by default the list
// has no users key, and the options embed them or show "users": [] always.
func TestAircallNumbersListCarriesNoUsersButASingleNumberDoes(t *testing.T) {
	users := acUsers(2)
	nums := []Number{{ID: 7001, Digits: "+33 1 23 45 67 89", UserIDs: []int64{users[0].ID, users[1].ID}}}
	sim := newACSim(t, users, nums)
	listed := func() map[string]json.RawMessage {
		var list []map[string]json.RawMessage
		json.Unmarshal(acGet(t, sim, "/v1/numbers").body["numbers"], &list)
		if len(list) != 1 {
			t.Fatalf("list holds %d numbers", len(list))
		}
		return list[0]
	}
	if u, ok := listed()["users"]; ok {
		t.Errorf("default list shows users %s; want no users key", u)
	}
	var one struct {
		Number struct {
			Users []struct {
				ID int64 `json:"id"`
			} `json:"users"`
		} `json:"number"`
	}
	json.Unmarshal(acGet(t, sim, "/v1/numbers/7001").body["number"], &one.Number)
	if len(one.Number.Users) != 2 || one.Number.Users[0].ID != users[0].ID {
		t.Errorf("GET /v1/numbers/7001 users = %+v, want both users", one.Number.Users)
	}
	sim.NumbersList = ListEmptyUsers
	if u := string(listed()["users"]); u != "[]" {
		t.Errorf("ListEmptyUsers: users = %s, want []", u)
	}
	sim.NumbersList = ListEmbedsUsers
	if u := string(listed()["users"]); !strings.Contains(u, fmt.Sprint(users[1].ID)) {
		t.Errorf("ListEmbedsUsers: users = %s, want both users", u)
	}
}

// Users of a real company were created over years, so a list longer than the
// cap splits by created_at into windows holding few users per second.
func TestAircallUsersAreCreatedOverYears(t *testing.T) {
	sim := Simulator()
	sim.Share = sim.Bench // a fifth of the company, a quarter of them with a line
	org := InOrg(sandbox.GenerateOrg(5000, 1, sim))
	first, last := org.Users[0].CreatedAt, org.Users[0].CreatedAt
	for _, u := range org.Users {
		first, last = minTime(first, u.CreatedAt), maxTime(last, u.CreatedAt)
	}
	if span := last.Sub(first); span < 3*365*24*time.Hour {
		t.Errorf("Aircall users created within %v, want several years", span)
	}
	for _, n := range org.Numbers {
		if n.CreatedAt.IsZero() && len(n.UserIDs) == 1 {
			t.Fatalf("number %d has no created_at: every line would share one second", n.ID)
		}
	}
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
