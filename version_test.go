package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestVersionCommandAndFlag(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		code, out := cli(t, args...)
		if code != 0 || !strings.HasPrefix(out, "voiceid ") || !strings.Contains(out, "go:        "+runtime.Version()) {
			t.Errorf("%v: exit %d\n%s", args, code, out)
		}
	}
	if code, out := cli(t, "version", "extra"); code != exitUsage {
		t.Errorf("version with an argument: exit %d\n%s", code, out)
	}
}

// go test binaries carry no vcs.* settings, so only a real go build shows
// that the commit reaches the binary.
func TestBuiltBinaryPrintsItsCommit(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "voiceid")
	// -buildvcs=true: GOFLAGS on these machines says false, and a release needs the stamp.
	build := exec.Command("go", "build", "-buildvcs=true", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version").CombinedOutput()
	if err != nil {
		t.Fatalf("voiceid version: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "go:        "+runtime.Version()+" "+runtime.GOOS+"/"+runtime.GOARCH) {
		t.Errorf("no Go version and platform:\n%s", out)
	}
	head, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		// A source tree without git metadata (an unpacked archive) has no commit to compare.
		t.Logf("git rev-parse HEAD: %v: no git metadata here, the commit is not compared\n%s", err, out)
		return
	}
	full := strings.TrimSpace(string(head))
	dotGit, statErr := os.Stat(".git")
	if !strings.Contains(string(out), "commit:    (unknown") || statErr == nil && dotGit.IsDir() {
		if want := "commit:    " + full[:12] + " (" + full + ")\n"; !strings.Contains(string(out), want) {
			t.Errorf("voiceid version does not name HEAD %s:\n%s", full, out)
		}
		for _, line := range []string{"\nmodified:  ", "\ncommitted: 20"} {
			if !strings.Contains(string(out), line) {
				t.Errorf("no %q line:\n%s", strings.TrimSpace(line), out)
			}
		}
		return
	}
	// cmd/go stamps only from a .git directory; a linked worktree's .git is a file.
	t.Logf("this checkout's .git is a file (a git worktree): go build stamps no commit, so HEAD %s is not compared here; a clone (as in CI) is\n%s", full, out)
}
