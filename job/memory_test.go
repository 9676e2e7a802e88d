package job

import (
	"io"
	"log/slog"
	"math"
	"runtime/debug"
	"testing"
)

func TestMemoryBudgetFollowsTheDataRead(t *testing.T) {
	if got := memoryBudget(1 << 20); got != budgetFloor {
		t.Errorf("budget for 1 MiB of data = %d, want the floor %d", got, budgetFloor)
	}
	if got := memoryBudget(400 << 20); got != 1000<<20 {
		t.Errorf("budget for 400 MiB of data = %d MiB, want 1000 MiB (2.5x)", got>>20)
	}
}

func TestBudgetMemorySetsAndRestoresTheLimit(t *testing.T) {
	t.Setenv("GOMEMLIMIT", "")
	before := debug.SetMemoryLimit(-1) // -1 reads without changing
	restore := budgetMemory(slog.New(slog.NewTextHandler(io.Discard, nil)))
	during := debug.SetMemoryLimit(-1)
	restore()
	after := debug.SetMemoryLimit(-1)
	if during < budgetFloor || during == math.MaxInt64 {
		t.Errorf("limit during the run = %d, want a budget of at least %d", during, budgetFloor)
	}
	if after != before {
		t.Errorf("limit after the run = %d, want the previous %d", after, before)
	}
}

func TestGOMEMLIMITWinsOverTheBudget(t *testing.T) {
	t.Setenv("GOMEMLIMIT", "1GiB")
	before := debug.SetMemoryLimit(-1)
	restore := budgetMemory(slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer restore()
	if during := debug.SetMemoryLimit(-1); during != before {
		t.Errorf("limit changed to %d although GOMEMLIMIT is set", during)
	}
}
