package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"voiceid/sandbox"
)

func TestCheckPassesAndNamesEachFailure(t *testing.T) {
	sb, _ := startTestSandbox(t, 60, 1, "")
	code, out := cli(t, "check", "--config", sb.ConfigPath)
	if code != 0 || strings.Count(out, "✓") != 9 || !strings.Contains(out, "API version 59.0 is served") || strings.Contains(out, "✗") {
		t.Fatalf("check on a good setup: exit %d\n%s", code, out)
	}
	src, _ := os.ReadFile(sb.ConfigPath)
	broken := strings.NewReplacer(`api_token = "sim-aircall-token"`, `api_token = "S3CRET-token-7731"`, `jwt = "sim-rc-jwt-credential"`, `jwt = "S3CRET-jwt-7731"`).Replace(string(src))
	os.WriteFile(sb.ConfigPath, []byte(broken), 0o600)
	sb.Salesforce.FieldsUpdateable = false
	code, out = cli(t, "check", "--config", sb.ConfigPath)
	if code != exitFailure {
		t.Errorf("exit %d, want %d", code, exitFailure)
	}
	for _, want := range []string{"✗ Salesforce field \"RingCentral User Identifier\"", "field-level security", "✗ RingCentral sign-in", "[ringcentral] jwt",
		"✗ Aircall API key", "api_id and api_token", "✓ Salesforce sign-in", "✓ state file", "4 of the checks failed"} {
		if !strings.Contains(out, want) {
			t.Errorf("check output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "S3CRET") {
		t.Errorf("check prints a secret:\n%s", out)
	}
	os.WriteFile(sb.ConfigPath, []byte(string(src)+"\n[match]\ncler_stale = true\n"), 0o600)
	if code, out = cli(t, "check", "--config", sb.ConfigPath); code != exitUsage || !strings.Contains(out, "✗ config") {
		t.Errorf("check with a bad config: %d\n%s", code, out)
	}
}

func TestCheckExplainsEachSalesforceSignInFailure(t *testing.T) {
	for _, tc := range []struct {
		name  string
		spoil func(sb *sandbox.Stack)
		want  []string
	}{
		{"wrong audience", func(sb *sandbox.Stack) { sb.Salesforce.Sandbox = true },
			[]string{"audience is invalid", "https://login.salesforce.com", "test.salesforce.com"}},
		{"unapproved user", func(sb *sandbox.Stack) { replaceIn(sb.ConfigPath, sandbox.SFUsername, "someone@example.com") },
			[]string{"hasn't approved this consumer", "pre-authorized", "someone@example.com"}},
		{"certificate mismatch", func(sb *sandbox.Stack) {
			_, other, _ := sandbox.GenerateKey()
			os.WriteFile(filepath.Join(filepath.Dir(sb.ConfigPath), "salesforce.key"), other, 0o600)
		}, []string{"invalid assertion", "certificate", "private_key_file"}},
		{"clock skew", func(sb *sandbox.Stack) { sb.Salesforce.Now = func() time.Time { return time.Now().Add(time.Hour) } },
			[]string{"expired", "clock"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sb, _ := startTestSandbox(t, 60, 1, "")
			tc.spoil(sb)
			code, out := cli(t, "check", "--config", sb.ConfigPath)
			if code != exitFailure || !strings.Contains(out, "✗ Salesforce sign-in") || !strings.Contains(out, "cause:") {
				t.Fatalf("exit %d\n%s", code, out)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("check output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

func replaceIn(path, old, new string) {
	src, _ := os.ReadFile(path)
	os.WriteFile(path, []byte(strings.ReplaceAll(string(src), old, new)), 0o600)
}

func TestThresholdAbortsBeforeAnyWrite(t *testing.T) {
	sb, _ := startTestSandbox(t, 120, 3, "\n[safety]\nmax_changes = 5\n")
	code, out := cli(t, "sync", "--config", sb.ConfigPath)
	if code != exitAborted {
		t.Fatalf("exit %d, want %d:\n%s", code, exitAborted, out)
	}
	if n := len(sb.Salesforce.Writes()); n != 0 {
		t.Errorf("an aborted run wrote %d values", n)
	}
	for _, want := range []string{"max_changes = 5", "--dry-run", "--yes", "aborted"} {
		if !strings.Contains(out, want) {
			t.Errorf("abort message lacks %q:\n%s", want, out)
		}
	}
	if code, out := cli(t, "sync", "--config", sb.ConfigPath, "--yes"); code != 0 || len(sb.Salesforce.Writes()) == 0 {
		t.Errorf("--yes: exit %d, %d writes\n%s", code, len(sb.Salesforce.Writes()), out)
	}
}

func TestMetricsTextfile(t *testing.T) {
	sb, _ := startTestSandbox(t, 80, 6, "\n[metrics]\ntextfile = \"voiceid.prom\"\n")
	if code, out := cli(t, "sync", "--config", sb.ConfigPath, "--backfill"); code != 0 {
		t.Fatalf("sync: %d %s", code, out)
	}
	f, err := os.Open(filepath.Join(filepath.Dir(sb.ConfigPath), "voiceid.prom"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	parser := expfmt.NewTextParser(model.LegacyValidation)
	families, err := parser.TextToMetricFamilies(f)
	if err != nil {
		t.Fatalf("not the Prometheus text format: %v", err)
	}
	value := func(name string, labels map[string]string) float64 {
		for _, m := range families[name].GetMetric() {
			ok := true
			for _, l := range m.GetLabel() {
				if want, has := labels[l.GetName()]; has && want != l.GetValue() {
					ok = false
				}
			}
			if ok {
				return m.GetGauge().GetValue()
			}
		}
		t.Fatalf("no %s %v", name, labels)
		return 0
	}
	if value("voiceid_last_run_status", map[string]string{"status": "ok"}) != 1 || value("voiceid_last_run_status", map[string]string{"status": "failed"}) != 0 {
		t.Error("last_run_status wrong")
	}
	if value("voiceid_last_run_fields", map[string]string{"state": "applied"}) == 0 {
		t.Error("no applied fields counted")
	}
	if value("voiceid_conflicts", map[string]string{"kind": "shared_number"}) < 1 {
		t.Error("the planted shared numbers are not counted")
	}
	if value("voiceid_api_calls", map[string]string{"service": "salesforce"}) < 3 {
		t.Error("API calls not counted")
	}
}

func TestJSONLogsEndWithOneSummaryLine(t *testing.T) {
	sb, _ := startTestSandbox(t, 60, 6, "")
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"sync", "--config", sb.ConfigPath, "--dry-run", "--log-format", "json"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	summaries := 0
	for _, line := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		if rec["msg"] == "run finished" {
			summaries++
			if rec["status"] != "ok" || rec["changes"] == nil {
				t.Errorf("summary line %v", rec)
			}
		}
	}
	if summaries != 1 {
		t.Errorf("%d summary lines, want 1", summaries)
	}
}
