package config

import (
	"fmt"

	"voiceid/directory"
	"voiceid/job"
	"voiceid/match"
	"voiceid/salesforce"
)

// Job turns the config into a job's typed options: package job never sees
// the TOML file.
func (c *Config) Job() job.Options {
	return job.Options{
		Providers:  c.providers(),
		Salesforce: c.salesforceConfig(),
		Match:      match.Options{DefaultRegion: c.Match.DefaultRegion, ClearStale: c.Match.ClearStale, FillPhone: c.Salesforce.WritePhone == "fill-empty"},
		Safety:     job.Safety{MaxChanges: c.MaxChanges(), MaxChangeRatio: c.MaxChangeRatio()},
		StatePath:  c.State.Path,
		Network:    c.policy,
		Location:   c.Location(),
		Metrics:    c.Metrics.Textfile,
	}
}

// salesforceConfig is the [salesforce] section as the Salesforce client takes it.
func (c *Config) salesforceConfig() salesforce.Config {
	s := c.Salesforce
	return salesforce.Config{LoginURL: s.LoginURL, Auth: s.Auth, ClientID: s.ClientID, ClientSecret: s.ClientSecret,
		Username: s.Username, PrivateKeyFile: s.PrivateKeyFile, TargetOrg: s.TargetOrg, APIVersion: s.APIVersion,
		BulkThreshold: c.BulkThreshold(), Reserve: c.APIReserve(), BulkPollTimeout: c.BulkPollTimeout()}
}

// section is a provider's config section: whether it is on, its field
// setting, and how its reader is made from it. One line a provider.
type section struct {
	plugin  directory.Plugin
	enabled func(*Config) bool
	field   func(*Config) string
	open    func(*Config, job.Env) job.Directory
	check   func(*Config) (what, fix string) // check's line for the provider's credentials
}

var sections = []section{
	{directory.RingCentralPlugin, (*Config).RingCentralEnabled, func(c *Config) string { return c.Salesforce.RingCentralField }, openRingCentral,
		func(c *Config) (string, string) {
			return "RingCentral sign-in with the JWT credential at " + c.RingCentral.Server, ""
		}},
	{directory.AircallPlugin, (*Config).AircallEnabled, func(c *Config) string { return c.Salesforce.AircallField }, openAircall,
		func(c *Config) (string, string) {
			return "Aircall API key at " + c.Aircall.BaseURL, "check [aircall] api_id and api_token (Company Settings -> API Keys)"
		}},
	{directory.DialpadPlugin, (*Config).DialpadEnabled, func(c *Config) string { return c.Salesforce.DialpadField }, openDialpad,
		func(c *Config) (string, string) {
			return "Dialpad API key at " + c.Dialpad.BaseURL, "check [dialpad] api_key; keys expire: a company admin makes one in Admin Settings -> My Company -> Authentication -> API Keys"
		}},
}

// Credentials is check's line for a provider's credentials: what is checked,
// and what to do when it fails.
func (c *Config) Credentials(p match.Provider) (what, fix string) {
	for _, s := range sections {
		if s.plugin.Name == p {
			return s.check(c)
		}
	}
	return string(p), ""
}

// providers are the enabled providers, in the registry's order.
func (c *Config) providers() []job.Provider {
	var out []job.Provider
	for _, s := range sections {
		if s.enabled(c) {
			out = append(out, job.Provider{Name: s.plugin.Name, Field: s.field(c), Rules: s.plugin.Rules,
				Open: func(e job.Env) job.Directory { return s.open(c, e) }})
		}
	}
	return out
}

func openRingCentral(c *Config, e job.Env) job.Directory {
	rc := c.RingCentral
	return directory.NewRingCentral(directory.RingCentralConfig{Server: rc.Server, ClientID: rc.ClientID,
		ClientSecret: rc.ClientSecret, JWT: rc.JWT, HTTP: e.HTTP, Sleep: e.Sleep})
}

func openAircall(c *Config, e job.Env) job.Directory {
	ac := c.Aircall
	return directory.NewAircall(directory.AircallConfig{BaseURL: ac.BaseURL, APIID: ac.APIID, APIToken: ac.APIToken,
		HTTP: e.HTTP, Sleep: e.Sleep, RequestsPerMinute: c.AircallRequestsPerMinute(),
		Log: func(format string, args ...any) { e.Log.Info(fmt.Sprintf(format, args...)) }})
}

func openDialpad(c *Config, e job.Env) job.Directory {
	return directory.NewDialpad(directory.DialpadConfig{BaseURL: c.Dialpad.BaseURL, APIKey: c.Dialpad.APIKey,
		RequestsPerSecond: c.DialpadRequestsPerSecond(), HTTP: e.HTTP, Sleep: e.Sleep,
		Log: func(format string, args ...any) { e.Log.Info(fmt.Sprintf(format, args...)) }})
}
