package cpuprofile

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

func TestStartWritesOneProfilePerProcess(t *testing.T) {
	dir := t.TempDir()
	stop, err := Start(filepath.Join(dir, "cpu-%p.out"))
	if err != nil {
		t.Fatal(err)
	}
	stop()
	file := filepath.Join(dir, "cpu-"+strconv.Itoa(os.Getpid())+".out")
	if st, err := os.Stat(file); err != nil || st.Size() == 0 {
		t.Errorf("no profile named after the process (%v)", err)
	}
}

func TestStartWithoutAPathDoesNothing(t *testing.T) {
	stop, err := Start("")
	if err != nil {
		t.Fatal(err)
	}
	stop()
}
