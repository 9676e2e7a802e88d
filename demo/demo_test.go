package demo

import (
	"log/slog"
	"strings"
	"testing"
)

func TestDemoRunsDryApplyAndANothingLeftReRun(t *testing.T) {
	var out strings.Builder
	if err := Run(t.Context(), 60, &out, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatalf("demo: %v\n%s", err, out.String())
	}
	for _, want := range []string{"voiceid demo: ", "Salesforce users", "== 1. Dry run", "== 2. Applying run", "fields written, 0 failed",
		"== 3. Nightly re-run", "plans 0 changes"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the demo does not say %q:\n%s", want, out.String())
		}
	}
}

// The fourth act: a new hire after the complete runs is linked by the fast
// lane in every provider that hired them, at fewer calls than a complete run.
func TestDemoFastLaneLinksTheNewHire(t *testing.T) {
	var out strings.Builder
	if err := Run(t.Context(), 60, &out, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatalf("demo: %v\n%s", err, out.String())
	}
	text := out.String()
	act := text[strings.Index(text, "== 4. The fast lane"):]
	for _, want := range []string{"joins Salesforce", "(lane new): 2 fields written", "(email)", "API calls: ", "; a complete run: "} {
		if !strings.Contains(act, want) {
			t.Errorf("the fast lane's act does not say %q:\n%s", want, act)
		}
	}
}
