package report

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A report file that exists is checked before the run starts, keeping its
// content; one that cannot be replaced (immutable: WriteFile's rename over it
// fails) is refused then, not found after the writes. Making a file
// immutable needs root and a file system that keeps the flag (chattr).
func TestAReportFileThatCannotBeReplacedIsRefusedUpFront(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "last.json")
	if err := os.WriteFile(path, []byte("yesterday's report"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := CheckTarget(path); err != nil {
		t.Fatalf("a replaceable report file: %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "yesterday's report" {
		t.Fatalf("checking the file changed it: %q", b)
	}
	if out, err := exec.Command("chattr", "+i", path).CombinedOutput(); err != nil {
		t.Skipf("cannot make a file immutable here (root and chattr on ext4 are needed; CI has them): %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("chattr", "-i", path).Run() })
	err := CheckTarget(path)
	if err == nil || !strings.Contains(err.Error(), "cannot be replaced") {
		t.Fatalf("an immutable report file: %v, want it refused", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "yesterday's report" {
		t.Errorf("checking the immutable file changed it: %q", b)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("the check left files behind: %v", entries)
	}
}
