package match

import (
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// match must stay plain data in, plain data out: no network, files, SQL or clocks.
func TestMatchDoesNoIO(t *testing.T) {
	forbidden := []string{"net", "os", "io", "database/sql", "time", "log", "voiceid/state", "voiceid/salesforce", "voiceid/report", "voiceid/sandbox"}
	files, _ := filepath.Glob("*.go")
	checked := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		ast, err := parser.ParseFile(token.NewFileSet(), f, src, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range ast.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			for _, bad := range forbidden {
				if path == bad || strings.HasPrefix(path, bad+"/") {
					t.Errorf("%s imports %s: match must not do I/O", f, path)
				}
			}
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("no source files checked")
	}
}

// The direct imports above are not enough: a domain type imported from an
// I/O package once pulled net/http into match through it. Every package match
// depends on, transitively, is checked too.
func TestMatchDependsOnNoIOPackageTransitively(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	deps := strings.Fields(string(out))
	if !slices.Contains(deps, "github.com/nyaruka/phonenumbers") {
		t.Fatalf("go list -deps did not list match's dependencies: %q", deps)
	}
	for _, d := range deps {
		switch {
		case d == "net" || strings.HasPrefix(d, "net/"), d == "crypto/tls", d == "database/sql", d == "os/exec", d == "os/signal",
			strings.HasPrefix(d, "voiceid/") && d != "voiceid/match", strings.HasPrefix(d, "modernc.org/"):
			t.Errorf("match depends on %s: it must do no I/O, not even through another package", d)
		}
	}
}
