// Package provider is what voiceid knows of a telephony provider without its
// HTTP reader: its metadata (title, the Salesforce field label, the rules its
// directory supports), the shape of its config section, and the interfaces
// its plug-in implements. It is a leaf: the job, the Salesforce client and
// the reports read titles and labels here; each provider is one package,
// provider/<name>, and package provider/all lists them.
package provider

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"voiceid/match"
)

// Info is a provider's metadata.
type Info struct {
	Name  match.Provider // its key: the config section, the report's JSON keys, the pin flag
	Title string         // as people write it: "RingCentral"
	Label string         // the label of the User field the Voice Connector adds for it
	// Entry and Entries name what its directory lists, one and many ("entry",
	// "entries"); empty: user, users.
	Entry, Entries string
	Rules          match.Rules // the linking rules its directory supports
}

// FieldKey is the [salesforce] key that may name its identifier field's API name.
func (i Info) FieldKey() string { return string(i.Name) + "_field" }

// Flag is its pin flag: "--ringcentral".
func (i Info) Flag() string { return "--" + string(i.Name) }

// Count says n of what its directory lists: "1 RingCentral entry", "3 Aircall users".
func (i Info) Count(n int) string {
	one, many := orWord(i.Entry, "user"), orWord(i.Entries, "users")
	if n == 1 {
		return "1 " + i.Title + " " + one
	}
	return strconv.Itoa(n) + " " + i.Title + " " + many
}

func orWord(w, def string) string {
	if w == "" {
		return def
	}
	return w
}

// Lookup finds a provider's Info by name in infos.
func Lookup(infos []Info, name match.Provider) (Info, bool) {
	for _, i := range infos {
		if i.Name == name {
			return i, true
		}
	}
	return Info{}, false
}

// Env is what a run lends each reader it opens: the HTTP client, the clock
// and waits (tests make them virtual), and the log.
type Env struct {
	HTTP  *http.Client
	Sleep func(context.Context, time.Duration) error // nil: real waits
	Now   func() time.Time                           // nil: the real clock
	Log   *slog.Logger                               // nil: nowhere
}

// Directory is a provider's reader. People that are not eligible (disabled
// users, departments, offices) are returned too: their numbers make a number
// shared, and their ids make an identifier stale.
type Directory interface {
	People(ctx context.Context, progress func(read int)) ([]match.Person, error)
	Check(ctx context.Context) error
	Calls() int64
}

// Closer is a reader that holds something open on the provider's side (a
// session) until the run closes it, however the run ends.
type Closer interface {
	Close(ctx context.Context) error
}

// Plugin is one provider: its metadata and how its config section is made.
type Plugin struct {
	Info
	// NewSection returns an empty section with its defaults: config decodes
	// the provider's [name] table of voiceid.toml into it (a pointer to the
	// plug-in's own struct, toml tags naming its keys).
	NewSection func() Section
}

// Section is a provider's config section. A provider is on when its section
// is present and does not say enabled = false (embed Switch).
type Section interface {
	Disabled() bool
	// Keys are its string settings: config expands ${ENV} in each, requires
	// the Required ones when the provider is on, checks each URL, and keeps
	// each Secret out of every message.
	Keys() []Key
	// Check checks the rest, once Keys passed; warnings do not stop a run.
	// An error is a *KeyError.
	Check() (warnings []string, err error)
	// Open makes the provider's reader; it does not contact the service.
	Open(Env) Directory
	// Credentials is check's line for the provider: what is checked, and
	// what to do when it fails.
	Credentials() (what, fix string)
}

// Key is one string setting of a section.
type Key struct {
	Name     string  // within the section: "server"
	Value    *string // where the decoded value is
	Required bool    // when the provider is on
	URL      bool    // a base URL: https scheme and host only (config checks and trims it)
	Secret   bool    // a credential: never printed
}

// KeyError is a section's bad setting: the key within the section, its value
// (empty for a missing one or a secret) and what is wrong, with the fix.
type KeyError struct {
	Key, Value, Problem string
}

func (e *KeyError) Error() string {
	if e.Value == "" {
		return e.Key + ": " + e.Problem
	}
	return e.Key + " = " + strconv.Quote(e.Value) + ": " + e.Problem
}

// Switch is the enabled key every section has.
type Switch struct {
	Enabled *bool `toml:"enabled"`
}

// Disabled tells whether the section says enabled = false.
func (s Switch) Disabled() bool { return s.Enabled != nil && !*s.Enabled }

// Incremental is a reader that can read only what is new since a complete
// read, for the fast lane (sync --new): a provider whose complete read is
// costly says so by implementing it; the fast lane reads every other
// provider in full. The people PeopleSince returns are read now; those a
// complete read returned are remembered, and may have changed since.
type Incremental interface {
	Directory
	// Mark is where the last People or PeopleSince read ended: what the next
	// PeopleSince reads on from.
	Mark() string
	// PeopleSince reads the people new since mark, each with its numbers.
	PeopleSince(ctx context.Context, mark string) ([]match.Person, error)
}
