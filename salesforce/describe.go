package salesforce

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"voiceid/match"
	"voiceid/provider"
)

// info is a provider's metadata, as the run passed it.
func (s *Client) info(p match.Provider) provider.Info {
	if i, ok := provider.Lookup(s.cfg.Providers, p); ok {
		return i
	}
	return provider.Info{Name: p, Title: string(p)}
}

// Field is an identifier field found on User.
type Field struct {
	Name       string
	Label      string
	Type       string // describe's type: "string" for a Text field
	Length     int
	Updateable bool
	Custom     bool // a custom field (API name ending in __c)
	Formula    bool // calculated: describe's "calculated"
}

// textTypes are the describe types of Text and Text Area fields.
var textTypes = map[string]bool{"string": true, "textarea": true}

// guard refuses a field voiceid must never write an identifier into: a
// standard User field (Email, Phone...), a formula, anything but text, or a
// field the integration user cannot edit. A typo in a setting must not turn
// voiceid against a user's own data.
func guard(f Field, key string) error {
	switch {
	case f.Formula:
		return fmt.Errorf("%w: [salesforce] %s: User.%s (%q) is a formula field: Salesforce calculates its value, so nothing can be written to it; leave %s empty to find the Voice Connector's field by its label, or name a custom Text field", ErrField, key, f.Name, f.Label, key)
	case !f.Custom || !strings.HasSuffix(strings.ToLower(f.Name), "__c"):
		return fmt.Errorf("%w: [salesforce] %s: User.%s (%q) is a standard User field: voiceid writes identifiers only into custom fields (API names ending in __c); leave %s empty to find the Voice Connector's field by its label", ErrField, key, f.Name, f.Label, key)
	case !textTypes[f.Type]:
		return fmt.Errorf("%w: [salesforce] %s: User.%s (%q) is a %s field; identifiers are text: use a Text field", ErrField, key, f.Name, f.Label, f.Type)
	case !f.Updateable:
		return fmt.Errorf("%w: the integration user cannot edit User.%s (%q): grant edit access in field-level security", ErrField, f.Name, f.Label)
	}
	return nil
}

// userDescribe is the part of describe User that Discover reads.
type userDescribe struct {
	Fields []struct {
		Name       string `json:"name"`
		Label      string `json:"label"`
		Type       string `json:"type"`
		Length     int    `json:"length"`
		Updateable bool   `json:"updateable"`
		Custom     bool   `json:"custom"`
		Calculated bool   `json:"calculated"`
	} `json:"fields"`
}

// describeUser describes User once per connection: check asks about each
// provider's field in turn, and the object does not change between.
func (s *Client) describeUser(ctx context.Context) (*userDescribe, error) {
	if s.userDescribe != nil {
		return s.userDescribe, nil
	}
	resp, err := s.api.Get(ctx, s.data("/sobjects/User/describe"), nil)
	if err != nil {
		return nil, err
	}
	var d userDescribe
	if err := json.Unmarshal(resp.Body, &d); err != nil {
		return nil, fmt.Errorf("salesforce: describe User: malformed JSON: %w", err)
	}
	s.userDescribe = &d
	return &d, nil
}

// Discover finds the identifier field of each provider: the configured API
// name, else the one User field whose label matches (case-insensitively).
func (s *Client) Discover(ctx context.Context, provs []match.Provider) (map[match.Provider]Field, error) {
	d, err := s.describeUser(ctx)
	if err != nil {
		return nil, err
	}
	s.described = make(map[string]bool, len(d.Fields))
	for _, f := range d.Fields {
		s.described[f.Name] = true
	}
	out := map[match.Provider]Field{}
	for _, p := range provs {
		want := s.cfg.Fields[p]
		var found []Field
		for _, f := range d.Fields {
			if (want != "" && strings.EqualFold(f.Name, want)) || (want == "" && strings.EqualFold(f.Label, s.info(p).Label)) {
				found = append(found, Field{Name: f.Name, Label: f.Label, Type: f.Type, Length: f.Length, Updateable: f.Updateable,
					Custom: f.Custom, Formula: f.Calculated})
			}
		}
		key := s.info(p).FieldKey()
		switch {
		case len(found) == 0 && want != "":
			return nil, fmt.Errorf("%w: [salesforce] %s = %q: no such field on User (or it is hidden from the integration user by field-level security)", ErrField, key, want)
		case len(found) == 0:
			return nil, fmt.Errorf("%w: no User field is labelled %q: install the Voice Connector package, or set [salesforce] %s to the field's API name", ErrField, s.info(p).Label, key)
		case len(found) > 1:
			var names []string
			for _, f := range found {
				names = append(names, f.Name)
			}
			return nil, fmt.Errorf("%w: %d User fields are labelled %q (%s): set [salesforce] %s to the right one", ErrField, len(found), s.info(p).Label, strings.Join(names, ", "), key)
		}
		if err := guard(found[0], key); err != nil {
			return nil, err
		}
		for q, g := range out {
			if g.Name == found[0].Name {
				return nil, fmt.Errorf("%w: [salesforce] %s and %s both name User.%s: each provider needs its own identifier field, or they overwrite each other", ErrField, s.info(q).FieldKey(), key, g.Name)
			}
		}
		out[p] = found[0]
	}
	s.fields = out
	return out, nil
}

// HasCountryCode tells whether the org has State and Country/Territory
// Picklists (User.CountryCode); known after Discover.
func (s *Client) HasCountryCode() bool { return s.described["CountryCode"] }

// SandboxFacts is what check tells about the org's kind (docs/providers/salesforce.md: Sandboxes).
type SandboxFacts struct {
	IsSandbox bool
	Invalid   int // active standard users whose Email ends in ".invalid"
	Users     int // active standard users; counted only when Invalid > 0
}

// Sandbox tells whether the org is a sandbox, and how many active standard
// users' emails carry the ".invalid" Salesforce appends to them on a sandbox
// copy: a query on Organization and a COUNT(), and a second COUNT() only
// when some emails do.
func (s *Client) Sandbox(ctx context.Context) (SandboxFacts, error) {
	var f SandboxFacts
	resp, err := s.api.Get(ctx, s.data("/query"), url.Values{"q": {"SELECT IsSandbox FROM Organization"}})
	if err != nil {
		return f, err
	}
	var org struct {
		Records []struct {
			IsSandbox *bool `json:"IsSandbox"`
		} `json:"records"`
	}
	if err := json.Unmarshal(resp.Body, &org); err != nil || len(org.Records) != 1 || org.Records[0].IsSandbox == nil {
		return f, fmt.Errorf("salesforce: query Organization: malformed answer")
	}
	f.IsSandbox = *org.Records[0].IsSandbox
	if f.Invalid, err = s.count(ctx, "SELECT COUNT() FROM User WHERE "+activeStandard+" AND Email LIKE "+Quote("%.invalid")); err != nil || f.Invalid == 0 {
		return f, err
	}
	f.Users, err = s.count(ctx, "SELECT COUNT() FROM User WHERE "+activeStandard)
	return f, err
}

// count runs a SELECT COUNT() query: the count is the answer's totalSize.
func (s *Client) count(ctx context.Context, soql string) (int, error) {
	resp, err := s.api.Get(ctx, s.data("/query"), url.Values{"q": {soql}})
	if err != nil {
		return 0, err
	}
	var r struct {
		TotalSize *int `json:"totalSize"`
	}
	if err := json.Unmarshal(resp.Body, &r); err != nil || r.TotalSize == nil {
		return 0, fmt.Errorf("salesforce: query %q: malformed answer", soql)
	}
	return *r.TotalSize, nil
}
