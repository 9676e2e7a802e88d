package dialpad

import (
	"context"
	"fmt"
	"testing"
)

// Paging that makes no progress ends with an error naming the provider, the
// endpoint and the page; it never loops. Once a proxy answering page 1 for
// every page made a run send 5,146 requests until it was killed.

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
