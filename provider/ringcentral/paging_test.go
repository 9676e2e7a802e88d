package ringcentral

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// Paging that makes no progress ends with an error naming the provider, the
// endpoint and the page; it never loops. Once a proxy answering page 1 for
// every page made a run send 5,146 requests until it was killed.

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
