package report

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Formats are the report formats by file extension.
var Formats = []string{"txt", "csv", "json", "html"}

// Render writes the report in a format ("txt", "csv", "json").
func (r *Report) Render(w io.Writer, format string, loc *time.Location) error {
	switch format {
	case "json":
		return r.JSON(w)
	case "txt":
		return r.Text(w, TextOptions{Location: loc})
	case "csv":
		return r.CSV(w)
	case "html":
		return r.HTML(w, loc)
	}
	return fmt.Errorf("unknown report format %q (use %s)", format, strings.Join(Formats, ", "))
}

// FormatOf is the format a report file name asks for.
func FormatOf(path string) (string, error) {
	ext := strings.TrimPrefix(strings.ToLower(filepath.Ext(path)), ".")
	for _, f := range Formats {
		if ext == f {
			return f, nil
		}
	}
	return "", fmt.Errorf("report file %s: unknown extension %q (use .%s)", path, ext, strings.Join(Formats, ", ."))
}

// CheckTarget tells, before a run writes anything, whether a report can be
// written at path: a known extension, an existing directory this process can
// create files in, and not a directory itself.
func CheckTarget(path string) error {
	if _, err := FormatOf(path); err != nil {
		return err
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return fmt.Errorf("report file %s is a directory", path)
	}
	dir := filepath.Dir(path)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return fmt.Errorf("report file %s: directory %s does not exist: create it or choose another path", path, dir)
	}
	probe, err := os.CreateTemp(dir, ".voiceid-report-*")
	if err != nil {
		return fmt.Errorf("report file %s: cannot write in %s: %v", path, dir, errors.Unwrap(err))
	}
	probe.Close()
	if err := os.Remove(probe.Name()); err != nil {
		return err
	}
	// WriteFile replaces the file by renaming over it: an immutable file, or
	// one another user owns in a sticky directory, refuses that. Moving the
	// file aside and back asks the same question and keeps its content.
	if _, err := os.Lstat(path); err == nil {
		if err := os.Rename(path, probe.Name()); err != nil {
			return fmt.Errorf("report file %s exists and cannot be replaced: %v (is it immutable, or another user's?)", path, errors.Unwrap(err))
		}
		if err := os.Rename(probe.Name(), path); err != nil {
			return fmt.Errorf("report file %s: moved aside to %s to test it and could not be moved back: %w", path, probe.Name(), err)
		}
	}
	return nil
}

// WriteFile writes the report to path in the format its extension names,
// through a temporary file so that a failed write leaves no half report.
func (r *Report) WriteFile(path string, loc *time.Location) error {
	format, err := FormatOf(path)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".voiceid-report-*")
	if err != nil {
		return fmt.Errorf("report file %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if err := r.Render(tmp, format, loc); err != nil {
		tmp.Close()
		return fmt.Errorf("report file %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("report file %s: %w", path, err)
	}
	return os.Rename(tmp.Name(), path)
}
