package report

import (
	"encoding/csv"
	"io"
	"slices"
	"strings"
	"unicode/utf8"
)

// CSV writes one row per conflict, then per change, in review order
// (conflicts, failed writes, clears, the rest), with the columns Data Loader
// users expect first and the review's columns after. Every cell goes through
// safeCell: ids and values come from other systems too.
func (r *Report) CSV(w io.Writer) error {
	r.TitleConflicts()
	cw := csv.NewWriter(w)
	cw.Write([]string{"record", "user_id", "username", "name", "provider", "field", "old", "new", "rule", "status", "error",
		"conflict_kind", "value", "provider_ids", "salesforce_user_ids", "detail",
		"needs_person", "field_label", "evidence", "person_id", "person_name", "person_email", "person_numbers", "fix_command", "fix_note"})
	row := func(cells ...string) {
		for i := range cells {
			cells[i] = safeCell(cells[i])
		}
		cw.Write(cells)
	}
	kinds, byKind := r.conflictsByKind()
	for _, k := range kinds {
		for _, c := range byKind[k] {
			fix := PinCommand(*c)
			row("conflict", "", "", "", c.Provider, "", "", "", "", "", "", c.Kind, c.Value,
				strings.Join(c.ProviderIDs, " "), strings.Join(c.SalesforceUserIDs, " "), c.Detail,
				"conflict", "", "", "", "", "", "", fix.Command, fix.Note)
		}
	}
	failed, clears, rest := r.sections()
	for _, c := range slices.Concat(failed, clears, rest) {
		var p PersonRef
		if c.Person != nil {
			p = *c.Person
		}
		row("change", c.SalesforceUserID, c.SalesforceUsername, c.Name, c.Provider, c.Field,
			c.Old, c.New, c.Rule, string(c.Status), c.Error, "", "", "", "", "",
			c.NeedsPerson(), c.FieldLabel, c.Evidence, p.ID, p.Name, p.Email, strings.Join(p.Numbers, " "), "", "")
	}
	cw.Flush()
	return cw.Error()
}

// safeCell keeps a spreadsheet from reading a value as a formula: one that
// starts (after any spaces) with = + - @ a tab or CR, or their full-width
// forms, gets a leading '. A signed run of digits, such as an E.164 number, is
// data (OWASP "CSV Injection").
func safeCell(s string) string {
	t := strings.TrimLeft(s, " ")
	r, _ := utf8.DecodeRuneInString(t)
	if t == "" || !strings.ContainsRune("=+-@\t\r＝＋－＠", r) {
		return s
	}
	if s == t && (r == '+' || r == '-') && len(s) > 1 && strings.Trim(s[1:], "0123456789") == "" {
		return s
	}
	return "'" + s
}
