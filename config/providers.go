package config

import (
	"fmt"
	"reflect"
	"slices"
	"sort"

	"github.com/BurntSushi/toml"

	"voiceid/match"
	"voiceid/provider"
)

// Provider is one registered provider's part of the config: its plug-in,
// its section (decoded from its [name] table when the file has one) and its
// identifier field's API name ([salesforce] <name>_field; "" finds it by label).
type Provider struct {
	provider.Plugin
	Section provider.Section
	Present bool
	Field   string
}

// On tells whether the provider takes part: its section is present and
// does not say enabled = false. The one rule for every provider.
func (p Provider) On() bool { return p.Present && !p.Section.Disabled() }

// Enabled tells whether the named provider takes part.
func (c *Config) Enabled(name match.Provider) bool {
	p, ok := c.provider(name)
	return ok && p.On()
}

// Section is the named provider's section (nil when no such provider is registered).
func (c *Config) Section(name match.Provider) provider.Section {
	if p, ok := c.provider(name); ok {
		return p.Section
	}
	return nil
}

func (c *Config) provider(name match.Provider) (*Provider, bool) {
	for i := range c.Providers {
		if c.Providers[i].Name == name {
			return &c.Providers[i], true
		}
	}
	return nil, false
}

// core are voiceid's own sections, by table name.
func (c *Config) core() map[string]any {
	return map[string]any{"salesforce": &c.Salesforce, "match": &c.Match, "safety": &c.Safety, "state": &c.State,
		"schedule": &c.Schedule, "metrics": &c.Metrics, "network": &c.Network}
}

// decode fills the config from the file's tables: voiceid's own sections,
// each provider's section into its plug-in's struct, and the [salesforce]
// <name>_field keys; any key none of them takes is an error.
func (c *Config) decode(md toml.MetaData, top map[string]toml.Primitive, plugins []provider.Plugin) error {
	for name, v := range c.core() {
		if prim, ok := top[name]; ok {
			if err := md.PrimitiveDecode(prim, v); err != nil {
				return &Error{File: c.path, Key: name, Problem: err.Error()}
			}
		}
	}
	for _, pl := range plugins {
		p := Provider{Plugin: pl, Section: pl.NewSection()}
		if prim, ok := top[string(pl.Name)]; ok {
			p.Present = true
			if err := md.PrimitiveDecode(prim, p.Section); err != nil {
				return &Error{File: c.path, Key: string(pl.Name), Problem: err.Error()}
			}
		}
		c.Providers = append(c.Providers, p)
	}
	if err := c.decodeFields(md, top); err != nil {
		return err
	}
	var unknown []string
	for name := range top {
		if _, ok := c.core()[name]; !ok && !slices.ContainsFunc(plugins, func(p provider.Plugin) bool { return string(p.Name) == name }) {
			unknown = append(unknown, name)
		}
	}
	sort.Strings(unknown)
	for _, k := range md.Undecoded() {
		unknown = append(unknown, k.String())
	}
	if len(unknown) > 0 {
		return &Error{File: c.path, Key: unknown[0], Problem: "unknown key" + c.suggest(unknown[0])}
	}
	return nil
}

// decodeFields reads each provider's <name>_field key of [salesforce]: the
// keys are the registered providers', so their struct is made here.
func (c *Config) decodeFields(md toml.MetaData, top map[string]toml.Primitive) error {
	prim, ok := top["salesforce"]
	if !ok || len(c.Providers) == 0 {
		return nil
	}
	cols := make([]reflect.StructField, len(c.Providers))
	for i, p := range c.Providers {
		cols[i] = reflect.StructField{Name: fmt.Sprintf("F%d", i), Type: reflect.TypeFor[string](), Tag: reflect.StructTag(fmt.Sprintf("toml:%q", p.FieldKey()))}
	}
	v := reflect.New(reflect.StructOf(cols))
	if err := md.PrimitiveDecode(prim, v.Interface()); err != nil {
		return &Error{File: c.path, Key: "salesforce", Problem: err.Error()}
	}
	for i := range c.Providers {
		c.Providers[i].Field = v.Elem().Field(i).String()
	}
	return nil
}

// keysOf lists the toml keys of a section struct, embedded structs' included.
func keysOf(t reflect.Type) []string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous {
			out = append(out, keysOf(f.Type)...)
			continue
		}
		if tag := f.Tag.Get("toml"); tag != "" && tag != "-" {
			out = append(out, tag)
		}
	}
	return out
}
