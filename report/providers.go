package report

import (
	"slices"
	"strings"

	"voiceid/match"
	"voiceid/provider"
)

// providers are the providers a report names, in report order, as their
// plug-ins describe them: the run passes them (Report.Providers), and a
// stored report is rendered with the registry's. A provider none of them
// names (an old stored report) shows by its key.
type providers []provider.Info

func (r *Report) providers() providers { return providers(r.Providers) }

func (ps providers) info(p string) (provider.Info, bool) {
	return provider.Lookup(ps, match.Provider(p))
}

// title is a provider as people write it (its Info.Title).
func (ps providers) title(p string) string {
	if i, ok := ps.info(p); ok {
		return i.Title
	}
	return p
}

// entries is what a provider's directory lists: "entries", or users.
func (ps providers) entries(p string) string {
	if i, ok := ps.info(p); ok && i.Entries != "" {
		return i.Entries
	}
	return "users"
}

// rank orders providers as the run lists them; others last.
func (ps providers) rank(p string) int {
	if i := slices.IndexFunc(ps, func(i provider.Info) bool { return string(i.Name) == p }); i >= 0 {
		return i
	}
	return len(ps)
}

// advice says what an administrator can do about a conflict kind; a pin
// names every provider's flag.
func (ps providers) advice(kind string) string {
	var flags []string
	for _, i := range ps {
		flags = append(flags, i.Flag()+" ID")
	}
	if len(flags) == 0 {
		flags = []string{"--PROVIDER ID"}
	}
	return strings.ReplaceAll(advice[kind], "--PROVIDER ID", strings.Join(flags, " | "))
}

// title is the conflict's provider as people write it.
func (c Conflict) title() string {
	if c.ProviderTitle != "" {
		return c.ProviderTitle
	}
	return c.Provider
}

// advice is what to do about the conflict: a pin names its provider's flag.
func (c Conflict) advice() string {
	return strings.ReplaceAll(advice[c.Kind], "--PROVIDER", "--"+c.Provider)
}

// TitleConflicts gives each conflict its provider's title (for the
// suggested fixes); the job calls it as it assembles a report, and the
// human renderings before they render.
func (r *Report) TitleConflicts() {
	for i := range r.Conflicts {
		if c := &r.Conflicts[i]; c.ProviderTitle == "" {
			if info, ok := r.providers().info(c.Provider); ok {
				c.ProviderTitle = info.Title
			}
		}
	}
}
