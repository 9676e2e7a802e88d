package sandbox

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

func (s *SalesforceSim) query(w http.ResponseWriter, r *http.Request) {
	q, err := parseSOQL(r.URL.Query().Get("q"))
	if err != nil {
		sfErr(w, http.StatusBadRequest, "MALFORMED_QUERY", err.Error())
		return
	}
	var known func(field string) bool
	switch q.object {
	case "User":
		known = func(f string) bool {
			_, ok := (userRecord{fields: s.byField}).get(f)
			return ok && !(f == "CountryCode" && s.NoCountryCode)
		}
	case "Organization":
		known = func(f string) bool { _, ok := (sfOrg{}).get(f); return ok }
	default:
		sfErr(w, http.StatusBadRequest, "INVALID_TYPE", "sObject type '"+q.object+"' is not supported.")
		return
	}
	for _, f := range append(append([]string{}, q.fields...), q.whereFields()...) {
		if !known(f) {
			sfErr(w, http.StatusBadRequest, "INVALID_FIELD", "No such column '"+f+"' on entity '"+q.object+"'.")
			return
		}
	}
	batch := 2000
	if opt := r.Header.Get("Sforce-Query-Options"); opt != "" {
		if v, ok := strings.CutPrefix(strings.TrimSpace(opt), "batchSize="); ok {
			if n, err := strconv.Atoi(v); err == nil {
				batch = min(max(n, 200), 2000)
			}
		}
	}
	rows := s.rows(q, r.PathValue("v"))
	if q.count { // COUNT(): the number of rows in totalSize, and no records
		WriteJSON(w, http.StatusOK, map[string]any{"totalSize": len(rows), "done": true, "records": []any{}})
		return
	}
	s.page(w, r.PathValue("v"), cursor{rows: rows, batch: batch})
}

// rows are the records a query selects, each with its attributes.
func (s *SalesforceSim) rows(q soql, version string) []map[string]any {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	var rows []map[string]any
	if q.object == "Organization" {
		if org := s.org(); matches(q, org) {
			rows = appendRow(rows, q, version, org)
		}
		return rows
	}
	refresher := s.refresher()
	for _, u := range s.users {
		if s.SandboxCopy && u.Email != "" && u.ID != refresher {
			u.Email += ".invalid" // salesforce.md §5a: every user but the one who started the copy
		}
		if !matches(q, userRecord{u, s.byField}) {
			continue
		}
		if s.NoCountryCode && u.Country == "" && u.CountryCode != "" {
			u.Country = countryText(u.CountryCode, len(rows))
		}
		rows = appendRow(rows, q, version, userRecord{u, s.byField})
	}
	return rows
}

// appendRow adds a record's selected fields and its attributes.
func appendRow[T sobject](rows []map[string]any, q soql, version string, rec T) []map[string]any {
	id, _ := rec.get("Id")
	row := map[string]any{"attributes": map[string]any{"type": q.object, "url": fmt.Sprintf("/services/data/%s/sobjects/%s/%s", version, q.object, id)}}
	for _, f := range q.fields {
		v, _ := rec.get(f)
		if t, ok := v.(time.Time); ok {
			v = t.UTC().Format(sfDateTime)
		}
		row[f] = v
	}
	return append(rows, row)
}

// sobject is a record a query can read.
type sobject interface {
	get(field string) (any, bool)
}

// sfOrg is the simulated org's one Organization record.
type sfOrg struct {
	ID, Name  string
	IsSandbox bool
}

// org is the Organization record: a sandbox when Sandbox or SandboxCopy is set.
func (s *SalesforceSim) org() sfOrg {
	return sfOrg{ID: "00DSIM000000001AAA", Name: "Simulated Org", IsSandbox: s.Sandbox || s.SandboxCopy}
}

// refresher is the user whose Email a sandbox copy leaves as it was: RefreshedBy,
// else the org's first user. Callers hold s.Mu.
func (s *SalesforceSim) refresher() string {
	if s.RefreshedBy != "" || len(s.users) == 0 {
		return s.RefreshedBy
	}
	return s.users[0].ID
}

