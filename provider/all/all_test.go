package all

import (
	"strings"
	"testing"
)

// Each simulator is its plug-in's, in the same order, under the same name and
// title, and its identifier field carries the label the plug-in looks for
// (Salesforce compares labels ignoring case).
func TestSimulatorsFollowPlugins(t *testing.T) {
	plugins, sims := Plugins(), Simulators()
	if len(sims) != len(plugins) {
		t.Fatalf("%d simulators for %d plug-ins", len(sims), len(plugins))
	}
	for i, p := range plugins {
		if s := sims[i]; s.Name != string(p.Name) || s.Title != p.Title {
			t.Errorf("simulator %d is %s (%s), plug-in %d is %s (%s)", i, s.Name, s.Title, i, p.Name, p.Title)
		}
		if f := sims[i].Field; f.Provider != string(p.Name) || !strings.EqualFold(f.Label, p.Label) {
			t.Errorf("%s: simulated field %+v, the plug-in's label %q", p.Name, f, p.Label)
		}
	}
}
