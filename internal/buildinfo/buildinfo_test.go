package buildinfo

import (
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionTextShowsCommitModifiedTimeAndPlatform(t *testing.T) {
	const rev = "8a2d5bb0c1d2e3f405162738495a6b7c8d9e0f11"
	bi := &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Path: "voiceid", Version: "v1.4.0"},
		Settings: []debug.BuildSetting{
			{Key: "GOOS", Value: "windows"}, {Key: "GOARCH", Value: "arm64"},
			{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev},
			{Key: "vcs.time", Value: "2026-11-28T23:20:00Z"}, {Key: "vcs.modified", Value: "true"},
		},
	}
	want := "voiceid v1.4.0\n" +
		"commit:    8a2d5bb0c1d2 (" + rev + ")\n" +
		"modified:  yes: built with uncommitted changes\n" +
		"committed: 2026-11-28T23:20:00Z\n" +
		"go:        go1.26.8 windows/arm64\n"
	if got := Format(bi); got != want {
		t.Errorf("Format:\n%s\nwant:\n%s", got, want)
	}
	bi.Settings[5].Value = "false"
	if got := Format(bi); !strings.Contains(got, "modified:  no\n") {
		t.Errorf("a clean tree:\n%s", got)
	}
}

func TestVersionTextWithoutVCSSaysSo(t *testing.T) {
	got := Format(&debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "voiceid", Version: "(devel)"}})
	want := "voiceid (devel)\n" +
		"commit:    (unknown: not stamped; go build stamps it in a git clone, without -buildvcs=false)\n" +
		"go:        go1.26.8 " + runtime.GOOS + "/" + runtime.GOARCH + "\n"
	if got != want {
		t.Errorf("Format without vcs settings:\n%s\nwant:\n%s", got, want)
	}
}
