package state

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"voiceid/match"
)

// SQLite goes on writing to a file that was unlinked or renamed away: a mark
// committed there is no trail at all. MarkSending refuses once the path no
// longer names the file the run opened, so that the batch is not sent.
func TestMarksStopWhenTheStateFileIsRemovedOrReplaced(t *testing.T) {
	for name, swap := range map[string]func(t *testing.T, path string){
		"directory removed": func(t *testing.T, path string) {
			if err := os.RemoveAll(filepath.Dir(path)); err != nil {
				t.Fatal(err)
			}
		},
		"file replaced": func(t *testing.T, path string) {
			other := filepath.Join(filepath.Dir(path), "other.db")
			if err := os.WriteFile(other, nil, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(other, path); err != nil {
				t.Fatal(err)
			}
		},
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "sub", "state.db")
			os.Mkdir(filepath.Dir(path), 0o700)
			db := open(t, path)
			runID, _ := db.StartRun("apply", false)
			ids, err := db.RecordChanges(runID, []Change{{Change: match.Change{UserID: "005A", New: "1"}, Status: match.ChangePlanned}})
			if err != nil {
				t.Fatal(err)
			}
			if err := db.MarkSending(ids); err != nil {
				t.Fatalf("the file in place: %v", err)
			}
			swap(t, path)
			if err := db.MarkSending(ids); !errors.Is(err, ErrReplaced) {
				t.Errorf("after the swap: %v, want ErrReplaced", err)
			}
		})
	}
}
