package zoomphone

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"

	"voiceid/internal/httpx"
	"voiceid/match"
	"voiceid/provider"
	"voiceid/provider/read"
)

// usersPath lists the account's phone users, a page at a time.
const usersPath = "/v2/phone/users"

// pageSize is the most users a page holds.
const pageSize = 100

// Reader reads the phone users of one account.
type Reader struct{ api *httpx.Client }

// NewReader makes a reader; it does not contact the server.
func NewReader(base, token string, e provider.Env) *Reader {
	return &Reader{api: &httpx.Client{Provider: string(Name), Base: base, HTTP: e.HTTP, Auth: read.Header("Bearer " + token),
		Sleep: e.Sleep, Now: e.Now}}
}

// Calls counts the HTTP requests made.
func (r *Reader) Calls() int64 { return r.api.Calls() }

// Check proves the token with one page of one user.
func (r *Reader) Check(ctx context.Context) error {
	_, err := r.api.Get(ctx, usersPath, url.Values{"page_size": {"1"}})
	return err
}

type page struct {
	Users []struct {
		ID        read.ID `json:"id"`
		Name      string  `json:"name"`
		Email     string  `json:"email"`
		Extension read.ID `json:"extension_number"`
		Numbers   []struct {
			Number string `json:"number"`
		} `json:"phone_numbers"`
	} `json:"users"`
	Next string `json:"next_page_token"`
}

// People reads every user, following next_page_token until it is empty.
func (r *Reader) People(ctx context.Context, progress func(read int)) ([]match.Person, error) {
	var out []match.Person
	seen := map[string]bool{} // a token given twice would loop
	q := url.Values{"page_size": {fmt.Sprint(pageSize)}}
	for {
		resp, err := r.api.Get(ctx, usersPath, q)
		if err != nil {
			return nil, err
		}
		var p page
		if err := json.Unmarshal(resp.Body, &p); err != nil {
			return nil, fmt.Errorf("%s: GET %s: %w", Name, usersPath, err)
		}
		for _, u := range p.Users {
			person := match.Person{Provider: Name, ID: string(u.ID), Eligible: true, Owner: match.OwnerPerson, Name: u.Name,
				Email: u.Email, Extension: string(u.Extension)}
			for _, n := range u.Numbers {
				person.Numbers = append(person.Numbers, match.Number{Raw: n.Number, Direct: true})
			}
			out = append(out, person)
		}
		if progress != nil {
			progress(len(out))
		}
		if p.Next == "" {
			return out, nil
		}
		if seen[p.Next] {
			return nil, fmt.Errorf("%s: %w: GET %s gave next_page_token %q twice", Name, read.ErrIncomplete, usersPath, p.Next)
		}
		seen[p.Next] = true
		q = read.With(q, "next_page_token", p.Next)
	}
}