func (s *SalesforceSim) page(w http.ResponseWriter, version string, c cursor) {
	end := min(len(c.rows), c.offset+c.batch)
	body := map[string]any{"totalSize": len(c.rows), "done": end == len(c.rows), "records": c.rows[c.offset:end]}
	if c.rows == nil {
		body["records"] = []any{}
	}
	if end < len(c.rows) {
		s.Mu.Lock()
		s.nextCur++
		loc := fmt.Sprintf("01gSIM%011dAAA-%d", s.nextCur, end)
		s.cursors[loc] = cursor{rows: c.rows, offset: end, batch: c.batch}
		s.Mu.Unlock()
		body["nextRecordsUrl"] = fmt.Sprintf("/services/data/%s/query/%s", version, loc)
	}
	WriteJSON(w, http.StatusOK, body)
}

func (s *SalesforceSim) queryMore(w http.ResponseWriter, r *http.Request) {
	s.Mu.Lock()
	c, ok := s.cursors[r.PathValue("locator")]
	s.Mu.Unlock()
	if !ok {
		sfErr(w, http.StatusBadRequest, "INVALID_QUERY_LOCATOR", "invalid query locator")
		return
	}
	s.page(w, r.PathValue("v"), c)
}

// sfDateTime is how the REST API writes a dateTime field's value
// (salesforce.md §5b).
const sfDateTime = "2006-01-02T15:04:05.000-0700"

// soql is the subset of SOQL the simulator understands:
// SELECT f1, f2 | COUNT() FROM Obj [WHERE f = lit | f LIKE 'pattern' | f >= dateTime [AND ...]] [ORDER BY f]
// A dateTime literal is not quoted: 2026-12-04T02:15:00Z (salesforce.md §5b).
type soql struct {
	fields []string
	count  bool // SELECT COUNT()
	object string
	where  []cond
}

type cond struct {
	field string
	op    string         // "=", or a comparison of a dateTime: ">", ">=", "<", "<="
	value any            // string, bool, time.Time or nil
	like  *regexp.Regexp // LIKE value: % any run, _ one character, case-insensitive
}

func (q soql) whereFields() []string {
	var out []string
	for _, c := range q.where {
		out = append(out, c.field)
	}
	return out
}

// matches tells whether a record meets every condition of the WHERE clause.
func matches[T sobject](q soql, rec T) bool {
	for _, c := range q.where {
		v, _ := rec.get(c.field)
		switch at, isTime := c.value.(time.Time); {
		case c.like != nil:
			if str, ok := v.(string); !ok || !c.like.MatchString(str) {
				return false
			}
		case isTime:
			t, ok := v.(time.Time)
			if !ok || !compare(t.Compare(at), c.op) {
				return false
			}
		case v != c.value:
			return false
		}
	}
	return true
}

// compare tells whether a comparison's outcome (-1, 0, 1) meets op.
func compare(cmp int, op string) bool {
	switch op {
	case "=":
		return cmp == 0
	case ">":
		return cmp > 0
	case ">=":
		return cmp >= 0
	case "<":
		return cmp < 0
	case "<=":
		return cmp <= 0
	}
	return false
}

