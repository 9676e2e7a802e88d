// Package buildinfo describes the running binary from what Go recorded at
// "go build": the module version, the commit, whether the tree had
// uncommitted changes, the commit's time, the Go version and the platform.
package buildinfo

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

// Text describes the running binary (voiceid version prints it).
func Text() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		bi = &debug.BuildInfo{}
	}
	return Format(bi)
}

// Format renders what Go recorded about a build; go test binaries and
// builds outside git have no vcs.* settings, and say so.
func Format(bi *debug.BuildInfo) string {
	set := map[string]string{}
	for _, s := range bi.Settings {
		set[s.Key] = s.Value
	}
	or := func(v, def string) string {
		if v == "" {
			return def
		}
		return v
	}
	var b strings.Builder
	fmt.Fprintf(&b, "voiceid %s\n", or(bi.Main.Version, "(unknown)"))
	if rev := set["vcs.revision"]; rev != "" {
		fmt.Fprintf(&b, "commit:    %s (%s)\n", rev[:min(12, len(rev))], rev)
		modified := "no"
		if set["vcs.modified"] == "true" {
			modified = "yes: built with uncommitted changes"
		}
		fmt.Fprintf(&b, "modified:  %s\n", modified)
		// Go records the commit's time, not the build's: builds stay reproducible.
		fmt.Fprintf(&b, "committed: %s\n", or(set["vcs.time"], "(unknown)"))
	} else {
		b.WriteString("commit:    (unknown: not stamped; go build stamps it in a git clone, without -buildvcs=false)\n")
	}
	goos, goarch := or(set["GOOS"], runtime.GOOS), or(set["GOARCH"], runtime.GOARCH)
	fmt.Fprintf(&b, "go:        %s %s/%s\n", or(bi.GoVersion, runtime.Version()), goos, goarch)
	return b.String()
}
