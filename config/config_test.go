package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"voiceid/provider/ringcentral"
)

// exampleConfig copies config.example.toml into a temp dir with a key file
// beside it and the environment it refers to.
func exampleConfig(t *testing.T) string {
	t.Helper()
	src, err := os.ReadFile("../config.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, v := range []string{"RINGCENTRAL_CLIENT_ID", "RINGCENTRAL_CLIENT_SECRET", "RINGCENTRAL_JWT",
		"AIRCALL_API_ID", "AIRCALL_API_TOKEN", "SALESFORCE_CLIENT_ID", "DIALPAD_API_KEY"} {
		t.Setenv(v, "value-of-"+v)
	}
	if err := os.WriteFile(filepath.Join(dir, "salesforce.key"), []byte("key"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "voiceid.toml")
	if err := os.WriteFile(path, src, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestExampleConfigLoadsAndDocumentsEveryKey(t *testing.T) {
	path := exampleConfig(t)
	cfg, err := Load(path)
	if err != nil {
		t.Fatalf("config.example.toml does not load: %v", err)
	}
	if rc := cfg.Section(ringcentral.Name).(*ringcentral.Section); rc.ClientSecret != "value-of-RINGCENTRAL_CLIENT_SECRET" {
		t.Errorf("${NAME} not expanded: client_secret = %q", rc.ClientSecret)
	}
	if cfg.MaxChanges() != 500 || cfg.MaxChangeRatio() != 0.2 || cfg.Location().String() != "UTC" {
		t.Errorf("example values not read: %d %v %v", cfg.MaxChanges(), cfg.MaxChangeRatio(), cfg.Location())
	}
	if cfg.BulkPollTimeout() != 30*time.Minute {
		t.Errorf("bulk_poll_timeout = %s, want the example's 30m", cfg.BulkPollTimeout())
	}
	src, _ := os.ReadFile("../config.example.toml")
	section := ""
	documented := map[string]bool{}
	for _, line := range strings.Split(string(src), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "[") {
			section = strings.Trim(line, "[]")
		} else if k, _, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			documented[section+"."+strings.TrimSpace(k)] = true
		}
	}
	for _, k := range cfg.knownKeys() {
		if !documented[k] {
			t.Errorf("config.example.toml does not document %s", k)
		}
	}
}

// badConfig is config.example.toml after edit (and with env's variables
// unset): Load must refuse it with a message that mentions each of want and
// never noValue (a secret).
type badConfig struct {
	name    string
	edit    func(string) string
	env     map[string]string
	want    []string // all must appear in the message
	noValue string   // must not appear (a secret)
}

var badConfigs = []badConfig{
	{name: "unknown key suggests the nearest",
		edit: func(s string) string { return strings.Replace(s, "clear_stale =", "clear_stail =", 1) },
		want: []string{"voiceid.toml", "match.clear_stail", "unknown key", "did you mean match.clear_stale"}},
	{name: "malformed TOML names the line",
		edit: func(s string) string { return strings.Replace(s, `api_version = "65.0"`, `api_version = 65.0"`, 1) },
		want: []string{"voiceid.toml", "line"}},
	{name: "missing environment variable",
		edit: func(s string) string { return s },
		env:  map[string]string{"AIRCALL_API_TOKEN": "\x00unset"},
		want: []string{"aircall.api_token", "AIRCALL_API_TOKEN", "not set"}},
	{name: "plain http to a real host",
		edit: func(s string) string { return strings.Replace(s, "https://api.aircall.io", "http://api.aircall.io", 1) },
		want: []string{"aircall.base_url", "http://api.aircall.io", "https"}},
	{name: "base URL with an API path",
		edit: func(s string) string {
			return strings.Replace(s, `"https://platform.ringcentral.com"`, `"https://platform.ringcentral.com/restapi/v1.0"`, 1)
		},
		want: []string{"ringcentral.server", "/restapi/v1.0", "scheme and host only"}},
	{name: "unknown region",
		edit: func(s string) string { return strings.Replace(s, `default_region = "US"`, `default_region = "XX"`, 1) },
		want: []string{"match.default_region", `"XX"`}},
	{name: "bad cron",
		edit: func(s string) string { return strings.Replace(s, `cron = "30 2 * * *"`, `cron = "every night"`, 1) },
		want: []string{"schedule.cron", "every night"}},
	{name: "bad time zone",
		edit: func(s string) string { return strings.Replace(s, `timezone = "UTC"`, `timezone = "Mars/Olympus"`, 1) },
		want: []string{"schedule.timezone", "Mars/Olympus"}},
	{name: "state directory missing",
		edit: func(s string) string {
			return strings.Replace(s, `path = "voiceid.db"`, `path = "/nonexistent/dir/voiceid.db"`, 1)
		},
		want: []string{"state.path", "/nonexistent/dir", "does not exist"}},
	{name: "unreadable private key",
		edit: func(s string) string { return strings.Replace(s, `"salesforce.key"`, `"missing.key"`, 1) },
		want: []string{"salesforce.private_key_file", "missing.key"}},
	{name: "bad auth",
		edit: func(s string) string { return strings.Replace(s, `auth = "jwt"`, `auth = "password"`, 1) },
		want: []string{"salesforce.auth", "password"}},
	{name: "client credentials on login.salesforce.com",
		edit: func(s string) string {
			s = strings.Replace(s, `client_secret = ""`, `client_secret = "s3cret-value"`, 1)
			return strings.Replace(s, `auth = "jwt"`, `auth = "client_credentials"`, 1)
		},
		want: []string{"salesforce.login_url", "https://login.salesforce.com", "My Domain"}, noValue: "s3cret-value"},
	{name: "api_version that is no version",
		edit: func(s string) string { return strings.Replace(s, `api_version = "65.0"`, `api_version = "65"`, 1) },
		want: []string{"salesforce.api_version", `"65"`, `"65.0"`}},
	{name: "base URL carrying a password is refused and the password never printed",
		edit: func(s string) string {
			return strings.Replace(s, `"https://api.aircall.io"`, `"https://ops:hunter2-pw@api.aircall.io"`, 1)
		},
		want: []string{"aircall.base_url", "user:password@", "api.aircall.io"}, noValue: "hunter2-pw"},
	{name: "request timeout that is no duration",
		edit: func(s string) string {
			return strings.Replace(s, `request_timeout = "20s"`, `request_timeout = "soon"`, 1)
		},
		want: []string{"network.request_timeout", `"soon"`, "20s"}},
	{name: "retry budget of days is bounded",
		edit: func(s string) string { return strings.Replace(s, `retry_budget = "45s"`, `retry_budget = "100h"`, 1) },
		want: []string{"voiceid.toml", "network.retry_budget", `"100h"`, "at most 30m", "45s"}},
	{name: "request timeout past the HTTP client's minute is bounded",
		edit: func(s string) string {
			return strings.Replace(s, `request_timeout = "20s"`, `request_timeout = "10m"`, 1)
		},
		want: []string{"network.request_timeout", `"10m"`, "at most 1m", "20s"}},
	{name: "bulk poll timeout not a duration",
		edit: func(s string) string {
			return strings.Replace(s, `bulk_poll_timeout = "30m"`, `bulk_poll_timeout = "30"`, 1)
		},
		want: []string{"voiceid.toml", "salesforce.bulk_poll_timeout", `"30"`, `"30m"`}},
	{name: "bulk poll timeout not positive",
		edit: func(s string) string {
			return strings.Replace(s, `bulk_poll_timeout = "30m"`, `bulk_poll_timeout = "-5m"`, 1)
		},
		want: []string{"salesforce.bulk_poll_timeout", `"-5m"`, "positive"}},
	{name: "aircall budget not positive",
		edit: func(s string) string {
			return strings.Replace(s, "requests_per_minute = 60", "requests_per_minute = 0", 1)
		},
		want: []string{"aircall.requests_per_minute", `"0"`, "1 or more"}},
	{name: "ratio out of range",
		edit: func(s string) string { return strings.Replace(s, "max_change_ratio = 0.2", "max_change_ratio = 2", 1) },
		want: []string{"safety.max_change_ratio", "between 0 and 1"}},
	{name: "required secret empty is named, never printed",
		edit: func(s string) string { return strings.Replace(s, `jwt = "${RINGCENTRAL_JWT}"`, `jwt = ""`, 1) },
		want: []string{"ringcentral.jwt", "required"}, noValue: "value-of-RINGCENTRAL_CLIENT_SECRET"},
}

func TestConfigErrorsNameFileKeyAndValue(t *testing.T) {
	for _, tc := range badConfigs {
		t.Run(tc.name, func(t *testing.T) {
			path := exampleConfig(t)
			for k, v := range tc.env {
				if v == "\x00unset" {
					os.Unsetenv(k)
				}
			}
			src, _ := os.ReadFile(path)
			if err := os.WriteFile(path, []byte(tc.edit(string(src))), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Load(path)
			if err == nil {
				t.Fatal("bad config accepted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("message %q does not mention %q", err, w)
				}
			}
			if tc.noValue != "" && strings.Contains(err.Error(), tc.noValue) {
				t.Errorf("message prints a secret: %q", err)
			}
			var ce *Error // main exits with the usage status on one (TestConfigErrorsExitWithUsageStatus)
			if !errors.As(err, &ce) {
				t.Errorf("%T is not an *Error: voiceid would not exit with the usage status", err)
			}
		})
	}
}

func TestAPIVersionIsReadInBothSpellings(t *testing.T) {
	for _, v := range []string{"59.0", "v59.0"} {
		path := exampleConfig(t)
		src, _ := os.ReadFile(path)
		os.WriteFile(path, []byte(strings.Replace(string(src), `api_version = "65.0"`, `api_version = "`+v+`"`, 1)), 0o600)
		cfg, err := Load(path)
		if err != nil || cfg.Salesforce.APIVersion != "v59.0" {
			t.Errorf("api_version = %q: %v, read as %q", v, err, cfg.Salesforce.APIVersion)
		}
	}
}

func TestReadableConfigIsWarnedAbout(t *testing.T) {
	path := exampleConfig(t)
	os.Chmod(path, 0o644)
	cfg, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Warnings) != 1 || !strings.Contains(cfg.Warnings[0], "chmod 600") {
		t.Errorf("warnings %q", cfg.Warnings)
	}
	os.Chmod(path, 0o600)
	if cfg, _ = Load(path); len(cfg.Warnings) != 0 {
		t.Errorf("a 0600 file warned: %q", cfg.Warnings)
	}
}

// The bounds of [network] are inclusive: the longest allowed values load.
func TestNetworkDurationsLoadUpToTheirBounds(t *testing.T) {
	path := exampleConfig(t)
	src, _ := os.ReadFile(path)
	edited := strings.NewReplacer(`request_timeout = "20s"`, `request_timeout = "1m"`, `retry_budget = "45s"`, `retry_budget = "30m"`).Replace(string(src))
	if err := os.WriteFile(path, []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if n := cfg.Job().Network; n.Timeout != MaxRequestTimeout || n.Budget != MaxRetryBudget {
		t.Errorf("network policy %+v, want the bounds %s and %s", n, MaxRequestTimeout, MaxRetryBudget)
	}
}

// [schedule] fast is a cron of its own, and builds on the complete run's.
func TestScheduleFastIsACronBesideTheCompleteRuns(t *testing.T) {
	cfg, err := withExample(t, func(s string) string { return s })
	if err != nil || cfg.Schedule.Fast != "*/15 7-19 * * 1-5" {
		t.Fatalf("the example's fast lane: %q, %v", cfg.Schedule.Fast, err)
	}
	for _, tc := range []struct {
		edit func(string) string
		want []string
	}{
		{func(s string) string {
			return strings.Replace(s, `fast = "*/15 7-19 * * 1-5"`, `fast = "every quarter"`, 1)
		},
			[]string{"schedule.fast", `"every quarter"`, "not a cron expression"}},
		{func(s string) string { return strings.Replace(s, `cron = "30 2 * * *"`, `cron = ""`, 1) },
			[]string{"schedule.fast", "builds on the complete run", "schedule.cron"}},
	} {
		_, err := withExample(t, tc.edit)
		for _, w := range tc.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("err %v does not say %q", err, w)
			}
		}
	}
}
