// Package ringcentral is voiceid's RingCentral plug-in: its [ringcentral]
// section, the reader of the company directory (JWT sign-in, paged reads,
// the session revoked at the end), and its metadata. The API facts it holds
// to are in docs/providers/ringcentral.md.
package ringcentral

import (
	"voiceid/match"
	"voiceid/provider"
)

// Name is the provider's key: its config section, its pin flag, its report keys.
const Name match.Provider = "ringcentral"

// Info: people carry extension numbers, and a person's one direct number may
// fill a linked user's empty Phone.
var Info = provider.Info{Name: Name, Title: "RingCentral", Label: "RingCentral User Identifier",
	Entry: "entry", Entries: "entries", Rules: match.Rules{Extensions: true, PhoneSource: true}}

// Plugin is RingCentral as voiceid's registry lists it.
func Plugin() provider.Plugin {
	return provider.Plugin{Info: Info, NewSection: func() provider.Section { return &Section{} }}
}

// Section is the [ringcentral] section of voiceid.toml.
type Section struct {
	provider.Switch
	Server       string `toml:"server"` // https://platform.ringcentral.com
	ClientID     string `toml:"client_id"`
	ClientSecret string `toml:"client_secret"`
	JWT          string `toml:"jwt"` // the JWT credential made in the Developer Console
}

// Keys are its settings, all required.
func (s *Section) Keys() []provider.Key {
	return []provider.Key{{Name: "server", Value: &s.Server, Required: true, URL: true},
		{Name: "client_id", Value: &s.ClientID, Required: true}, {Name: "client_secret", Value: &s.ClientSecret, Required: true, Secret: true},
		{Name: "jwt", Value: &s.JWT, Required: true, Secret: true}}
}

// Check has nothing to check beyond its keys.
func (s *Section) Check() ([]string, error) { return nil, nil }

// Open makes the directory reader.
func (s *Section) Open(e provider.Env) provider.Directory {
	return New(Config{Server: s.Server, ClientID: s.ClientID, ClientSecret: s.ClientSecret, JWT: s.JWT, HTTP: e.HTTP, Sleep: e.Sleep})
}

// Credentials is check's line.
func (s *Section) Credentials() (what, fix string) {
	return "RingCentral sign-in with the JWT credential at " + s.Server, ""
}
