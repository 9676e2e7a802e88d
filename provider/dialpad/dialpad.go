// Package dialpad is voiceid's Dialpad plug-in: its [dialpad] section, the
// reader of the company's users and of the other owners of its numbers
// (offices, departments, call centers, rooms, call routers), and its
// metadata. The API facts it holds to are in docs/providers/dialpad.md.
package dialpad

import (
	"fmt"

	"voiceid/match"
	"voiceid/provider"
)

// Name is the provider's key: its config section, its pin flag, its report keys.
const Name match.Provider = "dialpad"

// Info: Dialpad users may carry an extension, and a number may belong to an
// office, department, call center, room or call router instead of a user,
// which a Salesforce Phone must not link.
var Info = provider.Info{Name: Name, Title: "Dialpad", Label: "Dialpad User Identifier",
	Rules: match.Rules{Extensions: true, OwnerLines: true}}

// Plugin is Dialpad as voiceid's registry lists it.
func Plugin() provider.Plugin {
	return provider.Plugin{Info: Info, NewSection: func() provider.Section { return &Section{} }}
}

// Section is the [dialpad] section of voiceid.toml.
type Section struct {
	provider.Switch
	BaseURL string `toml:"base_url"` // https://dialpad.com
	APIKey  string `toml:"api_key"`
	// RequestsPerSecond is voiceid's part of the company's budget (default 5).
	RequestsPerSecond *int `toml:"requests_per_second"`
}

// Keys are its string settings, all required.
func (s *Section) Keys() []provider.Key {
	return []provider.Key{{Name: "base_url", Value: &s.BaseURL, Required: true, URL: true},
		{Name: "api_key", Value: &s.APIKey, Required: true, Secret: true}}
}

// Check bounds the request budget; above Dialpad's own company limit it warns.
func (s *Section) Check() ([]string, error) {
	n := s.RequestsPerSecond
	switch {
	case n != nil && *n <= 0:
		return nil, &provider.KeyError{Key: "requests_per_second", Value: fmt.Sprint(*n),
			Problem: "must be 1 or more (default 5; Dialpad allows 20 per second per company, shared by every integration); leave it out for the default"}
	case n != nil && *n > 20:
		return []string{fmt.Sprintf("requests_per_second = %d is above Dialpad's 20 per second per company: keep it only if Dialpad raised your company's limit (voiceid backs off on 429)", *n)}, nil
	}
	return nil, nil
}

// PerSecond is voiceid's Dialpad budget.
func (s *Section) PerSecond() int {
	if s.RequestsPerSecond == nil {
		return DefaultRequestsPerSecond
	}
	return *s.RequestsPerSecond
}

// Open makes the reader.
func (s *Section) Open(e provider.Env) provider.Directory {
	cfg := Config{BaseURL: s.BaseURL, APIKey: s.APIKey, RequestsPerSecond: s.PerSecond(), HTTP: e.HTTP, Sleep: e.Sleep}
	if e.Log != nil {
		cfg.Log = func(format string, args ...any) { e.Log.Info(fmt.Sprintf(format, args...)) }
	}
	return New(cfg)
}

// Credentials is check's line.
func (s *Section) Credentials() (what, fix string) {
	return "Dialpad API key at " + s.BaseURL, "check [dialpad] api_key; keys expire: a company admin makes one in Admin Settings -> My Company -> Authentication -> API Keys"
}