// likeRE is a LIKE pattern as a regular expression. LIKE is case-insensitive
// on every field that is not unique and case-sensitive (SOQL comparison operators).
func likeRE(pattern string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("(?is)^")
	for _, r := range pattern {
		switch r {
		case '%':
			b.WriteString(".*")
		case '_':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

func parseSOQL(src string) (soql, error) {
	toks, err := lexSOQL(src)
	if err != nil {
		return soql{}, err
	}
	var q soql
	i := 0
	next := func() string {
		if i >= len(toks) {
			return ""
		}
		i++
		return toks[i-1]
	}
	if !strings.EqualFold(next(), "SELECT") {
		return q, fmt.Errorf("unexpected token: expecting SELECT")
	}
	if err := q.parseFields(next); err != nil {
		return q, err
	}
	q.object = next()
	if !isIdent(q.object) {
		return q, fmt.Errorf("unexpected token: %q", q.object)
	}
	if i < len(toks) && strings.EqualFold(toks[i], "WHERE") {
		i++
		for {
			c, err := parseCond(next(), next(), next())
			if err != nil {
				return q, err
			}
			q.where = append(q.where, c)
			if i >= len(toks) || !strings.EqualFold(toks[i], "AND") {
				break
			}
			i++
		}
	}
	if i < len(toks) && strings.EqualFold(toks[i], "ORDER") {
		if i+2 >= len(toks) || !strings.EqualFold(toks[i+1], "BY") || !isIdent(toks[i+2]) {
			return q, fmt.Errorf("unexpected token: ORDER")
		}
		i += 3
	}
	if i != len(toks) {
		return q, fmt.Errorf("unexpected token: %q", toks[i])
	}
	return q, nil
}

// parseFields reads the select list up to FROM: field names, or COUNT() alone.
func (q *soql) parseFields(next func() string) error {
	for {
		f := next()
		switch {
		case strings.EqualFold(f, "COUNT()") && len(q.fields) == 0 && !q.count:
			q.count = true
		case f != "" && isIdent(f) && !q.count:
			q.fields = append(q.fields, f)
		default:
			return fmt.Errorf("unexpected token: %q", f)
		}
		sep := next()
		if strings.EqualFold(sep, "FROM") {
			return nil
		}
		if sep != "," || q.count {
			return fmt.Errorf("unexpected token: %q", sep)
		}
	}
}

// parseCond reads one "field op literal" of a WHERE clause.
func parseCond(f, op, lit string) (cond, error) {
	like := strings.EqualFold(op, "LIKE")
	if !isIdent(f) || (!slices.Contains([]string{"=", ">", ">=", "<", "<="}, op) && !like) || lit == "" {
		return cond{}, fmt.Errorf("unexpected token near %q", f)
	}
	var v any
	dateTime := f == "SystemModstamp"
	switch {
	case dateTime && strings.HasPrefix(lit, "'"):
		return cond{}, fmt.Errorf("value of filter criterion for field '%s' must be of type dateTime and should not be enclosed in quotes", f)
	case dateTime:
		t, err := time.Parse(time.RFC3339, lit)
		if err != nil {
			return cond{}, fmt.Errorf("value of filter criterion for field '%s' must be of type dateTime: %q", f, lit)
		}
		v = t
	case op != "=" && !like:
		return cond{}, fmt.Errorf("unexpected token near %q: the simulator compares only dateTime fields with %s", f, op)
	case strings.HasPrefix(lit, "'"):
		v = lit[1:]
	case like:
		return cond{}, fmt.Errorf("LIKE takes a string literal, not %q", lit)
	case strings.EqualFold(lit, "true"), strings.EqualFold(lit, "false"):
		v = strings.EqualFold(lit, "true")
	case strings.EqualFold(lit, "null"):
		v = nil
	default:
		return cond{}, fmt.Errorf("unexpected literal %q", lit)
	}
	c := cond{field: f, op: op, value: v}
	if like {
		c.like = likeRE(v.(string))
	}
	return c, nil
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' {
			return false
		}
	}
	return true
}

// lexSOQL splits a query into identifiers, punctuation and literals; a string
// literal token keeps its opening quote and has its escapes resolved.
func lexSOQL(src string) ([]string, error) {
	var toks []string
	rs := []rune(src)
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case unicode.IsSpace(r):
			i++
		case r == ',' || r == '=':
			toks = append(toks, string(r))
			i++
		case r == '<' || r == '>':
			if i+1 < len(rs) && rs[i+1] == '=' {
				toks = append(toks, string(rs[i:i+2]))
				i += 2
				continue
			}
			toks = append(toks, string(r))
			i++
		case r == '\'':
			var b strings.Builder
			b.WriteRune('\'')
			i++
			closed := false
			for i < len(rs) {
				c := rs[i]
				if c == '\\' {
					if i+1 >= len(rs) {
						return nil, fmt.Errorf("unterminated escape")
					}
					e := rs[i+1]
					switch e {
					case '\\', '\'', '"':
						b.WriteRune(e)
					case 'n', 'N':
						b.WriteRune('\n')
					case 'r', 'R':
						b.WriteRune('\r')
					case 't', 'T':
						b.WriteRune('\t')
					case 'b', 'B':
						b.WriteRune('\b')
					case 'f', 'F':
						b.WriteRune('\f')
					default:
						return nil, fmt.Errorf("invalid escape sequence \\%c", e)
					}
					i += 2
					continue
				}
				if c == '\'' {
					closed = true
					i++
					break
				}
				b.WriteRune(c)
				i++
			}
			if !closed {
				return nil, fmt.Errorf("unterminated string literal")
			}
			toks = append(toks, b.String())
		default:
			start := i
			for i < len(rs) && !unicode.IsSpace(rs[i]) && rs[i] != ',' && rs[i] != '=' && rs[i] != '\'' && rs[i] != '<' && rs[i] != '>' {
				i++
			}
			toks = append(toks, string(rs[start:i]))
		}
	}
	return toks, nil
}
