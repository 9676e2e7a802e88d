package main

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/agnivade/levenshtein"
	"github.com/robfig/cron/v3"

	"voiceid/directory"
	"voiceid/internal/httpx"
	"voiceid/job"
	"voiceid/match"
	"voiceid/writer"
)

// Config is voiceid.toml; config.example.toml documents every key.
type Config struct {
	RingCentral struct {
		Server       string `toml:"server"`
		ClientID     string `toml:"client_id"`
		ClientSecret string `toml:"client_secret"`
		JWT          string `toml:"jwt"`
		Enabled      *bool  `toml:"enabled"`
	} `toml:"ringcentral"`
	Aircall struct {
		BaseURL  string `toml:"base_url"`
		APIID    string `toml:"api_id"`
		APIToken string `toml:"api_token"`
		Enabled  *bool  `toml:"enabled"`
		// RequestsPerMinute is voiceid's part of the company's Aircall budget.
		RequestsPerMinute *int `toml:"requests_per_minute"`
	} `toml:"aircall"`
	// Dialpad is off unless its section is present: configs written before
	// Dialpad support keep working unchanged (SPEC).
	Dialpad struct {
		BaseURL           string `toml:"base_url"`
		APIKey            string `toml:"api_key"`
		Enabled           *bool  `toml:"enabled"`
		RequestsPerSecond *int   `toml:"requests_per_second"`
	} `toml:"dialpad"`
	Salesforce struct {
		LoginURL         string `toml:"login_url"`
		Auth             string `toml:"auth"`
		ClientID         string `toml:"client_id"`
		ClientSecret     string `toml:"client_secret"`
		Username         string `toml:"username"`
		PrivateKeyFile   string `toml:"private_key_file"`
		TargetOrg        string `toml:"target_org"`
		APIVersion       string `toml:"api_version"`
		RingCentralField string `toml:"ringcentral_field"`
		AircallField     string `toml:"aircall_field"`
		DialpadField     string `toml:"dialpad_field"`
		WritePhone       string `toml:"write_phone"`
		BulkThreshold    *int   `toml:"bulk_threshold"`
		APIReserve       *int   `toml:"api_reserve"`
		BulkPollTimeout  string `toml:"bulk_poll_timeout"`
	} `toml:"salesforce"`
	Match struct {
		DefaultRegion string `toml:"default_region"`
		ClearStale    bool   `toml:"clear_stale"`
	} `toml:"match"`
	Safety struct {
		MaxChanges     *int     `toml:"max_changes"`
		MaxChangeRatio *float64 `toml:"max_change_ratio"`
	} `toml:"safety"`
	State struct {
		Path string `toml:"path"`
	} `toml:"state"`
	Schedule struct {
		Cron     string `toml:"cron"`
		Timezone string `toml:"timezone"`
	} `toml:"schedule"`
	Metrics struct {
		Textfile string `toml:"textfile"`
	} `toml:"metrics"`
	Network struct {
		RequestTimeout string `toml:"request_timeout"`
		RetryBudget    string `toml:"retry_budget"`
	} `toml:"network"`

	path       string
	dialpadSet bool // the file has a [dialpad] section
	loc        *time.Location
	policy     httpx.Policy // from [network]; zero fields take httpx's defaults
	// pollTimeout is bulk_poll_timeout, parsed (0: the default).
	pollTimeout time.Duration
	// Warnings are problems worth telling that do not stop a run.
	Warnings []string
}

// ConfigError is bad configuration: it names the file, the key and the value.
type ConfigError struct {
	File, Key, Value, Problem string
}

func (e *ConfigError) Error() string {
	switch {
	case e.Key == "":
		return fmt.Sprintf("%s: %s", e.File, e.Problem)
	case e.Value == "":
		return fmt.Sprintf("%s: %s: %s", e.File, e.Key, e.Problem)
	}
	return fmt.Sprintf("%s: %s = %q: %s", e.File, e.Key, e.Value, e.Problem)
}

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// LoadConfig reads, expands and checks a config file.
func LoadConfig(path string) (*Config, error) {
	var c Config
	md, err := toml.DecodeFile(path, &c)
	if err != nil {
		var perr toml.ParseError
		if errors.As(err, &perr) {
			return nil, &ConfigError{File: path, Problem: fmt.Sprintf("line %d: %s", perr.Position.Line, perr.Message)}
		}
		if errors.Is(err, os.ErrNotExist) {
			return nil, &ConfigError{File: path, Problem: "no such file (copy config.example.toml, or pass --config FILE)"}
		}
		return nil, &ConfigError{File: path, Problem: err.Error()}
	}
	if und := md.Undecoded(); len(und) > 0 {
		key := und[0].String()
		return nil, &ConfigError{File: path, Key: key, Problem: "unknown key" + suggest(key)}
	}
	c.path = path
	c.dialpadSet = md.IsDefined("dialpad")
	if err := c.expand(); err != nil {
		return nil, err
	}
	if err := c.check(); err != nil {
		return nil, err
	}
	if st, err := os.Stat(path); err == nil && st.Mode().Perm()&0o077 != 0 {
		c.Warnings = append(c.Warnings, fmt.Sprintf("%s is readable by other users (mode %v) and may hold secrets: chmod 600 %s", path, st.Mode().Perm(), path))
	}
	return &c, nil
}

