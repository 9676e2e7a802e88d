package job

import (
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
)

// Memory budget. Go's collector lets the heap grow to twice the live data
// before it collects, and keeps freed pages for a while; at 100,000 users that
// made the process twice the size of what it holds. Once the users and the
// directories are read, the run knows its data, so it sets a soft memory limit
// in proportion to it: planning adds about 0.8x the data read, and the rest is
// room for garbage. The limit grows with the organisation, so a large one is
// never starved into collecting without end. GOMEMLIMIT, when set, wins.
const (
	budgetFloor  = 64 << 20 // small organisations: no pressure at all
	budgetFactor = 2.5      // x the live heap after reading
)

// memoryBudget is the soft limit for a run whose data read takes live bytes.
func memoryBudget(live uint64) int64 {
	return max(budgetFloor, int64(float64(live)*budgetFactor))
}

// budgetMemory sets the run's soft memory limit from the live heap and
// returns the function that puts the previous limit back.
func budgetMemory(log *slog.Logger) (restore func()) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	runtime.GC() // the live heap is now exactly the data read
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	live := s[0].Value.Uint64()
	limit := memoryBudget(live)
	previous := debug.SetMemoryLimit(limit)
	log.Debug("memory budget", "live_mib", live>>20, "limit_mib", limit>>20)
	return func() { debug.SetMemoryLimit(previous) }
}
