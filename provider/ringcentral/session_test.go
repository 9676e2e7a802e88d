package ringcentral

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"voiceid/sandbox"
)

const revokePath = "/restapi/oauth/revoke"

// Each sign-in opens a session that counts against the user's cap
// (docs/providers/ringcentral.md): Close revokes it, by the refresh token when the
// sign-in gave one, else by the access token; the revoke is a counted call.
func TestRingCentralCloseRevokesTheSessionItOpened(t *testing.T) {
	for _, noRefresh := range []bool{false, true} {
		clk := newClock()
		sim, r := rcSim(t, manyEntries(10), clk)
		sim.NoRefreshTokens = noRefresh
		if _, err := r.People(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
		if n := sim.LiveSessions(); n != 1 {
			t.Fatalf("%d live sessions after a read, want 1", n)
		}
		if err := r.Close(context.Background()); err != nil {
			t.Fatalf("no refresh token %v: %v", noRefresh, err)
		}
		if n := sim.LiveSessions(); n != 0 {
			t.Errorf("no refresh token %v: %d live sessions after Close", noRefresh, n)
		}
		if n := sim.Requests(revokePath); n != 1 {
			t.Errorf("no refresh token %v: %d revoke requests, want 1", noRefresh, n)
		}
		if got, want := r.Calls(), int64(sim.Requests("")); got != want {
			t.Errorf("Calls() = %d, the simulator saw %d requests", got, want)
		}
		if err := r.Close(context.Background()); err != nil || sim.Requests(revokePath) != 1 {
			t.Errorf("a second Close: err %v, %d revokes, want nothing sent", err, sim.Requests(revokePath))
		}
	}
}

func TestRingCentralCloseWithoutASignInSendsNothing(t *testing.T) {
	sim, r := rcSim(t, manyEntries(10), newClock())
	if err := r.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := sim.Requests(""); n != 0 {
		t.Errorf("%d requests from a reader that never signed in", n)
	}
}

// A read that outlives its first token (it expired, and a new sign-in
// followed) holds two sessions; an expired access token revokes nothing
// (DOCS tokens.md), so the first session is ended by its refresh token.
func TestRingCentralCloseRevokesEverySessionOfTheRead(t *testing.T) {
	clk := newClock()
	sim, r := rcSim(t, manyEntries(4500), clk)
	pages := 0
	_, err := r.People(context.Background(), func(int) {
		if pages++; pages == 1 {
			clk.Sleep(context.Background(), sim.TokenTTL+time.Second) // the first token expires on the simulator's clock
			sim.ExpireTokens()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := sim.LiveSessions(); n != 2 {
		t.Fatalf("%d live sessions, want 2 (one per sign-in)", n)
	}
	if err := r.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := sim.LiveSessions(); n != 0 {
		t.Errorf("%d sessions left open", n)
	}
}

// SIGTERM cancels the run's context; the revoke still goes out, on a context of its own.
func TestRingCentralCloseRevokesAfterTheRunWasCancelled(t *testing.T) {
	clk := newClock()
	sim, r := rcSim(t, manyEntries(4500), clk)
	ctx, cancel := context.WithCancel(context.Background())
	_, err := r.People(ctx, func(int) { cancel() })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want the cancellation", err)
	}
	if err := r.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if n := sim.LiveSessions(); n != 0 {
		t.Errorf("%d sessions left open by a cancelled read", n)
	}
}

func TestRingCentralFailedRevokeSaysWhatItLeavesOpen(t *testing.T) {
	clk := newClock()
	sim, r := rcSim(t, manyEntries(10), clk)
	sim.Inject(sandbox.Fault{Path: revokePath, Status: 400})
	if _, err := r.People(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	err := r.Close(context.Background())
	for _, want := range []string{"ringcentral", "POST " + revokePath, "HTTP 400", "stays open"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want one mentioning %q", err, want)
		}
	}
	if err != nil && strings.Contains(err.Error(), "SIM-") {
		t.Errorf("the error prints a token: %v", err)
	}
}