// expand replaces ${NAME} in every string value with the environment variable.
func (c *Config) expand() error {
	for _, f := range c.strings() {
		var missing string
		*f.ptr = envRef.ReplaceAllStringFunc(*f.ptr, func(ref string) string {
			name := envRef.FindStringSubmatch(ref)[1]
			v, ok := os.LookupEnv(name)
			if !ok && missing == "" {
				missing = name
			}
			return v
		})
		if missing != "" {
			return &ConfigError{File: c.path, Key: f.key, Problem: fmt.Sprintf("environment variable %s is not set", missing)}
		}
	}
	return nil
}

type strField struct {
	key string
	ptr *string
}

func (c *Config) strings() []strField {
	return []strField{
		{"ringcentral.server", &c.RingCentral.Server}, {"ringcentral.client_id", &c.RingCentral.ClientID},
		{"ringcentral.client_secret", &c.RingCentral.ClientSecret}, {"ringcentral.jwt", &c.RingCentral.JWT},
		{"aircall.base_url", &c.Aircall.BaseURL}, {"aircall.api_id", &c.Aircall.APIID}, {"aircall.api_token", &c.Aircall.APIToken},
		{"salesforce.login_url", &c.Salesforce.LoginURL}, {"salesforce.auth", &c.Salesforce.Auth},
		{"salesforce.client_id", &c.Salesforce.ClientID}, {"salesforce.client_secret", &c.Salesforce.ClientSecret},
		{"salesforce.username", &c.Salesforce.Username}, {"salesforce.private_key_file", &c.Salesforce.PrivateKeyFile},
		{"salesforce.target_org", &c.Salesforce.TargetOrg},
		{"salesforce.api_version", &c.Salesforce.APIVersion}, {"salesforce.ringcentral_field", &c.Salesforce.RingCentralField},
		{"salesforce.aircall_field", &c.Salesforce.AircallField}, {"salesforce.write_phone", &c.Salesforce.WritePhone},
		{"salesforce.bulk_poll_timeout", &c.Salesforce.BulkPollTimeout},
		{"dialpad.base_url", &c.Dialpad.BaseURL}, {"dialpad.api_key", &c.Dialpad.APIKey}, {"salesforce.dialpad_field", &c.Salesforce.DialpadField},
		{"match.default_region", &c.Match.DefaultRegion},
		{"state.path", &c.State.Path}, {"schedule.cron", &c.Schedule.Cron}, {"schedule.timezone", &c.Schedule.Timezone},
		{"metrics.textfile", &c.Metrics.Textfile},
		{"network.request_timeout", &c.Network.RequestTimeout}, {"network.retry_budget", &c.Network.RetryBudget},
	}
}

// RingCentralEnabled is true unless the section says enabled = false.
func (c *Config) RingCentralEnabled() bool {
	return c.RingCentral.Enabled == nil || *c.RingCentral.Enabled
}

// AircallEnabled is true unless the section says enabled = false.
func (c *Config) AircallEnabled() bool { return c.Aircall.Enabled == nil || *c.Aircall.Enabled }

// AircallRequestsPerMinute is voiceid's Aircall budget (default 60).
func (c *Config) AircallRequestsPerMinute() int {
	return orDefault(c.Aircall.RequestsPerMinute, directory.DefaultAircallRequestsPerMinute)
}

// DialpadEnabled is true when the file has a [dialpad] section that does not say enabled = false.
func (c *Config) DialpadEnabled() bool {
	return c.dialpadSet && (c.Dialpad.Enabled == nil || *c.Dialpad.Enabled)
}

// DialpadRequestsPerSecond is voiceid's Dialpad budget (default 5).
func (c *Config) DialpadRequestsPerSecond() int {
	return orDefault(c.Dialpad.RequestsPerSecond, directory.DefaultDialpadRequestsPerSecond)
}

