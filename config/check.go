package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/agnivade/levenshtein"
	"github.com/robfig/cron/v3"

	"voiceid/internal/httpx"
	"voiceid/match"
	"voiceid/provider"
	"voiceid/salesforce"
)

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
	return &Error{File: c.path, Key: key, Value: value, Problem: problem}
}

// checkProviders: at least one provider is on; each one on has its
// required keys, bare https origins for its base URLs, and passes its own
// checks; and the Salesforce login URL is a bare origin too.
func (c *Config) checkProviders() error {
	var names []string
	on := 0
	for i := range c.Providers {
		p := &c.Providers[i]
		names = append(names, "["+string(p.Name)+"]")
		if !p.On() {
			continue
		}
		on++
		if err := c.checkSection(p); err != nil {
			return err
		}
	}
	if on == 0 {
		return &Error{File: c.path, Problem: "no provider is on: add a " + orList(names) + " section, or remove its enabled = false"}
	}
	if u := c.Salesforce.LoginURL; u != "" {
		if err := checkBaseURL(u); err != nil {
			return c.bad("salesforce.login_url", redactURL(u), err.Error())
		}
		c.Salesforce.LoginURL = strings.TrimRight(u, "/")
	}
	return nil
}

// checkSection checks one provider's section: the keys it declares, then its own rules.
func (c *Config) checkSection(p *Provider) error {
	name := string(p.Name)
	for _, k := range p.Section.Keys() {
		key := name + "." + k.Name
		switch {
		case k.Required && strings.TrimSpace(*k.Value) == "":
			return c.bad(key, "", "required when ["+name+"] is present and enabled (or set enabled = false)")
		case k.URL && *k.Value != "":
			if err := checkBaseURL(*k.Value); err != nil {
				return c.bad(key, redactURL(*k.Value), err.Error())
			}
			*k.Value = strings.TrimRight(*k.Value, "/")
		}
	}
	warnings, err := p.Section.Check()
	for _, w := range warnings {
		c.Warnings = append(c.Warnings, fmt.Sprintf("%s: %s.%s", c.path, name, w))
	}
	var ke *provider.KeyError
	if errors.As(err, &ke) {
		return c.bad(name+"."+ke.Key, ke.Value, ke.Problem)
	}
	return err
}

// orList is "a, b or c".
func orList(items []string) string {
	if n := len(items); n > 1 {
		return strings.Join(items[:n-1], ", ") + " or " + items[n-1]
	}
	return strings.Join(items, "")
}

// checkSalesforce checks the sign-in through the Salesforce client's own rules, then
// the API version and write_phone.
func (c *Config) checkSalesforce() error {
	if c.Salesforce.Auth == "" {
		c.Salesforce.Auth = salesforce.AuthJWT
	}
	if err := salesforce.CheckAuth(c.salesforceConfig()); err != nil {
		var ke *salesforce.KeyError
		if errors.As(err, &ke) {
			return c.bad("salesforce."+ke.Key, ke.Value, ke.Problem)
		}
		return err
	}
	if c.Salesforce.Auth == salesforce.AuthJWT {
		if !filepath.IsAbs(c.Salesforce.PrivateKeyFile) {
			c.Salesforce.PrivateKeyFile = filepath.Join(filepath.Dir(c.path), c.Salesforce.PrivateKeyFile)
		}
		if _, err := os.ReadFile(c.Salesforce.PrivateKeyFile); err != nil {
			return c.bad("salesforce.private_key_file", c.Salesforce.PrivateKeyFile, "cannot be read: "+errors.Unwrap(err).Error())
		}
	}
	v, err := salesforce.NormalizeAPIVersion(c.Salesforce.APIVersion)
	if err != nil {
		return c.bad("salesforce.api_version", c.Salesforce.APIVersion, `write the version as Salesforce does, "65.0" (or "v65.0")`)
	}
	c.Salesforce.APIVersion = v
	if err := salesforce.CheckLoginURL(c.Salesforce.Auth, c.Salesforce.LoginURL); err != nil {
		return c.bad("salesforce.login_url", c.Salesforce.LoginURL, err.Error())
	}
	switch c.Salesforce.WritePhone {
	case "", "off", "fill-empty":
	default:
		return c.bad("salesforce.write_phone", c.Salesforce.WritePhone, "use \"fill-empty\" or leave it empty (off)")
	}
	return nil
}

