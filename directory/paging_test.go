package directory

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"voiceid/sandbox"
)

// Paging that makes no progress ends with an error naming the provider, the
// endpoint and the page; it never loops. Once a proxy answering page 1 for
// every page made a run send 5,146 requests until it was killed.

// pastLastPage bounds the requests a reader may send after the last page
// that held records it had not read.
const pastLastPage = 3

// injector is a simulator that takes faults.
type injector interface{ Inject(sandbox.Fault) }

// answerInTurn makes the simulator answer requests from the from-th on
// (counted on path) with bodies, one each, in order. Every fault sees the
// requests no earlier fault answered, so each fires on its from-th.
func answerInTurn(sim injector, path string, from int, bodies []string) {
	for _, b := range bodies {
		sim.Inject(sandbox.Fault{Path: path, Status: http.StatusOK, Body: b, Nth: from})
	}
}

// stoppedAt requires err to be an incomplete read naming provider, endpoint and page.
func stoppedAt(t *testing.T, err error, provider, endpoint string, page int) {
	t.Helper()
	if !errors.Is(err, ErrIncomplete) {
		t.Fatalf("err = %v, want ErrIncomplete", err)
	}
	for _, want := range []string{provider + ":", "GET " + endpoint, fmt.Sprintf("page %d", page)} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
}

const rcDirectory = "/restapi/v1.0/account/~/directory/entries"

// The field's proxy: page 1 for every page, without totalPages.
func TestRingCentralPageOneForEveryPageStopsTheRead(t *testing.T) {
	for _, entries := range []int{10, 4500} { // one real page, and three
		sim, r := rcSim(t, manyEntries(entries), newClock())
		sim.PageOneAlways = true
		_, err := r.People(context.Background(), nil)
		stoppedAt(t, err, "ringcentral", rcDirectory, 2)
		if n := sim.Requests(rcDirectory); n > 1+pastLastPage {
			t.Errorf("%d entries: %d directory requests, want at most %d", entries, n, 1+pastLastPage)
		}
		t.Logf("%d entries behind the proxy: %d directory requests, %d in all", entries, sim.Requests(rcDirectory), sim.Requests(""))
	}
}

// Pages that keep bringing new records past totalElements (and no
// totalPages to end on) are not followed for ever.
func TestRingCentralRecordsPastTheReportedTotalStopTheRead(t *testing.T) {
	sim, r := rcSim(t, nil, newClock())
	var pages []string
	for p := 1; p <= 20; p++ {
		pages = append(pages, fmt.Sprintf(`{"records":[{"id":"%d","type":"User","status":"Enabled"},{"id":"%d","type":"User","status":"Enabled"}],`+
			`"paging":{"page":%d,"perPage":2,"totalElements":4}}`, 2*p, 2*p+1, p))
	}
	answerInTurn(sim, rcDirectory, 1, pages)
	_, err := r.People(context.Background(), nil)
	stoppedAt(t, err, "ringcentral", rcDirectory, 3)
	if !strings.Contains(err.Error(), "past the 4") {
		t.Errorf("error %q does not say what the server reported", err)
	}
	if n := sim.Requests(rcDirectory); n > 2+pastLastPage {
		t.Errorf("%d directory requests for 2 pages reported, want at most %d", n, 2+pastLastPage)
	}
}

// A next_page_link that lost from and order would read the company's first
// records again: page n is asked for with the query's own parameters, and
// the read costs what it costs with faithful links.
func TestAircallNextPageLinkThatLosesTheFilterIsNotFollowed(t *testing.T) {
	requests := map[bool]int{}
	for _, drops := range []bool{false, true} {
		clk := newClock()
		sim, _ := acSim(t, aircallOrg(250, hourly), clk)
		sim.RateLimit, sim.Cap = 0, 100
		sim.LinksDropFilters = drops
		r, log := acReader(sim, clk, nil)
		r.cap = 100 // past the cap, each further query reads from a created_at on
		people, err := r.People(context.Background(), nil)
		if err != nil {
			t.Fatalf("links drop filters %v: %v", drops, err)
		}
		checkAll(t, people, 250)
		requests[drops] = sim.Requests("/v2/users")
		if said := strings.Contains(log.String(), "is not this query's page"); said != drops {
			t.Errorf("links drop filters %v: the log says so: %v\n%s", drops, said, log.String())
		}
	}
	if requests[true] != requests[false] {
		t.Errorf("%d user list requests with links that lose the filter, %d with faithful ones", requests[true], requests[false])
	}
}