// checkDialpad checks the [dialpad] section when it is on.
func (c *Config) checkDialpad() error {
	if !c.DialpadEnabled() {
		return nil
	}
	for _, f := range []strField{{"dialpad.base_url", &c.Dialpad.BaseURL}, {"dialpad.api_key", &c.Dialpad.APIKey}} {
		if strings.TrimSpace(*f.ptr) == "" {
			return &ConfigError{File: c.path, Key: f.key, Problem: "required when [dialpad] is present and enabled (or set enabled = false)"}
		}
	}
	if err := checkBaseURL(c.Dialpad.BaseURL); err != nil {
		return &ConfigError{File: c.path, Key: "dialpad.base_url", Value: redactURL(c.Dialpad.BaseURL), Problem: err.Error()}
	}
	c.Dialpad.BaseURL = strings.TrimRight(c.Dialpad.BaseURL, "/")
	if n := c.Dialpad.RequestsPerSecond; n != nil && *n <= 0 {
		return &ConfigError{File: c.path, Key: "dialpad.requests_per_second", Value: fmt.Sprint(*n),
			Problem: "must be 1 or more (default 5; Dialpad allows 20 per second per company, shared by every integration); leave it out for the default"}
	} else if n != nil && *n > 20 {
		c.Warnings = append(c.Warnings, fmt.Sprintf("%s: dialpad.requests_per_second = %d is above Dialpad's 20 per second per company: keep it only if Dialpad raised your company's limit (voiceid backs off on 429)", c.path, *n))
	}
	return nil
}

// MaxChanges is the safety threshold's absolute bound.
func (c *Config) MaxChanges() int { return orDefault(c.Safety.MaxChanges, job.DefaultMaxChanges) }

// MaxChangeRatio is the safety threshold's bound relative to linked users.
func (c *Config) MaxChangeRatio() float64 {
	return orDefault(c.Safety.MaxChangeRatio, job.DefaultMaxChangeRatio)
}

// BulkThreshold is the number of changes above which Bulk API 2.0 writes them.
func (c *Config) BulkThreshold() int {
	return orDefault(c.Salesforce.BulkThreshold, writer.DefaultBulkThreshold)
}

// BulkPollTimeout is how long a run waits for a Bulk API 2.0 job to finish.
func (c *Config) BulkPollTimeout() time.Duration {
	if c.pollTimeout == 0 {
		return writer.DefaultBulkPollTimeout
	}
	return c.pollTimeout
}

// APIReserve is the part of the daily Salesforce API allowance voiceid leaves to others.
func (c *Config) APIReserve() int {
	return orDefault(c.Salesforce.APIReserve, writer.DefaultAPIReserve)
}

func orDefault[T any](v *T, def T) T {
	if v == nil {
		return def
	}
	return *v
}

// Location is the schedule and report time zone.
func (c *Config) Location() *time.Location {
	if c.loc == nil {
		return time.UTC
	}
	return c.loc
}

// check validates the config and fills in what it derives (defaults,
// absolute paths, parsed durations); each part stops at its first problem.
func (c *Config) check() error {
	for _, part := range []func() error{c.checkProviders, c.checkSalesforce, c.checkLimits, c.checkMatch,
		c.checkPaths, c.checkNetwork, c.checkSchedule} {
		if err := part(); err != nil {
			return err
		}
	}
	return nil
}

// bad is a problem with one key's value.
func (c *Config) bad(key, value, problem string) error {
	return &ConfigError{File: c.path, Key: key, Value: value, Problem: problem}
}

