package salesforce

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"

	"voiceid/internal/pack"
	"voiceid/match"
)

// userQueryFields are the User fields matching needs, in toUser's column
// order. Id and Username are on every org; the others are selected only where
// describe lists them (CountryCode needs the picklists; field-level security
// can hide the rest).
var userQueryFields = []string{"Id", "Username", "Name", "Email", "Phone", "MobilePhone", "Extension", "CountryCode", "Country"}

// activeStandard selects the users a run reads (docs/spec.md: Salesforce users).
var activeStandard = "IsActive = true AND UserType = " + Quote("Standard")

// Users reads every active standard user with one query, following its pages.
func (s *Client) Users(ctx context.Context, progress func(read int)) ([]match.User, error) {
	if s.fields == nil {
		return nil, fmt.Errorf("salesforce: Users called before Discover")
	}
	var fields []string
	var provs []match.Provider // the identifier fields, in the run's order
	for _, i := range s.cfg.Providers {
		if _, ok := s.fields[i.Name]; ok {
			provs = append(provs, i.Name)
		}
	}
	column := make([]int, len(userQueryFields)+len(provs)) // selected column of each, or -1
	for i, f := range userQueryFields {
		column[i] = -1
		if i < 2 || s.described[f] {
			column[i] = len(fields)
			fields = append(fields, f)
		}
	}
	for j, p := range provs {
		column[len(userQueryFields)+j] = -1
		if f, ok := s.fields[p]; ok {
			column[len(userQueryFields)+j] = len(fields)
			fields = append(fields, f.Name)
		}
	}
	soql := fmt.Sprintf("SELECT %s FROM User WHERE %s ORDER BY Id", strings.Join(fields, ", "), activeStandard)
	target := s.data("/query")
	q := url.Values{"q": {soql}}
	recordsType := reflect.SliceOf(recordType(fields))
	var out []match.User
	for page := 1; ; page++ {
		resp, err := s.api.Do(ctx, http.MethodGet, target, q, nil, http.Header{"Sforce-Query-Options": {"batchSize=2000"}})
		if err != nil {
			return nil, err
		}
		recs := reflect.New(recordsType) // decoded through the interface: json fills what it points at
		r := struct {
			TotalSize      int    `json:"totalSize"`
			Done           bool   `json:"done"`
			NextRecordsURL string `json:"nextRecordsUrl"`
			Records        any    `json:"records"`
		}{Records: recs.Interface()}
		if err := json.Unmarshal(resp.Body, &r); err != nil || r.Records == nil || recs.Elem().IsNil() {
			return nil, fmt.Errorf("salesforce: query User page %d: malformed answer", page)
		}
		total, done, next := r.TotalSize, r.Done, r.NextRecordsURL
		records := recs.Elem()
		if out == nil {
			out = make([]match.User, 0, min(max(total, records.Len()), 250_000)) // a wrong totalSize cannot make a huge slice
		}
		for i := range records.Len() {
			out = append(out, toUser(records.Index(i), column, provs))
		}
		if progress != nil {
			progress(len(out))
		}
		if done {
			if len(out) != total {
				return nil, fmt.Errorf("salesforce: query User read %d of %d users", len(out), total)
			}
			return out, nil
		}
		if next == "" {
			return nil, fmt.Errorf("salesforce: query User page %d: not done, but no nextRecordsUrl", page)
		}
		target, q = next, nil
	}
}

// recordType is a query record with one *string per selected field, tagged
// with its API name: the identifier fields' names are only known once
// Discover has run, and a typed decode is far lighter than a map per record.
func recordType(fields []string) reflect.Type {
	cols := make([]reflect.StructField, len(fields))
	for i, f := range fields {
		cols[i] = reflect.StructField{Name: fmt.Sprintf("F%d", i), Type: reflect.TypeFor[*string](), Tag: reflect.StructTag(fmt.Sprintf("json:%q", f))}
	}
	return reflect.StructOf(cols)
}

// toUser reads one record: column maps userQueryFields, then the providers'
// identifier fields, to the record's columns (-1: not selected); the
// record's strings share one allocation.
func toUser(rec reflect.Value, column []int, provs []match.Provider) match.User {
	str := func(i int) string {
		c := column[i]
		if c < 0 {
			return ""
		}
		if f := rec.Field(c); !f.IsNil() {
			return f.Elem().String()
		}
		return ""
	}
	u := match.User{ID: str(0), Username: str(1), Name: str(2), Email: str(3), Phone: str(4), MobilePhone: str(5),
		Extension: str(6), CountryCode: pack.Common(str(7)), Country: pack.Common(str(8))}
	for j, p := range provs {
		if v := str(len(userQueryFields) + j); v != "" {
			u.Fields = append(u.Fields, match.FieldValue{Provider: p, Value: v})
		}
	}
	ptrs := make([]*string, 0, 7+len(u.Fields))
	ptrs = append(ptrs, &u.ID, &u.Username, &u.Name, &u.Email, &u.Phone, &u.MobilePhone, &u.Extension)
	for i := range u.Fields {
		ptrs = append(ptrs, &u.Fields[i].Value)
	}
	pack.Strings(ptrs...)
	return u
}

// ErrNoSuchUser is a User id Salesforce does not know.
var ErrNoSuchUser = errors.New("no such Salesforce user")

// LookupUser reads one User by id: its username, and whether a run would
// read it (active and standard).
func (s *Client) LookupUser(ctx context.Context, id string) (username string, eligible bool, err error) {
	soql := "SELECT Id, Username, IsActive, UserType FROM User WHERE Id = " + Quote(id)
	resp, err := s.api.Get(ctx, s.data("/query"), url.Values{"q": {soql}})
	if err != nil {
		return "", false, err
	}
	var r struct {
		Records []struct {
			Username string `json:"Username"`
			IsActive bool   `json:"IsActive"`
			UserType string `json:"UserType"`
		} `json:"records"`
	}
	if err := json.Unmarshal(resp.Body, &r); err != nil {
		return "", false, fmt.Errorf("salesforce: query User %s: malformed answer", id)
	}
	if len(r.Records) == 0 {
		return "", false, fmt.Errorf("%w: %s", ErrNoSuchUser, id)
	}
	u := r.Records[0]
	return u.Username, u.IsActive && u.UserType == "Standard", nil
}
