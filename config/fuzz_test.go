package config

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// Any config file gives a config or an *Error (exit 2), never a panic.
func FuzzLoad(f *testing.F) {
	src, _ := os.ReadFile("../config.example.toml")
	f.Add(string(src))
	f.Add("[ringcentral]\nserver = 5\n")
	f.Add("[[salesforce]]\n")
	f.Add("[safety]\nmax_change_ratio = nan\n")
	f.Add("[state]\npath = \"${HOME}/x\"\n")
	f.Fuzz(func(t *testing.T, text string) {
		path := filepath.Join(t.TempDir(), "voiceid.toml")
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := Load(path)
		var ce *Error
		if err != nil && !errors.As(err, &ce) {
			t.Fatalf("not an *Error: %v", err)
		}
	})
}
