package salesforce

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"voiceid/internal/httpx"
	"voiceid/match"
)

// Outcome is what happened to one change.
type Outcome struct {
	Applied bool
	Code    string // Salesforce statusCode when rejected
	Message string
}

// BatchSize is the most records one sObject Collections call takes.
const BatchSize = 200

// Settled is told, as writing goes, which changes (indexes into the slice
// given to Apply) now have their final outcome in outcomes.
type Settled func(done []int, outcomes []Outcome)

// Hooks follow the writing: Sending before a batch goes out, Settled once its
// outcomes are final. Either may be nil. An error from Sending stops the
// writing before that batch is sent; Apply returns it.
type Hooks struct {
	Sending func(idx []int) error
	Settled Settled
}

// Apply writes the changes: with sObject Collections (allOrNone=false), one
// record per user, BatchSize records per call; or, above BulkThreshold
// changes, with one Bulk API 2.0 ingest job. Records Salesforce could not
// lock are tried again after a pause; every other rejection is final for this
// run. The outcomes are in the order of changes.
func (s *Client) Apply(ctx context.Context, changes []match.Change, h Hooks) ([]Outcome, error) {
	if h.Settled == nil {
		h.Settled = func([]int, []Outcome) {}
	}
	if h.Sending == nil {
		h.Sending = func([]int) error { return nil }
	}
	if len(changes) > s.bulkThreshold() {
		return s.applyBulk(ctx, changes, h)
	}
	return s.applyCollections(ctx, changes, h)
}

// FieldOf is the User field a change writes.
func (s *Client) FieldOf(c match.Change) (Field, error) {
	if c.Phone {
		return Field{Name: "Phone", Label: "Phone", Length: 40, Updateable: true}, nil
	}
	f, ok := s.fields[c.Provider]
	if !ok {
		return Field{}, fmt.Errorf("salesforce: no identifier field known for %s", c.Provider)
	}
	return f, nil
}

// prepared is a set of changes grouped into one record per user.
type prepared struct {
	out    []Outcome
	byUser map[string][]int // user id -> indexes into changes
	order  []string         // users in the order of their first change
}

// indexes lists the changes of these users.
func (p prepared) indexes(users []string) []int {
	var out []int
	for _, id := range users {
		out = append(out, p.byUser[id]...)
	}
	return out
}

// prepare groups the changes by user. Values longer than their field are
// refused before anything is sent, and told to settled at once.
func (s *Client) prepare(changes []match.Change, settled Settled) (prepared, error) {
	p := prepared{out: make([]Outcome, len(changes)), byUser: map[string][]int{}}
	var refused []int
	for i, c := range changes {
		f, err := s.FieldOf(c)
		if err != nil {
			return p, err
		}
		if len(c.New) > f.Length && f.Length > 0 {
			p.out[i] = Outcome{Code: "STRING_TOO_LONG", Message: fmt.Sprintf("value is %d characters; %s holds %d", len(c.New), f.Name, f.Length)}
			refused = append(refused, i)
			continue
		}
		if _, seen := p.byUser[c.UserID]; !seen {
			p.order = append(p.order, c.UserID)
		}
		p.byUser[c.UserID] = append(p.byUser[c.UserID], i)
	}
	if len(refused) > 0 {
		settled(refused, p.out)
	}
	return p, nil
}

func (s *Client) applyCollections(ctx context.Context, changes []match.Change, h Hooks) ([]Outcome, error) {
	p, err := s.prepare(changes, h.Settled)
	if err != nil {
		return p.out, err
	}
	out := p.out
	retries := s.cfg.LockRetries
	if retries == 0 {
		retries = 3
	}
	pending := p.order
	for round := 0; len(pending) > 0; round++ {
		if round > 0 {
			if err := s.pause(ctx, round); err != nil {
				return out, err
			}
		}
		var again []string
		for start := 0; start < len(pending); start += BatchSize {
			batch := pending[start:min(len(pending), start+BatchSize)]
			if err := h.Sending(p.indexes(batch)); err != nil {
				return out, err
			}
			locked, err := s.writeBatch(ctx, batch, p.byUser, changes, out, round < retries)
			if err != nil && !batchFailure(ctx, err) {
				return out, err
			}
			if err != nil { // the server kept failing this batch: its records failed, the others go on
				for _, id := range batch {
					for _, ci := range p.byUser[id] {
						out[ci] = Outcome{Code: "BATCH_FAILED", Message: err.Error()}
					}
				}
				locked = nil
			}
			again = append(again, locked...)
			var done []int
			for _, id := range batch {
				if !slices.Contains(locked, id) {
					done = append(done, p.byUser[id]...)
				}
			}
			h.Settled(done, out)
		}
		pending = again
	}
	return out, nil
}

// batchFailure reports whether a batch error is the server failing (5xx,
// the network or a concurrency limit, after retries) rather than something
// that dooms every batch (sign-in, the daily API limit, cancellation).
func batchFailure(ctx context.Context, err error) bool {
	var he *httpx.Error
	if ctx.Err() != nil || !errors.As(err, &he) {
		return false
	}
	return he.Status >= 500 || (he.Status == 0 && he.Err != nil) || concurrencyRefused(err)
}

// pause waits before retrying locked rows: round times the first backoff.
func (s *Client) pause(ctx context.Context, round int) error {
	d := time.Second
	if s.cfg.MinBackoff > 0 {
		d = s.cfg.MinBackoff
	}
	return s.api.Wait(ctx, time.Duration(round)*d)
}

// writeBatch sends one sObject Collections call and records each outcome.
// It returns the users whose rows were locked when retryLocked is set.
func (s *Client) writeBatch(ctx context.Context, users []string, byUser map[string][]int, changes []match.Change, out []Outcome, retryLocked bool) ([]string, error) {
	type record map[string]any
	recs := make([]record, len(users))
	for i, id := range users {
		r := record{"attributes": map[string]string{"type": "User"}, "id": id}
		for _, ci := range byUser[id] {
			c := changes[ci]
			f, _ := s.FieldOf(c)
			if c.New == "" {
				r[f.Name] = nil // JSON null clears the field
			} else {
				r[f.Name] = c.New
			}
		}
		recs[i] = r
	}
	body, err := json.Marshal(map[string]any{"allOrNone": false, "records": recs})
	if err != nil {
		return nil, err
	}
	resp, err := s.api.Do(ctx, http.MethodPatch, s.data("/composite/sobjects"), nil, body,
		http.Header{"Content-Type": {"application/json"}})
	if err != nil {
		return nil, withLimitFix(err)
	}
	var results []struct {
		ID      *string `json:"id"`
		Success bool    `json:"success"`
		Errors  []struct {
			StatusCode string   `json:"statusCode"`
			Message    string   `json:"message"`
			Fields     []string `json:"fields"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(resp.Body, &results); err != nil || len(results) != len(users) {
		return nil, fmt.Errorf("salesforce: PATCH composite/sobjects: answer does not hold one result per record")
	}
	var locked []string
	for i, res := range results {
		o := Outcome{Applied: res.Success}
		if !res.Success {
			o.Code, o.Message = "UNKNOWN", "rejected without an error"
			if len(res.Errors) > 0 {
				o.Code, o.Message = res.Errors[0].StatusCode, res.Errors[0].Message
			}
			if o.Code == "UNABLE_TO_LOCK_ROW" && retryLocked {
				locked = append(locked, users[i])
				continue
			}
		}
		for _, ci := range byUser[users[i]] {
			out[ci] = o
		}
	}
	return locked, nil
}