// checkProviders: at least one directory is on, each one on has its
// credentials, and every base URL is a bare https origin.
func (c *Config) checkProviders() error {
	if !c.RingCentralEnabled() && !c.AircallEnabled() && !c.DialpadEnabled() {
		return &ConfigError{File: c.path, Problem: "both [ringcentral] and [aircall] are disabled and [dialpad] is absent or disabled: nothing to do"}
	}
	if err := c.checkDialpad(); err != nil {
		return err
	}
	need := func(section string, enabled bool, fields ...strField) error {
		if !enabled {
			return nil
		}
		for _, f := range fields {
			if strings.TrimSpace(*f.ptr) == "" {
				return c.bad(f.key, "", "required when ["+section+"] is enabled")
			}
		}
		return nil
	}
	if err := need("ringcentral", c.RingCentralEnabled(), strField{"ringcentral.server", &c.RingCentral.Server},
		strField{"ringcentral.client_id", &c.RingCentral.ClientID}, strField{"ringcentral.client_secret", &c.RingCentral.ClientSecret},
		strField{"ringcentral.jwt", &c.RingCentral.JWT}); err != nil {
		return err
	}
	if err := need("aircall", c.AircallEnabled(), strField{"aircall.base_url", &c.Aircall.BaseURL},
		strField{"aircall.api_id", &c.Aircall.APIID}, strField{"aircall.api_token", &c.Aircall.APIToken}); err != nil {
		return err
	}
	for _, u := range []strField{{"ringcentral.server", &c.RingCentral.Server}, {"aircall.base_url", &c.Aircall.BaseURL},
		{"salesforce.login_url", &c.Salesforce.LoginURL}} {
		if *u.ptr == "" {
			continue
		}
		if err := checkBaseURL(*u.ptr); err != nil {
			return c.bad(u.key, redactURL(*u.ptr), err.Error())
		}
		*u.ptr = strings.TrimRight(*u.ptr, "/")
	}
	return nil
}

// checkSalesforce checks the sign-in through the writer's own rules, then
// the API version and write_phone.
func (c *Config) checkSalesforce() error {
	if c.Salesforce.Auth == "" {
		c.Salesforce.Auth = writer.AuthJWT
	}
	if err := writer.CheckAuth(c.writerConfig()); err != nil {
		var ke *writer.KeyError
		if errors.As(err, &ke) {
			return c.bad("salesforce."+ke.Key, ke.Value, ke.Problem)
		}
		return err
	}
	if c.Salesforce.Auth == writer.AuthJWT {
		if !filepath.IsAbs(c.Salesforce.PrivateKeyFile) {
			c.Salesforce.PrivateKeyFile = filepath.Join(filepath.Dir(c.path), c.Salesforce.PrivateKeyFile)
		}
		if _, err := os.ReadFile(c.Salesforce.PrivateKeyFile); err != nil {
			return c.bad("salesforce.private_key_file", c.Salesforce.PrivateKeyFile, "cannot be read: "+errors.Unwrap(err).Error())
		}
	}
	v, err := writer.NormalizeAPIVersion(c.Salesforce.APIVersion)
	if err != nil {
		return c.bad("salesforce.api_version", c.Salesforce.APIVersion, `write the version as Salesforce does, "65.0" (or "v65.0")`)
	}
	c.Salesforce.APIVersion = v
	if err := writer.CheckLoginURL(c.Salesforce.Auth, c.Salesforce.LoginURL); err != nil {
		return c.bad("salesforce.login_url", c.Salesforce.LoginURL, err.Error())
	}
	switch c.Salesforce.WritePhone {
	case "", "off", "fill-empty":
	default:
		return c.bad("salesforce.write_phone", c.Salesforce.WritePhone, "use \"fill-empty\" or leave it empty (off)")
	}
	return nil
}

// checkLimits checks the request budget, the bulk threshold, the API reserve
// and the Bulk poll deadline.
func (c *Config) checkLimits() error {
	if n := c.Aircall.RequestsPerMinute; n != nil && *n <= 0 {
		return c.bad("aircall.requests_per_minute", fmt.Sprint(*n), fmt.Sprintf(
			"must be 1 or more (default %d, half of Aircall's 120 per company); leave it out for the default", directory.DefaultAircallRequestsPerMinute))
	}
	for _, n := range []struct {
		key string
		v   *int
	}{{"salesforce.bulk_threshold", c.Salesforce.BulkThreshold}, {"salesforce.api_reserve", c.Salesforce.APIReserve}} {
		if n.v != nil && *n.v < 0 {
			return c.bad(n.key, fmt.Sprint(*n.v), "must be 0 or more")
		}
	}
	if v := c.Salesforce.BulkPollTimeout; v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return c.bad("salesforce.bulk_poll_timeout", v, "not a positive duration: write it like \"30m\" or \"1h30m\" (default 30m)")
		}
		c.pollTimeout = d
	}
	return nil
}

// checkMatch checks the default region and the safety threshold.
func (c *Config) checkMatch() error {
	if c.Match.DefaultRegion == "" {
		c.Match.DefaultRegion = "US"
	}
	if !match.ValidRegion(c.Match.DefaultRegion) {
		return c.bad("match.default_region", c.Match.DefaultRegion, "not an ISO 3166 region code with a phone numbering plan (US, GB, FR, ...)")
	}
	if n := c.MaxChanges(); n < 0 {
		return c.bad("safety.max_changes", fmt.Sprint(n), "must be 0 or more")
	}
	if r := c.MaxChangeRatio(); r < 0 || r > 1 {
		return c.bad("safety.max_change_ratio", fmt.Sprint(r), "must be between 0 and 1")
	}
	return nil
}

