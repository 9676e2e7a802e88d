package config

import (
	"os"
	"strings"
	"testing"

	"voiceid/provider/dialpad"
)

// withExample loads config.example.toml after edit.
func withExample(t *testing.T, edit func(string) string) (*Config, error) {
	t.Helper()
	path := exampleConfig(t)
	src, _ := os.ReadFile(path)
	if err := os.WriteFile(path, []byte(edit(string(src))), 0o600); err != nil {
		t.Fatal(err)
	}
	return Load(path)
}

func TestDialpadIsOffWhenItsSectionIsAbsent(t *testing.T) {
	cfg, err := withExample(t, func(s string) string {
		start, end := strings.Index(s, "[dialpad]"), strings.Index(s, "[salesforce]")
		return s[:start] + s[end:]
	})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Enabled(dialpad.Name) || len(cfg.Job().Providers) != 2 {
		t.Errorf("without [dialpad]: enabled %v, %d providers; want off and 2", cfg.Enabled(dialpad.Name), len(cfg.Job().Providers))
	}
}

func TestDialpadSectionIsReadWithItsSecretFromTheEnvironment(t *testing.T) {
	cfg, err := withExample(t, func(s string) string { return s })
	if err != nil {
		t.Fatal(err)
	}
	ps := cfg.Job().Providers
	dp := cfg.Section(dialpad.Name).(*dialpad.Section)
	if !cfg.Enabled(dialpad.Name) || len(ps) != 3 || ps[2].Name != "dialpad" || dp.APIKey != "value-of-DIALPAD_API_KEY" || dp.PerSecond() != 5 {
		t.Errorf("[dialpad]: enabled %v, providers %d, key expanded %v, %d/s", cfg.Enabled(dialpad.Name), len(ps), dp.APIKey == "value-of-DIALPAD_API_KEY", dp.PerSecond())
	}
}

func TestDialpadConfigErrorsNameTheKeyAndTheFix(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(string) string
		want []string
	}{
		{"api_key empty", func(s string) string { return strings.Replace(s, `api_key = "${DIALPAD_API_KEY}"`, `api_key = ""`, 1) },
			[]string{"dialpad.api_key", "required", "enabled = false"}},
		{"budget of nothing", func(s string) string {
			return strings.Replace(s, "requests_per_second = 5", "requests_per_second = 0", 1)
		}, []string{"dialpad.requests_per_second", `"0"`, "1 or more"}},
		{"base URL with the API path", func(s string) string {
			return strings.Replace(s, `"https://dialpad.com"`, `"https://dialpad.com/api/v2"`, 1)
		}, []string{"dialpad.base_url", "scheme and host only"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := withExample(t, tc.edit)
			if err == nil {
				t.Fatal("bad config accepted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("message %q does not mention %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "value-of-DIALPAD_API_KEY") {
				t.Errorf("message prints the key: %q", err)
			}
		})
	}
}

func TestDialpadBudgetAboveItsLimitIsWarnedAbout(t *testing.T) {
	cfg, err := withExample(t, func(s string) string {
		return strings.Replace(s, "requests_per_second = 5", "requests_per_second = 50", 1)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Warnings) != 1 || !strings.Contains(cfg.Warnings[0], "dialpad.requests_per_second = 50") || !strings.Contains(cfg.Warnings[0], "20 per second") {
		t.Errorf("warnings %q", cfg.Warnings)
	}
}

// One rule for every provider: on when its section is present and does not
// say enabled = false. A file that names no provider at all says which
// sections would turn one on.
func TestEveryProviderIsOnWhenItsSectionIsPresentAndNotDisabled(t *testing.T) {
	cut := func(s, section string) string {
		start := strings.Index(s, "["+section+"]")
		end := start + 1 + strings.Index(s[start+1:], "\n[")
		return s[:start] + s[end+1:]
	}
	cfg, err := withExample(t, func(s string) string { return cut(cut(s, "ringcentral"), "aircall") })
	if err != nil {
		t.Fatal(err)
	}
	if ps := cfg.Job().Providers; len(ps) != 1 || ps[0].Name != "dialpad" || cfg.Enabled("ringcentral") || cfg.Enabled("aircall") {
		t.Errorf("with only [dialpad]: providers %v", ps)
	}
	cfg, err = withExample(t, func(s string) string {
		return strings.Replace(cut(s, "dialpad"), "[aircall]\nenabled = true", "[aircall]\nenabled = false", 1)
	})
	if err != nil {
		t.Fatal(err)
	}
	if ps := cfg.Job().Providers; len(ps) != 1 || ps[0].Name != "ringcentral" {
		t.Errorf("with [aircall] disabled and [dialpad] absent: providers %v", ps)
	}
	_, err = withExample(t, func(s string) string { return cut(cut(cut(s, "ringcentral"), "aircall"), "dialpad") })
	if err == nil || !strings.Contains(err.Error(), "no provider is on") || !strings.Contains(err.Error(), "[ringcentral], [aircall] or [dialpad]") {
		t.Errorf("no provider section: %v", err)
	}
}
