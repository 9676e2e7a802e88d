// Package read is what the providers' readers share and nothing else: ids
// that come as JSON strings or numbers, fixed credentials in a header, and
// the guard that stops a list read that no longer advances. Each reader's
// own rules (a provider's error shapes, its limits, its paging) stay in its
// package.
package read

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// ErrIncomplete marks a directory read that did not return everything the
// server said it holds; nothing may be decided from such a read.
var ErrIncomplete = errors.New("directory read is incomplete")

// ID decodes a JSON string or number (RingCentral's directory sends ids as
// strings and its extension list as numbers; Dialpad's REST sends strings and
// its webhooks numbers), trimmed of surrounding white space: a padded id is
// neither written to Salesforce nor kept apart from its unpadded self.
type ID string

// UnmarshalJSON keeps a number's decimal digits as they are (never through float64).
func (f *ID) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = ID(strings.TrimSpace(s))
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*f = ID(n.String())
	return nil
}

// Basic is the value of an HTTP Basic Authorization header.
func Basic(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

// Header sends the same Authorization value with every request: a key that
// the provider refuses cannot be refreshed here, so the reader's classifier
// fails the read with what to do (an expired key needs a new one).
type Header string

// Authorize sets the header.
func (h Header) Authorize(_ context.Context, req *http.Request) error {
	req.Header.Set("Authorization", string(h))
	return nil
}

// Invalidate does nothing: the credential is fixed.
func (Header) Invalidate() {}

// Progress stops a list read that no longer advances. A page that holds
// only records already read (a proxy answering page 1 for every page, a
// cursor that leads back), or records past the total the server reported,
// would otherwise be followed by the same request again and again: once a
// run sent 5,146 requests that way. total < 0 or perPage <= 0: unknown.
func Progress(provider, endpoint string, page, records, fresh, total, perPage int) error {
	switch {
	case records > 0 && fresh == 0:
		return fmt.Errorf("%s: %w: GET %s page %d holds no record that earlier pages did not: the list is not advancing, so the read stopped; "+
			"if a proxy stands between voiceid and %s, make it pass each request's query through", provider, ErrIncomplete, endpoint, page, provider)
	case records > 0 && total >= 0 && perPage > 0 && page > (total+perPage-1)/perPage:
		return fmt.Errorf("%s: %w: GET %s page %d holds records past the %d the server reported (%d pages of %d): the read stopped; "+
			"if a proxy stands between voiceid and %s, make it pass each request's query through", provider, ErrIncomplete, endpoint, page,
			total, (total+perPage-1)/perPage, perPage, provider)
	}
	return nil
}

// With is a copy of q with k set to v (the next page's query).
func With(q url.Values, k, v string) url.Values {
	out := make(url.Values, len(q)+1)
	for key, vs := range q {
		out[key] = append([]string(nil), vs...)
	}
	out.Set(k, v)
	return out
}

// Clock is now, or the real clock.
func Clock(now func() time.Time) func() time.Time {
	if now == nil {
		return time.Now
	}
	return now
}

// Logf is logf, or nowhere.
func Logf(logf func(string, ...any)) func(string, ...any) {
	if logf == nil {
		return func(string, ...any) {}
	}
	return logf
}
