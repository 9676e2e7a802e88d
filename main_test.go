package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"voiceid/config"
)

// A config error, as config.Load returns it or wrapped, is bad usage (exit 2);
// config's tests check that every bad config is one.
func TestConfigErrorsExitWithUsageStatus(t *testing.T) {
	ce := &config.Error{File: "voiceid.toml", Key: "schedule.cron", Value: "every night", Problem: "not a cron expression"}
	for _, err := range []error{ce, fmt.Errorf("sync: %w", ce)} {
		var stderr strings.Builder
		if code := exitCode(err, &stderr); code != exitUsage || stderr.String() != "voiceid: "+err.Error()+"\n" {
			t.Errorf("%v: exit status %d, want %d; stderr %q", err, code, exitUsage, stderr.String())
		}
	}
}

func TestMissingConfigFileIsUsageError(t *testing.T) {
	var stderr strings.Builder
	code := run(t.Context(), []string{"sync", "--config", filepath.Join(t.TempDir(), "nope.toml")}, io.Discard, &stderr)
	if code != exitUsage || !strings.Contains(stderr.String(), "nope.toml") {
		t.Errorf("exit %d, stderr %q", code, stderr.String())
	}
}

func TestUsageAndHelp(t *testing.T) {
	if code, out := cli(t, "frobnicate"); code != exitUsage || !strings.Contains(out, `unknown command "frobnicate"`) {
		t.Errorf("unknown command: %d %s", code, out)
	}
	if code, out := cli(t); code != exitUsage || !strings.Contains(out, "voiceid sync") {
		t.Errorf("no command: %d %s", code, out)
	}
	for name := range commands {
		code, out := cli(t, name, "--help")
		if code != 0 || !strings.Contains(out, "voiceid "+name) || !strings.Contains(out, "-config") {
			t.Errorf("%s --help: exit %d\n%s", name, code, out)
		}
	}
	if code, out := cli(t, "sync", "--no-such-flag"); code != exitUsage || !strings.Contains(out, "no-such-flag") {
		t.Errorf("bad flag: %d %s", code, out)
	}
}
