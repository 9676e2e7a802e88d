// Package providertest holds what the providers' reader tests share: a
// virtual clock, checks of what a read returned, and faults that make a list
// stop advancing. Only tests import it.
package providertest

import (
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"voiceid/internal/fakeclock"
	"voiceid/match"
	"voiceid/provider/read"
	"voiceid/sandbox"
)

// Clock is virtual time shared by a simulator and a reader: sleeping moves
// it forward at once, so rate-limit waits cost no real time.
func Clock() *fakeclock.Clock { return fakeclock.New(time.Now()) }

// CheckAll requires want people, none of them twice.
func CheckAll(t *testing.T, people []match.Person, want int) {
	t.Helper()
	if len(people) != want {
		t.Fatalf("read %d people, want %d", len(people), want)
	}
	seen := map[string]bool{}
	for _, p := range people {
		if seen[p.ID] {
			t.Fatalf("person %s read twice", p.ID)
		}
		seen[p.ID] = true
	}
}

// Busiest is the most requests any window [t, t+window) holds.
func Busiest(times []time.Time, window time.Duration) int {
	most := 0
	for i, start := range times {
		n := 0
		for _, t := range times[i:] {
			if !t.Before(start) && t.Sub(start) < window {
				n++
			}
		}
		most = max(most, n)
	}
	return most
}

// PastLastPage bounds the requests a reader may send after the last page
// that held records it had not read.
const PastLastPage = 3

// Injector is a simulator that takes faults.
type Injector interface{ Inject(sandbox.Fault) }

// AnswerInTurn makes the simulator answer requests from the from-th on
// (counted on path) with bodies, one each, in order. Every fault sees the
// requests no earlier fault answered, so each fires on its from-th.
func AnswerInTurn(sim Injector, path string, from int, bodies []string) {
	for _, b := range bodies {
		sim.Inject(sandbox.Fault{Path: path, Status: http.StatusOK, Body: b, Nth: from})
	}
}

// StoppedAt requires err to be an incomplete read naming provider, endpoint and page.
func StoppedAt(t *testing.T, err error, provider, endpoint string, page int) {
	t.Helper()
	if !errors.Is(err, read.ErrIncomplete) {
		t.Fatalf("err = %v, want ErrIncomplete", err)
	}
	for _, want := range []string{provider + ":", "GET " + endpoint, fmt.Sprintf("page %d", page)} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
}

// SamePeople requires the people read from padded ids to be those read from plain ones.
func SamePeople(t *testing.T, provider string, padded, plain []match.Person) {
	t.Helper()
	if !reflect.DeepEqual(padded, plain) {
		for i := range min(len(padded), len(plain)) {
			if !reflect.DeepEqual(padded[i], plain[i]) {
				t.Fatalf("%s: person %d read from padded ids %+v, want %+v", provider, i, padded[i], plain[i])
			}
		}
		t.Fatalf("%s: %d people read from padded ids, want %d", provider, len(padded), len(plain))
	}
}
