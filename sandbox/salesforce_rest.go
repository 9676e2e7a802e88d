package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

var versionRE = regexp.MustCompile(`^v(\d+)\.0$`)

// served reports whether the org serves the API version of a path ("v65.0").
func (s *SalesforceSim) served(v string) bool {
	m := versionRE.FindStringSubmatch(v)
	if m == nil {
		return false
	}
	n, _ := strconv.Atoi(m[1])
	return n >= s.OldestVersion && n <= s.NewestVersion
}

// versionLabels names the releases of recent versions; older ones get a
// generic label (only "version" is read by clients).
var versionLabels = map[int]string{64: "Summer '25", 65: "Winter '26", 66: "Spring '26", 67: "Summer '26", 68: "Winter '27"}

func (s *SalesforceSim) versions(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/services/data/" && r.URL.Path != "/services/data" {
		sfErr(w, http.StatusNotFound, "NOT_FOUND", "The requested resource does not exist")
		return
	}
	out := []map[string]any{}
	for v := s.OldestVersion; v <= s.NewestVersion; v++ {
		label := versionLabels[v]
		if label == "" {
			label = fmt.Sprintf("Release %d", v)
		}
		out = append(out, map[string]any{"label": label, "url": fmt.Sprintf("/services/data/v%d.0", v), "version": fmt.Sprintf("%d.0", v)})
	}
	WriteJSON(w, http.StatusOK, out)
}

// userFields is the User object as described: API name -> (label, type).
var userFields = []struct{ name, label, typ string }{
	{"Id", "User ID", "id"}, {"Username", "Username", "string"}, {"Name", "Full Name", "string"},
	{"FirstName", "First Name", "string"}, {"LastName", "Last Name", "string"}, {"Email", "Email", "email"},
	{"Phone", "Phone", "phone"}, {"MobilePhone", "Mobile", "phone"}, {"Extension", "Extension", "phone"},
	{"CountryCode", "Country Code", "picklist"}, {"Country", "Country", "string"}, {"IsActive", "Active", "boolean"},
	{"UserType", "User Type", "picklist"},
}

func (s *SalesforceSim) describe(w http.ResponseWriter, r *http.Request) {
	var fields []map[string]any
	described := slices.Clone(userFields)
	for _, f := range s.fields { // the providers' identifier fields follow the standard ones
		described = append(described, struct{ name, label, typ string }{f.Name, f.Label, "string"})
	}
	for _, f := range described {
		if f.name == "CountryCode" && s.NoCountryCode {
			continue
		}
		custom := strings.HasSuffix(f.name, "__c")
		upd := f.name != "Id" && f.name != "Name" && f.name != "UserType"
		length := 40
		if custom {
			upd, length = s.FieldsUpdateable, s.FieldLength
		}
		fields = append(fields, map[string]any{"name": f.name, "label": f.label, "type": f.typ, "length": length,
			"custom": custom, "updateable": upd, "createable": upd, "nillable": f.name != "Id", "unique": false, "filterable": true,
			"calculated": false})
	}
	for name, label := range s.ExtraFields {
		typ := s.ExtraFieldTypes[name]
		if typ == "" {
			typ = "string"
		}
		formula := s.ExtraFormulas[name] // a formula is computed: nobody can write it
		fields = append(fields, map[string]any{"name": name, "label": label, "type": typ, "length": 255,
			"custom": true, "updateable": !formula, "createable": !formula, "nillable": true, "unique": false, "filterable": true,
			"calculated": formula})
	}
	WriteJSON(w, http.StatusOK, map[string]any{"name": "User", "label": "User", "keyPrefix": "005", "custom": false,
		"updateable": true, "fields": fields, "urls": map[string]any{"describe": r.URL.Path}})
}

// nullable is a text field's value as the API writes it: null when empty.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// userRecord is a user as queries read it: its identifiers under their fields' API names.
type userRecord struct {
	SFUser
	fields map[string]string // an identifier field's API name -> its provider
}

func (r userRecord) get(field string) (any, bool) {
	if p, ok := r.fields[field]; ok {
		return nullable(r.Identifiers[p]), true
	}
	return r.SFUser.get(field)
}

// get is a standard field's value.
func (u SFUser) get(field string) (any, bool) {
	switch field {
	case "Id":
		return u.ID, true
	case "Username":
		return u.Username, true
	case "Name":
		return u.Name(), true
	case "FirstName":
		return nullable(u.FirstName), true
	case "LastName":
		return u.LastName, true
	case "Email":
		return u.Email, true
	case "Phone":
		return nullable(u.Phone), true
	case "MobilePhone":
		return nullable(u.MobilePhone), true
	case "Extension":
		return nullable(u.Extension), true
	case "CountryCode":
		return nullable(u.CountryCode), true
	case "Country":
		return nullable(u.Country), true
	case "IsActive":
		return u.IsActive, true
	case "UserType":
		return u.UserType, true
	case "SystemModstamp":
		return u.SystemModstamp, true
	}
	return nil, false
}

// set writes a field the job may write (an identifier, Phone); it is false for any other.
func (s *SalesforceSim) set(u *SFUser, field, value string) bool {
	if p, ok := s.byField[field]; ok {
		u.SetIdentifier(p, value)
		return true
	}
	if field == "Phone" {
		u.Phone = value
		return true
	}
	return false
}

