package job

import (
	"context"
	"fmt"
	"strings"

	"voiceid/match"
	"voiceid/salesforce"
	"voiceid/state"
)

// Result is one line of a preflight check: a probe that passed (Err nil) or
// failed, with the fix when one is known; or, with Info, a fact worth telling.
type Result struct {
	What string
	Err  error
	Fix  string
	Info bool
}

// Check probes what a run needs, in the order a run needs it: the state
// file, the Salesforce sign-in, API version, identifier fields and API
// allowance, then each provider's credentials (credentials names each one's
// line). each gets every result as it comes: a probe may wait on the network.
func Check(ctx context.Context, o Options, credentials func(match.Provider) (what, fix string), each func(Result)) {
	what := "state file " + o.StatePath + " is writable"
	exists, err := state.Probe(o.StatePath)
	if err == nil && !exists {
		what = "state file " + o.StatePath + " does not exist yet; its directory is writable: the first sync creates it"
	}
	each(Result{What: what, Err: err, Fix: "make the directory writable by this user, or set [state] path"})
	ctx = o.WithNetwork(ctx)
	sf, err := salesforce.Connect(ctx, o.SalesforceConfig())
	s := o.Salesforce
	signIn := "Salesforce sign-in (" + s.Auth + ") at " + s.LoginURL
	if s.Auth == salesforce.AuthSFCLI {
		signIn = "Salesforce sign-in (sf-cli, org " + s.TargetOrg + ")"
	}
	each(Result{What: signIn, Err: err})
	if err == nil {
		checkSalesforce(ctx, &o, sf, each)
	}
	for _, p := range o.Providers {
		what, fix := credentials(p.Name)
		d := p.Open(o.Env())
		each(Result{What: what, Err: d.Check(ctx), Fix: fix})
		closeDirectory(ctx, o.logger(), p.Name, d)
	}
}

// checkSalesforce probes a signed-in org: the API version, each provider's
// identifier field, the region numbers are read in, whether it is a sandbox,
// the API allowance.
func checkSalesforce(ctx context.Context, o *Options, sf *salesforce.Client, each func(Result)) {
	newest, err := sf.CheckVersion(ctx)
	each(Result{What: fmt.Sprintf("Salesforce API version %s is served (the org's newest is %s)", strings.TrimPrefix(o.Salesforce.APIVersion, "v"), newest), Err: err})
	own := true
	for _, p := range o.Providers {
		fields, err := sf.Discover(ctx, []match.Provider{p.Name})
		what := fmt.Sprintf("Salesforce field %q", p.Label)
		if err == nil {
			f := fields[p.Name]
			what += fmt.Sprintf(" is User.%s (editable, %d characters)", f.Name, f.Length)
		}
		each(Result{What: what, Err: err})
		own = own && err == nil
	}
	if _, err := sf.Discover(ctx, o.Names()); own && err != nil {
		each(Result{What: "each provider has an identifier field of its own", Err: err})
	}
	if sf.HasCountryCode() {
		each(Result{Info: true, What: "the org has State and Country/Territory Picklists: each user's numbers are read in the region of User.CountryCode"})
	} else {
		each(Result{Info: true, What: "the org has no State and Country/Territory Picklists: each user's numbers are read in the region of User.Country (a name or ISO code), else " + o.Match.DefaultRegion})
	}
	each(sandboxLine(ctx, sf))
	if err := sf.CheckReserve(10); err == nil {
		used, limit := sf.Usage()
		each(Result{What: fmt.Sprintf("Salesforce API allowance: %d of %d used today", used, limit)})
	} else {
		each(Result{What: "Salesforce API allowance", Err: err})
	}
}

// sandboxLine says whether the org is a sandbox, and how many emails carry
// the ".invalid" of a sandbox copy (docs/providers/salesforce.md: Sandboxes). It informs and never
// fails the check: a run does not depend on it.
func sandboxLine(ctx context.Context, sf *salesforce.Client) Result {
	f, err := sf.Sandbox(ctx)
	var what string
	switch {
	case err != nil:
		what = fmt.Sprintf("could not tell whether the org is a sandbox: %v", err)
	case f.Invalid > 0 && f.IsSandbox:
		what = fmt.Sprintf("the org is a sandbox: %d of %d user emails end in .invalid, which voiceid compares without the suffix", f.Invalid, f.Users)
	case f.Invalid > 0:
		what = fmt.Sprintf("the org is not a sandbox, but %d of %d user emails end in .invalid, which voiceid compares without the suffix", f.Invalid, f.Users)
	case f.IsSandbox:
		what = "the org is a sandbox; no active user's email ends in .invalid"
	default:
		what = "the org is production (not a sandbox)"
	}
	return Result{Info: true, What: what}
}