// checkLimits checks the bulk threshold, the API reserve
// and the Bulk poll deadline.
func (c *Config) checkLimits() error {
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

// Bounds of [network]'s durations: the HTTP client itself never waits more
// than a minute for one answer (httpx.DefaultHTTP), and a longer retry budget
// would let one failing service hold a nightly run for hours.
const (
	MaxRequestTimeout = time.Minute
	MaxRetryBudget    = 30 * time.Minute
)

// checkNetwork parses [network]'s durations into the HTTP policy.
func (c *Config) checkNetwork() error {
	for _, d := range []struct {
		key      string
		raw      string
		to       *time.Duration
		def, max time.Duration
		why      string
	}{
		{"network.request_timeout", c.Network.RequestTimeout, &c.policy.Timeout, httpx.DefaultTimeout, MaxRequestTimeout,
			"the HTTP client never waits longer for one answer"},
		{"network.retry_budget", c.Network.RetryBudget, &c.policy.Budget, httpx.DefaultBudget, MaxRetryBudget,
			"a longer budget lets one failing service hold the run for hours"},
	} {
		if d.raw == "" {
			continue
		}
		v, err := time.ParseDuration(d.raw)
		if err != nil || v <= 0 {
			return c.bad(d.key, d.raw, fmt.Sprintf(`a positive duration such as "20s" or "1m" (default %s)`, d.def))
		}
		if v > d.max {
			return c.bad(d.key, d.raw, fmt.Sprintf("at most %s (%s): write a duration up to %s, or leave it out for the default %s", d.max, d.why, d.max, d.def))
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
	for _, k := range []strField{{"schedule.cron", &c.Schedule.Cron}, {"schedule.fast", &c.Schedule.Fast}} {
		if *k.ptr == "" {
			continue
		}
		if _, err := cron.ParseStandard(*k.ptr); err != nil {
			return c.bad(k.key, *k.ptr, "not a cron expression: "+err.Error())
		}
	}
	if c.Schedule.Fast != "" && c.Schedule.Cron == "" {
		return c.bad("schedule.fast", c.Schedule.Fast, "the fast lane builds on the complete run: set schedule.cron too (e.g. \"30 2 * * *\")")
	}
	return nil
}

// CheckScheduled checks what voiceid schedule needs beyond a single run: a
// sign-in that needs no person, and a cron expression.
func (c *Config) CheckScheduled() error {
	if c.Salesforce.Auth == salesforce.AuthSFCLI { // a nightly job must not hang on a person's CLI session
		return c.bad("salesforce.auth", salesforce.AuthSFCLI,
			"voiceid schedule needs a server-to-server sign-in, not a person's Salesforce CLI session: set auth = \"jwt\" (or \"client_credentials\") for scheduled runs; sf-cli is for an administrator's own runs (sync, check)")
	}
	if c.Schedule.Cron == "" {
		return c.bad("schedule.cron", "", "required by voiceid schedule (e.g. \"30 2 * * *\")")
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
		return fmt.Errorf("not a URL: write the scheme and host, e.g. https://login.salesforce.com")
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

// knownKeys lists every valid key, for "did you mean": voiceid's own
// sections' and each registered provider's.
func (c *Config) knownKeys() []string {
	var out []string
	for name, v := range c.core() {
		for _, k := range keysOf(reflect.TypeOf(v)) {
			out = append(out, name+"."+k)
		}
	}
	for _, p := range c.Providers {
		out = append(out, "salesforce."+p.FieldKey())
		for _, k := range keysOf(reflect.TypeOf(p.Section)) {
			out = append(out, string(p.Name)+"."+k)
		}
	}
	sort.Strings(out)
	return out
}

// suggest names the valid key nearest to a mistyped one.
func (c *Config) suggest(key string) string {
	best, bestD := "", 1<<30
	for _, k := range c.knownKeys() {
		if d := levenshtein.ComputeDistance(key, k); d < bestD {
			best, bestD = k, d
		}
	}
	if bestD <= max(3, len(key)/3) {
		return fmt.Sprintf(" (did you mean %s?)", best)
	}
	return ""
}