func (o sfOrg) get(field string) (any, bool) {
	switch field {
	case "Id":
		return o.ID, true
	case "Name":
		return o.Name, true
	case "IsSandbox":
		return o.IsSandbox, true
	case "OrganizationType":
		return "Enterprise Edition", true
	}
	return nil, false
}

// countryText is how an org without the picklists holds a country: typed by
// people, as an ISO code or an English name (alternately here).
func countryText(code string, i int) string {
	names := map[string]string{"US": "United States", "GB": "United Kingdom", "FR": "France", "DE": "Germany"}
	if n := names[code]; n != "" && i%2 == 1 {
		return n
	}
	return code
}

func (s *SalesforceSim) limits(w http.ResponseWriter, r *http.Request) {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	WriteJSON(w, http.StatusOK, map[string]any{
		"DailyApiRequests":     map[string]any{"Max": s.DailyLimit, "Remaining": s.DailyLimit - s.Used},
		"DailyBulkApiRequests": map[string]any{"Max": 10000, "Remaining": 10000}})
}

// check decides whether one record update is accepted; "" means yes. It
// consumes one simulated lock failure. Callers hold s.Mu.
func (s *SalesforceSim) check(id string, vals map[string]*string) (code, msg string, field string) {
	_, known := s.byID[id]
	switch {
	case !strings.HasPrefix(id, "005") || (len(id) != 15 && len(id) != 18):
		return "MALFORMED_ID", "malformed id " + id, ""
	case !known:
		return "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", ""
	case s.Reject[id] != "":
		return s.Reject[id], "Simulated rejection of this record", ""
	case s.LockFor[id] > 0:
		s.LockFor[id]--
		return "UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access to this record", ""
	}
	var probe SFUser
	for f, v := range vals {
		if v != nil && len(*v) > s.FieldLength {
			return "STRING_TOO_LONG", f + ": data value too large", f
		}
		if (!s.FieldsUpdateable && strings.HasSuffix(f, "__c")) || !s.set(&probe, f, "") {
			return "INVALID_FIELD_FOR_INSERT_UPDATE", "Unable to create/update fields: " + f, f
		}
	}
	return "", "", ""
}

// commit writes an accepted record update. Callers hold s.Mu.
func (s *SalesforceSim) commit(id string, vals map[string]*string) {
	u := &s.users[s.byID[id]]
	names := make([]string, 0, len(vals))
	for f := range vals {
		names = append(names, f)
	}
	sort.Strings(names)
	for _, f := range names {
		val := ""
		if vals[f] != nil {
			val = *vals[f]
		}
		s.set(u, f, val)
		s.writes = append(s.writes, Write{UserID: id, Field: f, Value: val})
	}
	u.SystemModstamp = s.clock()
}

func (s *SalesforceSim) update(w http.ResponseWriter, r *http.Request) {
	var req struct {
		AllOrNone bool                         `json:"allOrNone"`
		Records   []map[string]json.RawMessage `json:"records"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		sfErr(w, http.StatusBadRequest, "JSON_PARSER_ERROR", "Cannot deserialize request: "+err.Error())
		return
	}
	if len(req.Records) > 200 {
		sfErr(w, http.StatusBadRequest, "EXCEEDED_ID_LIMIT", "record limit reached. cannot submit more than 200 records into this call")
		return
	}
	type result struct {
		ID      *string          `json:"id,omitempty"`
		Success bool             `json:"success"`
		Errors  []map[string]any `json:"errors"`
	}
	s.Mu.Lock()
	defer s.Mu.Unlock()
	results := make([]result, len(req.Records))
	ids := make([]string, len(req.Records))
	vals := make([]map[string]*string, len(req.Records))
	failed := false
	for i, rec := range req.Records {
		var attrs struct{ Type string }
		json.Unmarshal(rec["id"], &ids[i])
		json.Unmarshal(rec["attributes"], &attrs)
		vals[i] = map[string]*string{}
		code, msg, field := "", "", ""
		for f, raw := range rec {
			if f == "id" || f == "attributes" {
				continue
			}
			var v *string
			if json.Unmarshal(raw, &v) != nil {
				code, msg, field = "INVALID_FIELD_FOR_INSERT_UPDATE", "bad value for "+f, f
			}
			vals[i][f] = v
		}
		if attrs.Type != "User" {
			code, msg = "INVALID_TYPE", "attributes.type must be User"
		}
		if code == "" {
			code, msg, field = s.check(ids[i], vals[i])
		}
		if code != "" {
			fields := []string{}
			if field != "" {
				fields = append(fields, field)
			}
			results[i] = result{Errors: []map[string]any{{"statusCode": code, "message": msg, "fields": fields}}}
			failed = true
			continue
		}
		id := ids[i]
		results[i] = result{ID: &id, Success: true, Errors: []map[string]any{}}
	}
	if req.AllOrNone && failed {
		for i := range results {
			if results[i].Success {
				results[i] = result{Errors: []map[string]any{{"statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK", "message": "Record rolled back because not all records were valid and the request was using AllOrNone header", "fields": []string{}}}}
			}
		}
		WriteJSON(w, http.StatusOK, results)
		return
	}
	for i := range results {
		if results[i].Success {
			s.commit(ids[i], vals[i])
		}
	}
	WriteJSON(w, http.StatusOK, results)
}
