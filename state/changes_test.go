package state

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"voiceid/match"
	"voiceid/provider/ringcentral"
)

// BenchmarkRecordChanges measures writing a backfill's audit trail: 35,000
// changes in one transaction, then their outcomes in batches of 200.
func BenchmarkRecordChanges(b *testing.B) {
	changes := make([]Change, 35_000)
	for i := range changes {
		changes[i] = Change{Change: match.Change{Provider: ringcentral.Name, UserID: fmt.Sprintf("005B%014d", i),
			Username: fmt.Sprintf("user%d@example.com.prod", i), New: fmt.Sprint(62804120004 + i), Rule: match.RuleEmail},
			Field: "cnx__RingCentral_User_Identifier__c", Status: "planned"}
	}
	for b.Loop() {
		db, err := Open(filepath.Join(b.TempDir(), "state.db"))
		if err != nil {
			b.Fatal(err)
		}
		run, _ := db.StartRun("apply", true)
		ids, err := db.RecordChanges(run, changes)
		if err != nil {
			b.Fatal(err)
		}
		for i := 0; i < len(ids); i += 200 {
			end := min(len(ids), i+200)
			st, errs := make([]match.ChangeStatus, end-i), make([]string, end-i)
			for k := range st {
				st[k] = "applied"
			}
			if err := db.SetChangeStatus(ids[i:end], st, errs); err != nil {
				b.Fatal(err)
			}
		}
		db.Close()
	}
}

// plannedRun starts a run with n planned changes and returns their row ids.
func plannedRun(t *testing.T, db *DB, n int) (int64, []int64) {
	t.Helper()
	run, err := db.StartRun("apply", true)
	if err != nil {
		t.Fatal(err)
	}
	cs := make([]Change, n)
	for i := range cs {
		cs[i] = Change{Change: match.Change{Provider: ringcentral.Name, UserID: fmt.Sprintf("005B%014d", i), New: fmt.Sprint(62804120004 + i), Rule: match.RuleEmail},
			Field: "cnx__RingCentral_User_Identifier__c", Status: "planned"}
	}
	ids, err := db.RecordChanges(run, cs)
	if err != nil {
		t.Fatal(err)
	}
	return run, ids
}

// When the file cannot grow, marking a batch "sending" fails with SQLite's
// own error and leaves the batch as it was: the caller must not send it.
func TestMarksFailLoudlyWhenTheFileIsFull(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	db := open(t, path)
	run, ids := plannedRun(t, db, 600)
	db.Close()

	full, err := Open(path, GrowthLimit(0))
	if err != nil {
		t.Fatal(err)
	}
	defer full.Close()
	err = full.MarkSending(ids)
	if err == nil || !strings.Contains(err.Error(), "full") {
		t.Fatalf("marking 600 changes sending in a full file: %v", err)
	}
	if c, _ := full.CountsOf(run); c.Sending != 0 {
		t.Errorf("%d marks of a failed transaction were kept", c.Sending)
	}
	st, errs := make([]match.ChangeStatus, len(ids)), make([]string, len(ids))
	for i := range st {
		st[i], errs[i] = "failed", strings.Repeat("FIELD_CUSTOM_VALIDATION_EXCEPTION: rejected. ", 3)
	}
	if err := full.SetChangeStatus(ids, st, errs); err == nil {
		t.Error("recording outcomes in a full file did not fail")
	}
}

// Marks and outcomes are written a stretch of consecutive ids at a time:
// rows between two stretches, and rows of another run, keep their status.
func TestMarksAndOutcomesTouchOnlyTheNamedRows(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "state.db"))
	other, otherIDs := plannedRun(t, db, 3)
	run, ids := plannedRun(t, db, 10)
	if otherIDs[2]+1 != ids[0] {
		t.Fatalf("ids %v then %v: want one run's ids to follow the other's", otherIDs, ids)
	}
	pick := func(at ...int) []int64 {
		var out []int64
		for _, i := range at {
			out = append(out, ids[i])
		}
		return out
	}
	if err := db.MarkSending(pick(0, 1, 2, 4, 5, 7, 9)); err != nil {
		t.Fatal(err)
	}
	settled := pick(0, 1, 2, 4, 5, 9)
	st := []match.ChangeStatus{match.ChangeApplied, match.ChangeApplied, match.ChangeFailed, match.ChangeApplied, match.ChangeApplied, match.ChangeFailed}
	errs := []string{"", "", "FIELD_INTEGRITY_EXCEPTION", "", "", "INVALID_CROSS_REFERENCE_KEY"}
	if err := db.SetChangeStatus(settled, st, errs); err != nil {
		t.Fatal(err)
	}
	got, err := db.ChangesOf(run)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		status match.ChangeStatus
		err    string
	}{
		{"applied", ""}, {"applied", ""}, {"failed", "FIELD_INTEGRITY_EXCEPTION"}, {"planned", ""}, {"applied", ""},
		{"applied", ""}, {"planned", ""}, {"sending", ""}, {"planned", ""}, {"failed", "INVALID_CROSS_REFERENCE_KEY"},
	}
	for i, w := range want {
		if match.ChangeStatus(got[i].Status) != w.status || got[i].Error != w.err {
			t.Errorf("row %d: %s %q, want %s %q", i, got[i].Status, got[i].Error, w.status, w.err)
		}
	}
	before, err := db.ChangesOf(other)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range before {
		if c.Status != "planned" {
			t.Errorf("the other run's row %d became %s", i, c.Status)
		}
	}
}

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