// checkPaths makes the state and metrics files absolute (relative to the
// config file) and checks their directories exist.
func (c *Config) checkPaths() error {
	if c.State.Path == "" {
		c.State.Path = "voiceid.db"
	}
	if !filepath.IsAbs(c.State.Path) {
		c.State.Path = filepath.Join(filepath.Dir(c.path), c.State.Path)
	}
	if dir := filepath.Dir(c.State.Path); !isDir(dir) {
		return c.bad("state.path", c.State.Path, "directory "+dir+" does not exist")
	}
	if m := c.Metrics.Textfile; m != "" {
		if !filepath.IsAbs(m) {
			c.Metrics.Textfile = filepath.Join(filepath.Dir(c.path), m)
		}
		if dir := filepath.Dir(c.Metrics.Textfile); !isDir(dir) {
			return c.bad("metrics.textfile", m, "directory "+dir+" does not exist")
		}
	}
	return nil
}

// checkNetwork parses [network]'s durations into the HTTP policy.
func (c *Config) checkNetwork() error {
	for _, d := range []struct {
		key string
		raw string
		to  *time.Duration
	}{{"network.request_timeout", c.Network.RequestTimeout, &c.policy.Timeout}, {"network.retry_budget", c.Network.RetryBudget, &c.policy.Budget}} {
		if d.raw == "" {
			continue
		}
		v, err := time.ParseDuration(d.raw)
		if err != nil || v <= 0 {
			return c.bad(d.key, d.raw, `a positive duration such as "20s" or "1m"`)
		}
		*d.to = v
	}
	return nil
}

// checkSchedule loads the time zone and parses the cron expression.
func (c *Config) checkSchedule() error {
	c.loc = time.UTC
	if tz := c.Schedule.Timezone; tz != "" {
		loc, err := time.LoadLocation(tz)
		if err != nil {
			return c.bad("schedule.timezone", tz, "not an IANA time zone (Europe/Paris, America/New_York, UTC)")
		}
		c.loc = loc
	}
	if c.Schedule.Cron != "" {
		if _, err := cron.ParseStandard(c.Schedule.Cron); err != nil {
			return c.bad("schedule.cron", c.Schedule.Cron, "not a cron expression: "+err.Error())
		}
	}
	return nil
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// checkBaseURL accepts scheme://host[:port] only, HTTPS except on loopback.
func checkBaseURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("not a URL: write the scheme and host, e.g. https://platform.ringcentral.com")
	}
	if u.User != nil {
		return fmt.Errorf("a base URL must not carry a user or password (user:password@): credentials belong in their own keys, which may read ${ENV}")
	}
	if p := strings.TrimRight(u.Path, "/"); p != "" || u.RawQuery != "" {
		return fmt.Errorf("a base URL is the scheme and host only: drop %q (voiceid adds the API path itself)", p+u.RawQuery)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return fmt.Errorf("must use https (plain http is allowed only for loopback simulators)")
		}
	default:
		return fmt.Errorf("scheme %q: use https", u.Scheme)
	}
	return nil
}

// redactURL hides the password of a URL written with one, so that an error
// naming the value never prints it.
func redactURL(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.User != nil {
		return u.Redacted()
	}
	if at := strings.LastIndex(raw, "@"); at >= 0 {
		return "xxxxx" + raw[at:] // unparsable, but it may still hold a secret before the @
	}
	return raw
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// knownKeys lists every valid key, for "did you mean".
func knownKeys() []string {
	var c Config
	var out []string
	for _, f := range c.strings() {
		out = append(out, f.key)
	}
	out = append(out, "ringcentral.enabled", "aircall.enabled", "match.clear_stale", "safety.max_changes", "safety.max_change_ratio",
		"salesforce.bulk_threshold", "salesforce.api_reserve", "aircall.requests_per_minute",
		"dialpad.enabled", "dialpad.requests_per_second")
	sort.Strings(out)
	return out
}

// suggest names the valid key nearest to a mistyped one.
func suggest(key string) string {
	best, bestD := "", 1<<30
	for _, k := range knownKeys() {
		if d := levenshtein.ComputeDistance(key, k); d < bestD {
			best, bestD = k, d
		}
	}
	if bestD <= max(3, len(key)/3) {
		return fmt.Sprintf(" (did you mean %s?)", best)
	}
	return ""
}
