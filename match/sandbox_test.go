package match

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
)

func TestNormalizeEmailDropsTheSuffixSalesforceAppendsInSandboxes(t *testing.T) {
	for in, want := range map[string]string{
		"ann@example.com.invalid":         "ann@example.com",
		" Ann@Example.COM.INVALID ":       "ann@example.com",
		"ann@example.com.invalid.invalid": "ann@example.com", // a sandbox cloned from a sandbox
		"ann@example.com":                 "ann@example.com",
		"ann@invalid.example.com":         "ann@invalid.example.com", // only a trailing label is the suffix
		"ann@example.cominvalid":          "ann@example.cominvalid",
		".invalid":                        "",
	} {
		if got := NormalizeEmail(in); got != want {
			t.Errorf("NormalizeEmail(%q) = %q, want %q", in, got, want)
		}
	}
}

// The rehearsal: in a sandbox every user's email ends in .invalid. Email
// must still link A to P, so that A's Extension, which names Q, does not give
// A Q's identifier (a wrong write production would never make).
func TestASandboxLinksByEmailAsProductionDoes(t *testing.T) {
	people := []Person{per("P", "Email=ann@example.com"), per("Q", "Email=quinn@example.com", "Ext=102")}
	for _, email := range []string{"ann@example.com", "ann@example.com.invalid"} {
		plan := buildOne([]User{usr("A", "Email="+email, "Ext=102")}, people, Rules{Extensions: true})
		if len(plan.Changes) != 1 || plan.Changes[0].New != "P" || plan.Changes[0].Rule != RuleEmail {
			t.Fatalf("user email %q: changes %+v, want A's field = P by email", email, plan.Changes)
		}
		if got := plan.Changes[0].Evidence; got != email {
			t.Errorf("user email %q: evidence %q, want the email as Salesforce holds it", email, got)
		}
		if len(plan.Conflicts) != 1 || plan.Conflicts[0].Kind != RuleDisagreement {
			t.Errorf("user email %q: no rule_disagreement for the extension naming Q: %+v", email, plan.Conflicts)
		}
	}
}

// sandboxCopy is in as a sandbox refresh leaves it: every user's Email ends in .invalid.
func sandboxCopy(in Input) Input {
	out := in
	out.Users = make([]User, len(in.Users))
	for i, u := range in.Users {
		if u.Email != "" {
			u.Email += ".invalid"
		}
		out.Users[i] = u
	}
	return out
}

func TestASandboxCopyOfAnyOrgPlansTheSameLinksAndWrites(t *testing.T) {
	for seed := uint64(0); seed < propertyOrgs/3; seed++ {
		in := randomOrg(rand.New(rand.NewPCG(seed, 7)))
		prod, sbx := Build(in), Build(sandboxCopy(in))
		if !reflect.DeepEqual(prod.Links, sbx.Links) {
			t.Fatalf("seed %d: links differ:\nproduction %+v\nsandbox    %+v", seed, prod.Links, sbx.Links)
		}
		if got, want := writes(sbx), writes(prod); got != want {
			t.Fatalf("seed %d: writes differ:\nproduction %s\nsandbox    %s", seed, want, got)
		}
		if len(prod.Conflicts) != len(sbx.Conflicts) {
			t.Fatalf("seed %d: %d conflicts in production, %d in the sandbox", seed, len(prod.Conflicts), len(sbx.Conflicts))
		}
	}
}

// writes lists what a plan writes, without the evidence (which shows each email as Salesforce holds it).
func writes(p Plan) string {
	s := ""
	for _, c := range p.Changes {
		s += fmt.Sprintf("%s %s %s %q->%q %s %v; ", c.Provider, c.UserID, c.Rule, c.Old, c.New, c.Username, c.Phone)
	}
	return s
}
