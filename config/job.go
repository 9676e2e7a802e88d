package config

import (
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

// Credentials is check's line for a provider's credentials: what is checked,
// and what to do when it fails.
func (c *Config) Credentials(name match.Provider) (what, fix string) {
	if p, ok := c.provider(name); ok && p.Present {
		return p.Section.Credentials()
	}
	return string(name), ""
}

// providers are the providers that take part, in the registry's order.
func (c *Config) providers() []job.Provider {
	var out []job.Provider
	for _, p := range c.Providers {
		if p.On() {
			out = append(out, job.Provider{Info: p.Info, Field: p.Field, Open: p.Section.Open})
		}
	}
	return out
}
