package main

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"voiceid/config"
	"voiceid/internal/testprovider/zoomphone"
	"voiceid/job"
	"voiceid/provider/all"
	"voiceid/provider/ringcentral/ringcentralsim"
	"voiceid/report"
	"voiceid/sandbox"
)

// A provider is an addition: a fourth one, its plug-in and its simulator
// given beside the registry's (no registry changed), runs a whole sync
// through the path the others take: the stack writes its section, config
// decodes it, the job reads it, Salesforce's describe has its field, its
// people are linked by email and their identifiers written.
func TestAFourthProviderSyncsThroughTheSamePath(t *testing.T) {
	org := sandbox.GenerateOrg(200, 13, append(all.Simulators(), zoomphone.Simulator())...)
	sb, err := sandbox.Start(org, t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	if src, _ := os.ReadFile(sb.ConfigPath); !strings.Contains(string(src), "[zoomphone]\nbase_url = ") {
		t.Fatalf("the stack wrote no [zoomphone] section:\n%s", src)
	}
	cfg, err := config.LoadWith(sb.ConfigPath, append(all.Plugins(), zoomphone.Plugin()))
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.Enabled(zoomphone.Name) {
		t.Fatal("[zoomphone] is not on")
	}
	o := cfg.Job()
	o.Backfill = true
	rep, err := job.Run(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	people := zoomphone.InOrg(org).Users
	if len(people) < 10 {
		t.Fatalf("only %d Zoom Phone users in the generated org", len(people))
	}
	if rep.Run.Status != "ok" || rep.Counts.Applied != rep.Counts.Changes || rep.Counts.Failed != 0 {
		t.Errorf("run %s: %d of %d changes applied, %d failed", rep.Run.Status, rep.Counts.Applied, rep.Counts.Changes, rep.Counts.Failed)
	}
	if got := rep.Counts.People[string(zoomphone.Name)]; got != len(people) {
		t.Errorf("the report counts %d Zoom Phone people, the simulator holds %d", got, len(people))
	}
	if got := rep.Counts.Linked[string(zoomphone.Name)]; got != len(people) {
		t.Errorf("the report links %d Zoom Phone people, want each of the %d (by email)", got, len(people))
	}
	checkZoomPhoneFields(t, sb, rep.Changes, people)
	// the registry's providers ran in the same sync, as without the fourth
	if ann, _ := sb.Salesforce.User(ringcentralsim.InOrg(org).Planted.EmailCaseUser); ann.Identifiers[ringcentralsim.Name] != "814243005" {
		t.Errorf("Ann's RingCentral identifier is %q, want 814243005", ann.Identifiers[ringcentralsim.Name])
	}
	var text bytes.Buffer
	if err := rep.Render(&text, "txt", cfg.Location()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "Zoom Phone") {
		t.Errorf("the text report does not show Zoom Phone:\n%s", text.String())
	}
}

// checkZoomPhoneFields: each Zoom Phone person's id is in the identifier
// field of the Salesforce user of their email, written as one change each to
// the field describe listed under its label.
func checkZoomPhoneFields(t *testing.T, sb *sandbox.Stack, changes []report.Change, people []zoomphone.User) {
	t.Helper()
	byEmail := map[string]sandbox.SFUser{}
	for _, u := range sb.Salesforce.Users() {
		byEmail[strings.ToLower(u.Email)] = u
	}
	for _, p := range people {
		if got := byEmail[p.Email].Identifiers[string(zoomphone.Name)]; got != p.ID {
			t.Errorf("%s holds Zoom Phone identifier %q, want %s", p.Email, got, p.ID)
		}
	}
	written := 0
	for _, c := range changes {
		if c.Provider != string(zoomphone.Name) {
			continue
		}
		written++
		if c.Field != zoomphone.Field.Name || c.FieldLabel != zoomphone.Info.Label || c.Status != "applied" {
			t.Errorf("change %+v: want %s (%q), applied", c, zoomphone.Field.Name, zoomphone.Info.Label)
		}
	}
	if written != len(people) {
		t.Errorf("%d Zoom Phone changes, want one for each of the %d people", written, len(people))
	}
}
