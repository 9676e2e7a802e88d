package job_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"voiceid/config"
	"voiceid/job"
	"voiceid/provider/all"
	"voiceid/sandbox"
)

// Issue #24: check tells whether the org is a sandbox and how many active
// standard users' emails carry the ".invalid" a sandbox copy appends
// (docs/providers/salesforce.md), with the cheapest queries: one on Organization, one
// COUNT(), and the second COUNT() only when some emails end so.
func TestCheckSaysWhetherTheOrgIsASandbox(t *testing.T) {
	for _, tc := range []struct {
		name    string
		copy    bool
		queries int
	}{{"production", false, 2}, {"sandbox copy", true, 3}} {
		t.Run(tc.name, func(t *testing.T) {
			org := sandbox.GenerateOrg(60, 3, all.Simulators()...)
			sb, err := sandbox.StartWith(org, t.TempDir(), "", sandbox.Options{SandboxCopy: tc.copy})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(sb.Close)
			cfg, err := config.Load(sb.ConfigPath)
			if err != nil {
				t.Fatal(err)
			}
			active, invalid := 0, 0
			for i, u := range org.Salesforce {
				if u.IsActive && u.UserType == "Standard" {
					active++
					if i > 0 && u.Email != "" { // the first user started the copy
						invalid++
					}
				}
			}
			want := "the org is production (not a sandbox)"
			if tc.copy {
				want = fmt.Sprintf("the org is a sandbox: %d of %d user emails end in .invalid, which voiceid compares without the suffix", invalid, active)
			}
			query := sandbox.StackData + "/query"
			before := sb.Salesforce.Requests(query)
			var lines []job.Result
			job.Check(context.Background(), cfg.Job(), cfg.Credentials, func(r job.Result) { lines = append(lines, r) })
			found := false
			for _, r := range lines {
				if r.Err != nil {
					t.Errorf("✗ %s: %v", r.What, r.Err)
				}
				if strings.Contains(r.What, "the org is a sandbox") || strings.Contains(r.What, "the org is not a sandbox") || strings.Contains(r.What, "the org is production") {
					found = true
					if !r.Info || r.What != want {
						t.Errorf("line %+v, want the Info line %q", r, want)
					}
				}
			}
			if !found {
				t.Errorf("no line about a sandbox in %+v", lines)
			}
			if n := sb.Salesforce.Requests(query) - before; n != tc.queries {
				t.Errorf("%d queries, want %d", n, tc.queries)
			}
		})
	}
}