// UNCONFIRMED whether Aircall ever answers without meta: a short page then
// is the last; a full one may have more after it, which nothing says.
func TestAircallPageWithoutMetaIsLastOnlyWhenShort(t *testing.T) {
	clk := newClock()
	sim, r := acSim(t, aircallOrg(30, hourly), clk)
	sim.RateLimit, sim.NoMeta = 0, true
	people, err := r.People(context.Background(), nil)
	if err != nil {
		t.Fatalf("30 users without meta: %v", err)
	}
	checkAll(t, people, 30)

	sim, r = acSim(t, aircallOrg(130, hourly), clk)
	sim.RateLimit, sim.NoMeta = 0, true
	_, err = r.People(context.Background(), nil)
	stoppedAt(t, err, "aircall", "/v2/users", 1)
	if !strings.Contains(err.Error(), "without meta") {
		t.Errorf("error %q does not say meta is missing", err)
	}
	if n := sim.Requests("/v2/users"); n != 1 {
		t.Errorf("%d user list requests, want 1", n)
	}
}

// A page that brings back only records of earlier pages (a proxy replaying
// page 1, its next_page_link included) stops the read at once.
func TestAircallPageOfOnlyEarlierRecordsStopsTheRead(t *testing.T) {
	clk := newClock()
	sim, r := acSim(t, aircallOrg(130, hourly), clk)
	sim.RateLimit = 0
	req, _ := http.NewRequest(http.MethodGet, sim.URL()+"/v2/users?order=asc&per_page=50&page=1", nil)
	req.SetBasicAuth(acID, acToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	first, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	sim.Inject(sandbox.Fault{Path: "/v2/users", Status: http.StatusOK, Body: string(first), Nth: 2, Times: 1000})
	_, err = r.People(context.Background(), nil)
	stoppedAt(t, err, "aircall", "/v2/users", 2)
	if n := sim.Requests("/v2/users") - 1; n > 1+pastLastPage { // less the test's own read of page 1
		t.Errorf("%d user list requests, want at most %d", n, 2+pastLastPage)
	}
}

// Pages of new records past meta.total are not followed for ever.
func TestAircallRecordsPastTheReportedTotalStopTheRead(t *testing.T) {
	clk := newClock()
	sim, r := acSim(t, &sandbox.Org{}, clk)
	sim.RateLimit = 0
	var pages []string
	for p := 1; p <= 20; p++ {
		users := make([]map[string]any, AircallPageSize)
		for i := range users {
			id := p*1000 + i
			users[i] = map[string]any{"id": id, "name": fmt.Sprint("Agent ", id), "email": fmt.Sprintf("a%d@example.com", id),
				"created_at": time.Unix(1_600_000_000+int64(id), 0).UTC().Format(time.RFC3339)}
		}
		body, _ := json.Marshal(map[string]any{"users": users, "meta": map[string]any{"count": len(users), "total": 100,
			"current_page": p, "per_page": AircallPageSize, "next_page_link": fmt.Sprintf("%s/v2/users?order=asc&page=%d&per_page=50", sim.URL(), p+1)}})
		pages = append(pages, string(body))
	}
	answerInTurn(sim, "/v2/users", 1, pages)
	_, err := r.People(context.Background(), nil)
	stoppedAt(t, err, "aircall", "/v2/users", 3)
	if n := sim.Requests("/v2/users"); n > 2+pastLastPage {
		t.Errorf("%d user list requests for 2 pages reported, want at most %d", n, 2+pastLastPage)
	}
}

// Every cursor leading back to the first page, each time with a new cursor:
// the repeated cursor guard never fires, the repeated records do.
func TestDialpadSamePageWithANewCursorStopsTheRead(t *testing.T) {
	clk := newClock()
	sim := dpSim(t, 60, clk)
	sim.RepeatPages = true
	r, _ := dpReader(sim, clk, nil)
	_, err := r.People(context.Background(), nil)
	stoppedAt(t, err, "dialpad", "/api/v2/users", 2)
	if n := sim.Requests("/api/v2/users"); n > 1+pastLastPage {
		t.Errorf("%d users requests, want at most %d", n, 1+pastLastPage)
	}
	t.Logf("Dialpad repeating its first page: %d users requests", sim.Requests("/api/v2/users"))
}

// Pages without items that keep giving new cursors are followed a few times, not for ever.
func TestDialpadEmptyPagesWithNewCursorsStopTheRead(t *testing.T) {
	clk := newClock()
	sim := dpSim(t, 60, clk)
	var empty []string
	for i := range 50 {
		empty = append(empty, fmt.Sprintf(`{"items":[],"cursor":"empty-_-%d"}`, i))
	}
	answerInTurn(sim, "/api/v2/users", 2, empty)
	r, _ := dpReader(sim, clk, nil)
	_, err := r.People(context.Background(), nil)
	stoppedAt(t, err, "dialpad", "/api/v2/users", 4)
	if n := sim.Requests("/api/v2/users"); n != 1+emptyPagesInARow {
		t.Errorf("%d users requests, want %d", n, 1+emptyPagesInARow)
	}
}
