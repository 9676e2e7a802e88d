package state

import (
	"bytes"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"voiceid/match"
)

func TestReportsAreStoredCompressedAndReadBackWhole(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "voiceid.db"))
	big := []byte(`{"changes":[` + strings.Repeat(`{"salesforce_user_id":"005B00000000001","rule":"email"},`, 20000) + `{}]}`)
	id, err := db.StartRun("apply", true)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.FinishRun(Run{ID: id, Status: "ok", Report: func(w io.Writer) error { _, err := w.Write(big); return err }}); err != nil {
		t.Fatal(err)
	}
	var stored int
	db.db.QueryRow("SELECT length(report) FROM runs WHERE id = ?", id).Scan(&stored)
	if stored == 0 || stored > len(big)/10 {
		t.Errorf("stored %d bytes for a %d-byte report, want it compressed", stored, len(big))
	}
	got, err := db.Report(id)
	if err != nil || !bytes.Equal(got, big) {
		t.Fatalf("read back %d bytes (err %v), want the %d bytes written", len(got), err, len(big))
	}

	// a report stored plain, as before compression, still reads
	old, _ := db.StartRun("apply", false)
	db.db.Exec("UPDATE runs SET status = 'ok', report = ? WHERE id = ?", `{"schema_version":1}`, old)
	if got, err := db.Report(old); err != nil || string(got) != `{"schema_version":1}` {
		t.Errorf("plain report read back as %q, %v", got, err)
	}
	unfinished, _ := db.StartRun("apply", false)
	if _, err := db.Report(unfinished); err == nil || !strings.Contains(err.Error(), "no report") {
		t.Errorf("unfinished run: err = %v, want 'has no report'", err)
	}
}

// A run killed after writing, or one that failed, never records totals: the
// counts come from its changes in the trail.
func TestRunCountsComeFromTheTrail(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "state.db"))
	record := func(n int) (int64, []int64) {
		t.Helper()
		run, ids := plannedRun(t, db, n)
		if err := db.MarkSending(ids); err != nil {
			t.Fatal(err)
		}
		return run, ids
	}
	settle := func(ids []int64, status match.ChangeStatus) {
		t.Helper()
		st, errs := make([]match.ChangeStatus, len(ids)), make([]string, len(ids))
		for i := range st {
			st[i] = status
		}
		if err := db.SetChangeStatus(ids, st, errs); err != nil {
			t.Fatal(err)
		}
	}

	killed, ids := record(400) // 358 applied, 42 in flight, never finished
	settle(ids[:358], "applied")
	failed, ids := record(150) // 120 applied, 30 rejected, then the run failed
	settle(ids[:120], "applied")
	settle(ids[120:], "failed")
	if err := db.FinishRun(Run{ID: failed, Status: "failed", Reason: "conflicts not recorded"}); err != nil {
		t.Fatal(err)
	}
	runs, err := db.Runs(10)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int64]Counts{killed: {Changes: 400, Applied: 358, Sending: 42}, failed: {Changes: 150, Applied: 120, Failed: 30}}
	for _, r := range runs {
		if r.Counts != want[r.ID] {
			t.Errorf("run %d (%s) counts %+v, want %+v", r.ID, r.Status, r.Counts, want[r.ID])
		}
		if c, err := db.CountsOf(r.ID); err != nil || c != want[r.ID] {
			t.Errorf("CountsOf(%d) = %+v, %v", r.ID, c, err)
		}
	}
	if c, err := db.CountsOf(99); err != nil || c != (Counts{}) {
		t.Errorf("a run without changes: %+v, %v", c, err)
	}
}
