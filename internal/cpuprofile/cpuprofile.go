// Package cpuprofile profiles a whole process on request: the bench sets
// VOICEID_CPUPROFILE (through BENCH_VOICEID_CPUPROFILE) to find where time
// goes in the voiceid processes it measures.
package cpuprofile

import (
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
)

// Start writes a CPU profile to path until stop is called; "%p" in path
// becomes the process id (one profile per process). With path "", or when
// the profile cannot start, stop does nothing.
func Start(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(strings.ReplaceAll(path, "%p", strconv.Itoa(os.Getpid())))
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		return func() {}, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
