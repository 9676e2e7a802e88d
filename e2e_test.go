package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"voiceid/config"
	"voiceid/internal/schematest"
	"voiceid/job"
	"voiceid/provider/aircall/aircallsim"
	"voiceid/provider/all"
	"voiceid/provider/ringcentral/ringcentralsim"
	"voiceid/report"
	"voiceid/sandbox"
	"voiceid/state"
)

// startTestSandbox runs the simulators for a generated org in t.TempDir().
func startTestSandbox(t *testing.T, users int, seed uint64, extra string) (*sandbox.Stack, *config.Config) {
	t.Helper()
	return startShaped(t, sandbox.GenerateOrg(users, seed, all.Simulators()...), sandbox.Options{}, extra)
}

// startShaped is startTestSandbox for an org and options of the test's own.
func startShaped(t *testing.T, org *sandbox.Org, opts sandbox.Options, extra string) (*sandbox.Stack, *config.Config) {
	t.Helper()
	sb, err := sandbox.StartWith(org, t.TempDir(), extra, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	cfg, err := config.Load(sb.ConfigPath)
	if err != nil {
		t.Fatal(err)
	}
	return sb, cfg
}

// runJob runs one job from cfg; edit sets the run's own options.
func runJob(cfg *config.Config, edit func(*job.Options)) (*report.Report, error) {
	o := cfg.Job()
	if edit != nil {
		edit(&o)
	}
	return job.Run(context.Background(), o)
}

func sync(t *testing.T, cfg *config.Config, dry bool, reports ...string) *report.Report {
	t.Helper()
	rep, err := runJob(cfg, func(o *job.Options) { o.DryRun, o.Backfill, o.Reports = dry, true, reports })
	if err != nil {
		t.Fatalf("sync (dry=%v): %v", dry, err)
	}
	return rep
}

func TestSyncEndToEnd(t *testing.T) {
	sb, cfg := startTestSandbox(t, 240, 7, "")
	org := sb.Org
	dir := filepath.Dir(sb.ConfigPath)

	// The stack's Aircall answers in the strict, documented shape (sandbox/FACTS.md).
	if ac := aircallsim.InStack(sb); ac.RateHeaders || ac.NumbersList != aircallsim.ListOmitsUsers || ac.Cap != 10000 || ac.TotalCapped {
		t.Fatal("the e2e Aircall simulator is not in its strict default shape")
	}

	// 1. A dry run writes nothing to Salesforce.
	dry := sync(t, cfg, true, filepath.Join(dir, "dry.json"))
	if n := len(sb.Salesforce.Writes()); n != 0 {
		t.Fatalf("dry run wrote %d values to Salesforce", n)
	}
	if dry.Counts.Changes == 0 {
		t.Fatal("dry run of a fresh org planned no changes")
	}

	// 2. The applying run.
	applied := sync(t, cfg, false, filepath.Join(dir, "apply.json"))
	if aircallsim.InStack(sb).Requests("/v1/numbers/") == 0 {
		t.Error("no single Aircall number was read: assignments come only from GET /v1/numbers/:id")
	}
	if applied.Run.Status != "ok" || applied.Counts.Applied != applied.Counts.Changes {
		t.Fatalf("apply: status %s, applied %d of %d", applied.Run.Status, applied.Counts.Applied, applied.Counts.Changes)
	}
	if got, want := changeSet(applied), changeSet(dry); got != want {
		t.Errorf("the applying run changed other fields than its dry run listed:\n dry:   %s\n apply: %s", want, got)
	}

	checkPlantedLinks(t, sb)
	// Every clean email pair in the generated org is linked, derived from the
	// org's data and docs/spec.md's email rule, not from the plan.
	checkCleanEmailLinks(t, org, sb.Salesforce.Users())
	checkOneHolderPerIdentifier(t, sb.Salesforce)
	checkPlantedConflicts(t, applied, org)

	// 3. A re-run right after plans zero changes and writes nothing.
	before := len(sb.Salesforce.Writes())
	again := sync(t, cfg, false)
	if again.Counts.Changes != 0 || len(sb.Salesforce.Writes()) != before {
		t.Errorf("re-run planned %d changes and wrote %d values", again.Counts.Changes, len(sb.Salesforce.Writes())-before)
	}
	noDoubleWrites(t, sb.Salesforce)

	// 4. The JSON reports are valid, and the state holds the runs.
	for _, name := range []string{"dry.json", "apply.json"} {
		raw, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		schematest.Validate(t, raw)
	}
}

// checkPlantedLinks: each planted user's fields hold what docs/spec.md's rules
// say, and no ineligible record was written or linked.
func checkPlantedLinks(t *testing.T, sb *sandbox.Stack) {
	t.Helper()
	p := ringcentralsim.InOrg(sb.Org).Planted
	user := func(id string) sandbox.SFUser {
		t.Helper()
		u, ok := sb.Salesforce.User(id)
		if !ok {
			t.Fatalf("no user %s in the simulator", id)
		}
		return u
	}
	expectRC := map[string]string{
		p.EmailCaseUser:            p.EmailCasePerson, // docs/spec.md: email, case-insensitive
		p.PhoneUser:                p.PhonePerson,     // docs/spec.md: (650) 555-0101 <-> +16505550101
		p.ExtensionUser:            p.ExtensionPerson,
		p.UKUser:                   p.UKPerson, // Country "United Kingdom" sets the region
		p.SharedNumberUsers[0]:     "",         // docs/spec.md: a shared number links nobody
		p.DuplicateEmailUser:       "",         // email held by two enabled people
		p.DepartmentNumberUser:     "",         // a department's number links nobody
		p.StaleUser:                p.StalePerson,
		p.DisagreeUser:             p.DisagreePerson, // docs/spec.md: email link stands against the extension
		p.MovedTo:                  p.MovedPerson,
		p.MovedFrom:                "", // the identifier moved to MovedTo
		p.DuplicateSFEmailUsers[0]: "",
		p.DuplicateSFEmailUsers[1]: "",
	}
	for id, want := range expectRC {
		if got := user(id).Identifiers["ringcentral"]; got != want {
			t.Errorf("user %s (%s): RingCentral field = %q, want %q", id, user(id).Name(), got, want)
		}
	}
	if ac := aircallsim.InOrg(sb.Org).Planted; user(ac.EmailUser).Identifiers["aircall"] != ac.EmailPerson {
		t.Errorf("Aircall email link: field = %q, want %q", user(ac.EmailUser).Identifiers["aircall"], ac.EmailPerson)
	}
	for _, w := range sb.Salesforce.Writes() {
		if w.UserID == p.InactiveUser {
			t.Errorf("an inactive user was written: %+v", w)
		}
		if w.Value == p.NotActivatedPerson {
			t.Errorf("a NotActivated entry was linked: %+v", w)
		}
	}
}

// checkOneHolderPerIdentifier: an identifier belongs to one active standard user.
func checkOneHolderPerIdentifier(t *testing.T, sim *sandbox.SalesforceSim) {
	t.Helper()
	for _, field := range []func(sandbox.SFUser) string{
		func(u sandbox.SFUser) string { return u.Identifiers["ringcentral"] }, func(u sandbox.SFUser) string { return u.Identifiers["aircall"] }} {
		holders := map[string][]string{}
		for _, u := range sim.Users() {
			if v := field(u); v != "" && u.IsActive && u.UserType == "Standard" {
				holders[v] = append(holders[v], u.ID)
			}
		}
		for v, ids := range holders {
			if len(ids) > 1 {
				t.Errorf("identifier %s is held by %d users: %v", v, len(ids), ids)
			}
		}
	}
}

// checkPlantedConflicts: the conflicts the planted cases must raise.
func checkPlantedConflicts(t *testing.T, applied *report.Report, org *sandbox.Org) {
	t.Helper()
	p, ac := ringcentralsim.InOrg(org).Planted, aircallsim.InOrg(org).Planted
	want := []struct{ kind, provider, value string }{
		{"shared_number", "ringcentral", p.SharedNumber},
		{"duplicate_email", "ringcentral", p.DuplicateEmail},
		{"duplicate_email", "ringcentral", p.DuplicateSFEmail},
		{"stale_identifier", "ringcentral", p.StalePerson},
		{"invalid_phone", "ringcentral", p.InvalidPhone},
		{"shared_number", "aircall", ac.SharedNumber},
	}
	for _, w := range want {
		if !hasConflict(applied, w.kind, w.provider, w.value) {
			t.Errorf("missing conflict %s/%s %q", w.kind, w.provider, w.value)
		}
	}
	if !hasConflictFor(applied, "rule_disagreement", p.DisagreeUser) {
		t.Errorf("missing rule_disagreement for user %s", p.DisagreeUser)
	}
}

// noDoubleWrites fails the test if any field of any user was written twice.
func noDoubleWrites(t *testing.T, sim *sandbox.SalesforceSim) {
	t.Helper()
	seen := map[string]bool{}
	for _, w := range sim.Writes() {
		k := w.UserID + "/" + w.Field
		if seen[k] {
			t.Errorf("field %s written twice", k)
		}
		seen[k] = true
	}
}

func changeSet(r *report.Report) string {
	var parts []string
	for _, c := range r.Changes {
		parts = append(parts, c.SalesforceUserID+"/"+c.Provider+"="+c.New)
	}
	return strings.Join(parts, " ")
}

func hasConflict(r *report.Report, kind, provider, value string) bool {
	for _, c := range r.Conflicts {
		if c.Kind == kind && c.Provider == provider && c.Value == value {
			return true
		}
	}
	return false
}

func hasConflictFor(r *report.Report, kind, userID string) bool {
	for _, c := range r.Conflicts {
		for _, u := range c.SalesforceUserIDs {
			if c.Kind == kind && u == userID {
				return true
			}
		}
	}
	return false
}

// checkCleanEmailLinks asserts docs/spec.md's email rule over the whole org: an
// email held by exactly one enabled RingCentral user and exactly one active
// standard Salesforce user links them, unless a planted case overrides it.
func checkCleanEmailLinks(t *testing.T, org *sandbox.Org, after []sandbox.SFUser) {
	t.Helper()
	people := map[string][]ringcentralsim.Entry{}
	for _, e := range ringcentralsim.InOrg(org).Entries {
		folded := e.Type == "User" || e.Type == "DigitalUser" || e.Type == "VirtualUser" || e.Type == "FaxUser"
		if folded && e.Status == "Enabled" && e.Email != "" {
			k := strings.ToLower(e.Email)
			people[k] = append(people[k], e)
		}
	}
	users := map[string][]sandbox.SFUser{}
	for _, u := range after {
		if u.IsActive && u.UserType == "Standard" && u.Email != "" {
			k := strings.ToLower(strings.TrimSpace(u.Email))
			users[k] = append(users[k], u)
		}
	}
	checked := 0
	for email, ps := range people {
		us := users[email]
		if len(ps) != 1 || len(us) != 1 {
			continue
		}
		checked++
		if want := strconv.FormatInt(ps[0].ID, 10); us[0].Identifiers["ringcentral"] != want {
			t.Errorf("%s: RingCentral field = %q, want %s (a clean email pair)", email, us[0].Identifiers["ringcentral"], want)
		}
	}
	if checked < 100 {
		t.Errorf("only %d clean email pairs in the generated org; the check is too weak", checked)
	}
}

func TestStateKeepsEachRunsReport(t *testing.T) {
	_, cfg := startTestSandbox(t, 80, 3, "")
	rep := sync(t, cfg, true)
	db, err := state.Open(cfg.State.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	stored, err := db.Report(rep.Run.ID)
	if err != nil {
		t.Fatal(err)
	}
	schematest.Validate(t, stored)
	var back report.Report
	if err := json.Unmarshal(stored, &back); err != nil {
		t.Fatal(err)
	}
	if changeSet(&back) != changeSet(rep) || back.Counts.Conflicts != rep.Counts.Conflicts || back.Run.Status != rep.Run.Status {
		t.Errorf("stored report differs from the run's: %+v vs %+v", back.Counts, rep.Counts)
	}
}

func TestSyncThroughBulkWithPhoneWriteBack(t *testing.T) {
	sb, _ := startTestSandbox(t, 200, 11, "")
	src, _ := os.ReadFile(sb.ConfigPath)
	edited := strings.Replace(string(src), "[salesforce]\n", "[salesforce]\nbulk_threshold = 20\nwrite_phone = \"fill-empty\"\n", 1)
	if err := os.WriteFile(sb.ConfigPath, []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(sb.ConfigPath)
	if err != nil {
		t.Fatal(err)
	}
	rep := sync(t, cfg, false)
	if sb.Salesforce.Requests(sandbox.StackData+"/jobs/ingest") == 0 {
		t.Error("more changes than bulk_threshold, but Bulk API 2.0 was not used")
	}
	phones := 0
	for _, c := range rep.Changes {
		if c.Field == "Phone" {
			phones++
			u, _ := sb.Salesforce.User(c.SalesforceUserID)
			if u.Phone != c.New || !strings.HasPrefix(c.New, "+") {
				t.Errorf("Phone write-back %+v left Phone %q", c, u.Phone)
			}
		}
	}
	if phones == 0 {
		t.Error("no Phone was filled, though many linked users have none")
	}
	// Ann (planted) is linked by email and has no Phone: her one direct number fills it.
	if u, _ := sb.Salesforce.User(ringcentralsim.InOrg(sb.Org).Planted.EmailCaseUser); u.Phone != "+16505550142" {
		t.Errorf("planted email user's Phone = %q, want +16505550142", u.Phone)
	}
	if again := sync(t, cfg, false); again.Counts.Changes != 0 {
		t.Errorf("re-run plans %d changes", again.Counts.Changes)
	}
}

// The "Done when" of the fidelity issue: with api_version "59.0", against
// simulators holding to Salesforce's documents (single-string JWT audience,
// orgs with and without CountryCode, only listed versions served), a run
// plans, writes, and a re-run plans nothing; the same signing in with client
// credentials on a My Domain URL.
func TestStrictSalesforceShapesConverge(t *testing.T) {
	for _, tc := range []struct {
		name string
		seed uint64
		opts sandbox.Options
	}{
		{"jwt, org with country picklists", 2, sandbox.Options{}},
		{"jwt, org without country picklists", 3, sandbox.Options{}},
		{"client credentials on a My Domain URL", 5, sandbox.Options{ClientCredentials: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			org := sandbox.GenerateOrg(120, tc.seed, all.Simulators()...)
			sb, cfg := startShaped(t, org, tc.opts, "")
			if cfg.Salesforce.APIVersion != "v59.0" || sb.Salesforce.NoCountryCode != org.NoCountryPicklists {
				t.Fatalf("shape not as set up: api_version %s, NoCountryCode %v", cfg.Salesforce.APIVersion, sb.Salesforce.NoCountryCode)
			}
			applied := sync(t, cfg, false)
			if applied.Run.Status != "ok" || applied.Counts.Changes == 0 || applied.Counts.Applied != applied.Counts.Changes {
				t.Fatalf("apply: status %s, applied %d of %d", applied.Run.Status, applied.Counts.Applied, applied.Counts.Changes)
			}
			if n := len(sb.Salesforce.Writes()); n != applied.Counts.Applied {
				t.Errorf("Salesforce took %d values, the report says %d", n, applied.Counts.Applied)
			}
			if u, _ := sb.Salesforce.User(ringcentralsim.InOrg(org).Planted.UKUser); u.Identifiers["ringcentral"] != ringcentralsim.InOrg(org).Planted.UKPerson {
				t.Errorf("the UK user (region from Country or CountryCode) holds %q, want %q", u.Identifiers["ringcentral"], ringcentralsim.InOrg(org).Planted.UKPerson)
			}
			if sb.Salesforce.Requests("/services/data/v59.0/") == 0 {
				t.Error("no request used the configured version v59.0")
			}
			again := sync(t, cfg, false)
			if again.Counts.Changes != 0 {
				t.Errorf("the re-run planned %d changes, want 0", again.Counts.Changes)
			}
		})
	}
}
