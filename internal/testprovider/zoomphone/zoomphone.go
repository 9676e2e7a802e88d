// Package zoomphone is a fourth provider for tests only: a plug-in, a small
// reader and a loopback simulator of a made-up API shaped loosely like Zoom
// Phone's (none of it holds to Zoom's documents). It proves that a provider
// is an addition: given beside the registry's, it runs a whole sync through
// the code path the others take, with no edit outside this package.
package zoomphone

import (
	"voiceid/match"
	"voiceid/provider"
)

// Name is the provider's key: its config section, its report keys.
const Name match.Provider = "zoomphone"

// Info: email is its only evidence.
var Info = provider.Info{Name: Name, Title: "Zoom Phone", Label: "Zoom Phone User Identifier"}

// Plugin is the provider as a registry would list it.
func Plugin() provider.Plugin {
	return provider.Plugin{Info: Info, NewSection: func() provider.Section { return &Section{} }}
}

// Section is the [zoomphone] section of voiceid.toml.
type Section struct {
	provider.Switch
	BaseURL string `toml:"base_url"`
	Token   string `toml:"token"`
}

// Keys are its settings, both required.
func (s *Section) Keys() []provider.Key {
	return []provider.Key{{Name: "base_url", Value: &s.BaseURL, Required: true, URL: true},
		{Name: "token", Value: &s.Token, Required: true, Secret: true}}
}

// Check has nothing to check beyond its keys.
func (s *Section) Check() ([]string, error) { return nil, nil }

// Open makes the reader.
func (s *Section) Open(e provider.Env) provider.Directory {
	return NewReader(s.BaseURL, s.Token, e)
}

// Credentials is check's line.
func (s *Section) Credentials() (what, fix string) {
	return "Zoom Phone token at " + s.BaseURL, "check [zoomphone] token"
}
