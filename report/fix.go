package report

import (
	"fmt"
	"strings"
)

// Fix is the suggested way out of one conflict: the command that resolves it
// the suggested way, when one does, and what to check first or do instead.
type Fix struct {
	Command string `json:"command,omitempty"` // for a POSIX shell; "" when no voiceid command resolves it
	Note    string `json:"note"`
}

// PinCommand suggests the voiceid command that resolves a conflict. It never
// presents a choice between records as certain: such a command says which
// record it picked and that a person must check it.
func PinCommand(c Conflict) Fix {
	prov := c.Provider
	switch c.Kind {
	case "duplicate_email", "shared_number", "ambiguous_match":
		return c.pickOne()
	case "rule_disagreement":
		for _, u := range c.SalesforceUserIDs {
			for _, p := range c.ProviderIDs {
				if c.stands(u, p) {
					return Fix{Command: pin(c.userArg(u), prov, p),
						Note: fmt.Sprintf("confirms the link that stands (%s); then correct the weaker evidence on the record", c.Value)}
				}
			}
		}
		return Fix{Note: "the link that stands is named in the detail: pin it to confirm it (voiceid pin USER --" + prov + " ID)"}
	case "stale_identifier":
		if len(c.SalesforceUserIDs) == 1 {
			return Fix{Command: "voiceid pin " + c.userArg(c.SalesforceUserIDs[0]) + " --none --provider " + shellQuote(prov),
				Note: "suggested: clears the field on the next run and keeps this user unlinked for " + c.title() +
					" until voiceid unpin; where many users left, set clear_stale = true instead"}
		}
	case "pin_broken":
		if len(c.SalesforceUserIDs) == 1 {
			return Fix{Command: "voiceid unpin " + c.userArg(c.SalesforceUserIDs[0]) + " " + shellQuote("--"+prov),
				Note: "removes the pin to a person who is gone or disabled: the rules decide again; or pin the right person"}
		}
	case "invalid_phone":
		return Fix{Note: "no pin helps: correct the number on the record, in international form (+1 650 555 0100)"}
	case "write_failed":
		return Fix{Note: "no pin helps: read Salesforce's message and fix the record; the next run tries the write again"}
	}
	return Fix{Note: c.advice()}
}

// pickOne pins the one user to the first eligible person, or the first of
// several users to the one eligible person: a guess a person must check.
func (c Conflict) pickOne() Fix {
	var people []string
	for _, id := range c.ProviderIDs {
		if c.eligible(id) {
			people = append(people, id)
		}
	}
	users := c.SalesforceUserIDs
	switch {
	case c.Kind == "ambiguous_match" && strings.Contains(c.Detail, " is pinned to "):
		return Fix{Note: "several users are pinned to this person: unpin all but the right one (voiceid unpin USER --" + c.Provider + ")"}
	case len(users) > 0 && len(people) == 0 && len(c.ProviderIDs) > 0:
		return Fix{Note: "no enabled user holds it (a department's or office's line, or someone disabled): correct the Salesforce user's number, or link by email"}
	case len(users) == 0 || len(people) == 0:
		return Fix{Note: "no user and person to pin to each other: " + c.advice()}
	case len(users) > 1 && len(people) > 1:
		return Fix{Note: "several users and several people: pin each user to their person (voiceid pin USER --" + c.Provider + " ID)"}
	}
	note := "suggested: check that this is the right person before running it"
	switch {
	case len(people) > 1:
		note = fmt.Sprintf("suggested, check which is right: picks the first of %d people", len(people))
	case len(users) > 1:
		note = fmt.Sprintf("suggested, check which is right: picks the first of %d users", len(users))
	}
	switch c.Kind {
	case "duplicate_email":
		note += "; the conflict stays listed while the email is shared"
	case "shared_number":
		note += "; the conflict stays listed while the number is shared"
	}
	return Fix{Command: pin(c.userArg(users[0]), c.Provider, people[0]), Note: note}
}

// eligible reports whether a person of the conflict can be pinned: an
// eligible one, or one the report does not describe (the state keeps ids only).
func (c Conflict) eligible(id string) bool {
	for _, p := range c.People {
		if p.ID == id {
			return !p.ineligible()
		}
	}
	return true
}

// stands reports whether the detail of a rule_disagreement names the link
// user u ↔ person p as the one that stands (match keeps ids sorted, not in
// their roles, so the detail is where the roles are).
func (c Conflict) stands(u, p string) bool {
	d := c.Detail
	for _, user := range []string{"(" + u + ")", " " + u} {
		if strings.Contains(d, user+" to "+p+", which stands") ||
			(strings.Contains(d, "links person "+p+" to ") && strings.Contains(d, user+", which stands")) {
			return true
		}
	}
	return false
}

// userArg names a user for voiceid pin: the username where the report knows
// it (and it cannot read as a flag), else the id.
func (c Conflict) userArg(id string) string {
	for _, u := range c.SalesforceUsers {
		if u.ID == id && u.Username != "" && !strings.HasPrefix(u.Username, "-") {
			return shellQuote(u.Username)
		}
	}
	return shellQuote(id)
}

func pin(user, prov, person string) string {
	return "voiceid pin " + user + " " + shellQuote("--"+prov) + " " + shellQuote(person)
}

// shellQuote makes s one word for a POSIX shell: plain words stay as they
// are; anything else is single-quoted, and each single quote inside ends the
// quoting, is written escaped with a backslash, and starts it again.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%+=:,./_-") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
