// Package aircall is voiceid's Aircall plug-in: its [aircall] section, the
// reader of the company's users and the numbers assigned to them (paced to
// a share of the company's budget), and its metadata. The API facts it holds
// to are in docs/providers/aircall.md.
package aircall

import (
	"fmt"

	"voiceid/match"
	"voiceid/provider"
)

// Name is the provider's key: its config section, its pin flag, its report keys.
const Name match.Provider = "aircall"

// Info: Aircall users have no extension numbers (docs/providers/aircall.md).
var Info = provider.Info{Name: Name, Title: "Aircall", Label: "Aircall User Identifier"}

// Plugin is Aircall as voiceid's registry lists it.
func Plugin() provider.Plugin {
	return provider.Plugin{Info: Info, NewSection: func() provider.Section { return &Section{} }}
}

// Section is the [aircall] section of voiceid.toml.
type Section struct {
	provider.Switch
	BaseURL  string `toml:"base_url"` // https://api.aircall.io
	APIID    string `toml:"api_id"`
	APIToken string `toml:"api_token"`
	// RequestsPerMinute is voiceid's part of the company's budget (default 60).
	RequestsPerMinute *int `toml:"requests_per_minute"`
}

// Keys are its string settings, all required.
func (s *Section) Keys() []provider.Key {
	return []provider.Key{{Name: "base_url", Value: &s.BaseURL, Required: true, URL: true},
		{Name: "api_id", Value: &s.APIID, Required: true}, {Name: "api_token", Value: &s.APIToken, Required: true, Secret: true}}
}

// Check bounds the request budget.
func (s *Section) Check() ([]string, error) {
	if n := s.RequestsPerMinute; n != nil && *n <= 0 {
		return nil, &provider.KeyError{Key: "requests_per_minute", Value: fmt.Sprint(*n), Problem: fmt.Sprintf(
			"must be 1 or more (default %d, half of Aircall's 120 per company); leave it out for the default", DefaultRequestsPerMinute)}
	}
	return nil, nil
}

// PerMinute is voiceid's Aircall budget.
func (s *Section) PerMinute() int {
	if s.RequestsPerMinute == nil {
		return DefaultRequestsPerMinute
	}
	return *s.RequestsPerMinute
}

// Open makes the reader.
func (s *Section) Open(e provider.Env) provider.Directory {
	cfg := Config{BaseURL: s.BaseURL, APIID: s.APIID, APIToken: s.APIToken, HTTP: e.HTTP, Sleep: e.Sleep, RequestsPerMinute: s.PerMinute()}
	if e.Log != nil {
		cfg.Log = func(format string, args ...any) { e.Log.Info(fmt.Sprintf(format, args...)) }
	}
	return New(cfg)
}

// Credentials is check's line.
func (s *Section) Credentials() (what, fix string) {
	return "Aircall API key at " + s.BaseURL, "check [aircall] api_id and api_token (Company Settings -> API Keys)"
}

// Aircall's reader reads only what is new for the fast lane: its complete
// read lists every user and number at a shared 120 requests a minute.
var _ provider.Incremental = (*Reader)(nil)
