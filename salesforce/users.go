package salesforce

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"time"

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

// UserRead is one read of the users: who they are, when Salesforce began
// answering by its own clock (the first page's Date header; zero when it sent
// none), and what was read (Source: the org, the instance and the fields
// selected), so that users remembered from one read are only ever merged with
// users read the same way.
type UserRead struct {
	Users  []match.User
	At     time.Time
	Source string
}

// Users reads every active standard user with one query, following its pages.
func (s *Client) Users(ctx context.Context, progress func(read int)) ([]match.User, error) {
	r, err := s.ReadUsers(ctx, progress)
	return r.Users, err
}

// ReadUsers is Users, with when and how the users were read.
func (s *Client) ReadUsers(ctx context.Context, progress func(read int)) (UserRead, error) {
	sel, err := s.userColumns()
	if err != nil {
		return UserRead{}, err
	}
	read := UserRead{Source: s.source(ctx, sel.fields)}
	soql := fmt.Sprintf("SELECT %s FROM User WHERE %s ORDER BY Id", strings.Join(sel.fields, ", "), activeStandard)
	var out []match.User
	read.At, err = s.query(ctx, soql, sel.fields, func(total int, rec reflect.Value) {
		if out == nil {
			out = make([]match.User, 0, min(total, 250_000)) // a wrong totalSize cannot make a huge slice
		}
		out = append(out, toUser(rec, sel.column, sel.provs))
		if progress != nil && len(out)%2000 == 0 {
			progress(len(out))
		}
	})
	if err != nil {
		return UserRead{}, err
	}
	if progress != nil && len(out)%2000 != 0 {
		progress(len(out))
	}
	read.Users = out
	return read, nil
}

// UserSource is what ReadUsers would say it read (UserRead.Source).
func (s *Client) UserSource(ctx context.Context) (string, error) {
	sel, err := s.userColumns()
	if err != nil {
		return "", err
	}
	return s.source(ctx, sel.fields), nil
}

// UsersChangedSince reads the users whose record changed at or after since
// (SystemModstamp: any change, by a person or by Salesforce itself,
// docs/providers/salesforce.md: Query): those a run reads (active, standard)
// as they are now, and the ids of those it no longer reads.
func (s *Client) UsersChangedSince(ctx context.Context, since time.Time) (changed []match.User, gone []string, err error) {
	sel, err := s.userColumns()
	if err != nil {
		return nil, nil, err
	}
	fields := append(slices.Clone(sel.fields), "IsActive", "UserType")
	soql := fmt.Sprintf("SELECT %s FROM User WHERE SystemModstamp >= %s ORDER BY Id", strings.Join(fields, ", "),
		since.UTC().Truncate(time.Second).Format("2006-01-02T15:04:05Z"))
	active, standard := len(sel.fields), len(sel.fields)+1
	_, err = s.query(ctx, soql, fields, func(_ int, rec reflect.Value) {
		u := toUser(rec, sel.column, sel.provs)
		if isActive := rec.Field(active); isActive.IsNil() || !isActive.Elem().Bool() || value(rec.Field(standard)) != "Standard" {
			gone = append(gone, u.ID)
			return
		}
		changed = append(changed, u)
	})
	if err != nil {
		return nil, nil, err
	}
	return changed, gone, nil
}

// columns are what a users query selects: the fields, each userQueryFields
// entry's and then each identifier's column in them (-1: not selected), and
// the providers whose identifier fields are selected, in the run's order.
type columns struct {
	fields []string
	column []int
	provs  []match.Provider
}

func (s *Client) userColumns() (columns, error) {
	if s.fields == nil {
		return columns{}, fmt.Errorf("salesforce: users read before Discover")
	}
	var c columns
	for _, i := range s.cfg.Providers {
		if _, ok := s.fields[i.Name]; ok {
			c.provs = append(c.provs, i.Name)
		}
	}
	c.column = make([]int, len(userQueryFields)+len(c.provs))
	for i, f := range userQueryFields {
		c.column[i] = -1
		if i < 2 || s.described[f] {
			c.column[i] = len(c.fields)
			c.fields = append(c.fields, f)
		}
	}
	for j, p := range c.provs {
		c.column[len(userQueryFields)+j] = len(c.fields)
		c.fields = append(c.fields, s.fields[p].Name)
	}
	return c, nil
}

