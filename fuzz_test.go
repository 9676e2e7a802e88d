package main

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// Any config file gives a config or a ConfigError (exit 2), never a panic.
func FuzzLoadConfig(f *testing.F) {
	src, _ := os.ReadFile("config.example.toml")
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
		_, err := LoadConfig(path)
		var ce *ConfigError
		if err != nil && !errors.As(err, &ce) {
			t.Fatalf("not a ConfigError: %v", err)
		}
	})
}
