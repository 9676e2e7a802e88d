// Package config is voiceid.toml: it loads the file, expands ${ENV}, checks
// every key (a bad one is an *Error naming the file, the key and the value)
// and turns the result into a job's typed options.
package config

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"time"

	"github.com/BurntSushi/toml"

	"voiceid/internal/httpx"
	"voiceid/job"
	"voiceid/provider"
	"voiceid/provider/all"
	"voiceid/salesforce"
)

// Config is voiceid.toml; config.example.toml documents every key. Each
// provider's section is its plug-in's own (Providers); the rest is voiceid's.
type Config struct {
	Salesforce struct {
		LoginURL        string `toml:"login_url"`
		Auth            string `toml:"auth"`
		ClientID        string `toml:"client_id"`
		ClientSecret    string `toml:"client_secret"`
		Username        string `toml:"username"`
		PrivateKeyFile  string `toml:"private_key_file"`
		TargetOrg       string `toml:"target_org"`
		APIVersion      string `toml:"api_version"`
		WritePhone      string `toml:"write_phone"`
		BulkThreshold   *int   `toml:"bulk_threshold"`
		APIReserve      *int   `toml:"api_reserve"`
		BulkPollTimeout string `toml:"bulk_poll_timeout"`
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
		Fast     string `toml:"fast"` // the fast lane (sync --new); "" leaves it out
		Timezone string `toml:"timezone"`
	} `toml:"schedule"`
	Metrics struct {
		Textfile string `toml:"textfile"`
	} `toml:"metrics"`
	Network struct {
		RequestTimeout string `toml:"request_timeout"`
		RetryBudget    string `toml:"retry_budget"`
	} `toml:"network"`

	// Providers are the registered providers' sections, in the registry's
	// order: present in the file or not.
	Providers []Provider

	path   string
	loc    *time.Location
	policy httpx.Policy // from [network]; zero fields take httpx's defaults
	// pollTimeout is bulk_poll_timeout, parsed (0: the default).
	pollTimeout time.Duration
	// Warnings are problems worth telling that do not stop a run.
	Warnings []string
}

// Error is bad configuration: it names the file, the key and the value.
type Error struct {
	File, Key, Value, Problem string
}

func (e *Error) Error() string {
	switch {
	case e.Key == "":
		return fmt.Sprintf("%s: %s", e.File, e.Problem)
	case e.Value == "":
		return fmt.Sprintf("%s: %s: %s", e.File, e.Key, e.Problem)
	}
	return fmt.Sprintf("%s: %s = %q: %s", e.File, e.Key, e.Value, e.Problem)
}

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// Load reads, expands and checks a config file, with the registered providers.
func Load(path string) (*Config, error) { return LoadWith(path, all.Plugins()) }

// LoadWith is Load with these providers (a test's own plug-in among them).
func LoadWith(path string, plugins []provider.Plugin) (*Config, error) {
	var top map[string]toml.Primitive
	md, err := toml.DecodeFile(path, &top)
	if err != nil {
		var perr toml.ParseError
		if errors.As(err, &perr) {
			return nil, &Error{File: path, Problem: fmt.Sprintf("line %d: %s", perr.Position.Line, perr.Message)}
		}
		if errors.Is(err, os.ErrNotExist) {
			return nil, &Error{File: path, Problem: "no such file (copy config.example.toml, or pass --config FILE)"}
		}
		return nil, &Error{File: path, Problem: err.Error()}
	}
	c := Config{path: path}
	if err := c.decode(md, top, plugins); err != nil {
		return nil, err
	}
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
			return &Error{File: c.path, Key: f.key, Problem: fmt.Sprintf("environment variable %s is not set", missing)}
		}
	}
	return nil
}

type strField struct {
	key string
	ptr *string
}

func (c *Config) strings() []strField {
	out := []strField{
		{"salesforce.login_url", &c.Salesforce.LoginURL}, {"salesforce.auth", &c.Salesforce.Auth},
		{"salesforce.client_id", &c.Salesforce.ClientID}, {"salesforce.client_secret", &c.Salesforce.ClientSecret},
		{"salesforce.username", &c.Salesforce.Username}, {"salesforce.private_key_file", &c.Salesforce.PrivateKeyFile},
		{"salesforce.target_org", &c.Salesforce.TargetOrg}, {"salesforce.api_version", &c.Salesforce.APIVersion},
		{"salesforce.write_phone", &c.Salesforce.WritePhone}, {"salesforce.bulk_poll_timeout", &c.Salesforce.BulkPollTimeout},
		{"match.default_region", &c.Match.DefaultRegion},
		{"state.path", &c.State.Path}, {"schedule.cron", &c.Schedule.Cron}, {"schedule.fast", &c.Schedule.Fast},
		{"schedule.timezone", &c.Schedule.Timezone},
		{"metrics.textfile", &c.Metrics.Textfile},
		{"network.request_timeout", &c.Network.RequestTimeout}, {"network.retry_budget", &c.Network.RetryBudget},
	}
	for i := range c.Providers {
		p := &c.Providers[i]
		out = append(out, strField{"salesforce." + p.FieldKey(), &p.Field})
		if !p.Present {
			continue
		}
		for _, k := range p.Section.Keys() {
			out = append(out, strField{string(p.Name) + "." + k.Name, k.Value})
		}
	}
	return out
}

// MaxChanges is the safety threshold's absolute bound.
func (c *Config) MaxChanges() int { return orDefault(c.Safety.MaxChanges, job.DefaultMaxChanges) }

// MaxChangeRatio is the safety threshold's bound relative to linked users.
func (c *Config) MaxChangeRatio() float64 {
	return orDefault(c.Safety.MaxChangeRatio, job.DefaultMaxChangeRatio)
}

// BulkThreshold is the number of changes above which Bulk API 2.0 writes them.
func (c *Config) BulkThreshold() int {
	return orDefault(c.Salesforce.BulkThreshold, salesforce.DefaultBulkThreshold)
}

// BulkPollTimeout is how long a run waits for a Bulk API 2.0 job to finish.
func (c *Config) BulkPollTimeout() time.Duration {
	if c.pollTimeout == 0 {
		return salesforce.DefaultBulkPollTimeout
	}
	return c.pollTimeout
}

// APIReserve is the part of the daily Salesforce API allowance voiceid leaves to others.
func (c *Config) APIReserve() int {
	return orDefault(c.Salesforce.APIReserve, salesforce.DefaultAPIReserve)
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