// source names the org (its id, from the sign-in's identity URL, where it
// gave one), its instance and the fields a read selects.
func (s *Client) source(ctx context.Context, fields []string) string {
	org := ""
	if t, err := s.auth.Token(ctx); err == nil {
		id, _ := t.Extra("id").(string)
		if parts := strings.Split(strings.TrimRight(id, "/"), "/"); len(parts) >= 2 {
			org = parts[len(parts)-2]
		}
	}
	return fmt.Sprintf("org %s at %s: %s", org, s.api.Base, strings.Join(fields, ","))
}

// query runs one SOQL query, following its pages, and hands each record (a
// struct of recordType(fields)) to each with the query's totalSize. It
// returns when Salesforce began answering, by the first page's Date header.
func (s *Client) query(ctx context.Context, soql string, fields []string, each func(total int, rec reflect.Value)) (time.Time, error) {
	target := s.data("/query")
	q := url.Values{"q": {soql}}
	recordsType := reflect.SliceOf(recordType(fields))
	var at time.Time
	read := 0
	for page := 1; ; page++ {
		resp, err := s.api.Do(ctx, http.MethodGet, target, q, nil, http.Header{"Sforce-Query-Options": {"batchSize=2000"}})
		if err != nil {
			return at, err
		}
		if page == 1 {
			at, _ = http.ParseTime(resp.Header.Get("Date")) // none: zero, and the read is never built on
		}
		recs := reflect.New(recordsType) // decoded through the interface: json fills what it points at
		r := struct {
			TotalSize      int    `json:"totalSize"`
			Done           bool   `json:"done"`
			NextRecordsURL string `json:"nextRecordsUrl"`
			Records        any    `json:"records"`
		}{Records: recs.Interface()}
		if err := json.Unmarshal(resp.Body, &r); err != nil || r.Records == nil || recs.Elem().IsNil() {
			return at, fmt.Errorf("salesforce: query User page %d: malformed answer", page)
		}
		records := recs.Elem()
		for i := range records.Len() {
			each(max(r.TotalSize, records.Len()), records.Index(i))
		}
		read += records.Len()
		if r.Done {
			if read != r.TotalSize {
				return at, fmt.Errorf("salesforce: query User read %d of %d users", read, r.TotalSize)
			}
			return at, nil
		}
		if r.NextRecordsURL == "" {
			return at, fmt.Errorf("salesforce: query User page %d: not done, but no nextRecordsUrl", page)
		}
		target, q = r.NextRecordsURL, nil
	}
}

// recordType is a query record with one *string per selected field, tagged
// with its API name: the identifier fields' names are only known once
// Discover has run, and a typed decode is far lighter than a map per record.
func recordType(fields []string) reflect.Type {
	cols := make([]reflect.StructField, len(fields))
	for i, f := range fields {
		typ := reflect.TypeFor[*string]()
		if f == "IsActive" {
			typ = reflect.TypeFor[*bool]()
		}
		cols[i] = reflect.StructField{Name: fmt.Sprintf("F%d", i), Type: typ, Tag: reflect.StructTag(fmt.Sprintf("json:%q", f))}
	}
	return reflect.StructOf(cols)
}

// toUser reads one record: column maps userQueryFields, then the providers'
// identifier fields, to the record's columns (-1: not selected); the
// record's strings share one allocation.
func toUser(rec reflect.Value, column []int, provs []match.Provider) match.User {
	str := func(i int) string {
		if c := column[i]; c >= 0 {
			return value(rec.Field(c))
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

// value is a text column's value ("" when null).
func value(f reflect.Value) string {
	if f.IsNil() {
		return ""
	}
	return f.Elem().String()
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
