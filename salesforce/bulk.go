package salesforce

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"voiceid/internal/httpx"
	"voiceid/match"
)

// applyBulk writes the changes with one Bulk API 2.0 ingest job (update on
// User): one CSV row per user, an empty cell leaves a field as it is and
// #N/A clears it. Rows Salesforce could not lock are finished through
// sObject Collections, which retries them.
func (s *Client) applyBulk(ctx context.Context, changes []match.Change, h Hooks) ([]Outcome, error) {
	p, err := s.prepare(changes, h.Settled)
	if err != nil {
		return p.out, err
	}
	out := p.out
	good, bad, err := s.runBulkJob(ctx, s.bulkCSV(changes, p), func() error { return h.Sending(p.indexes(p.order)) })
	if err != nil {
		return out, err
	}
	var locked, done []int
	for _, id := range p.order {
		o := bulkOutcome(id, good, bad)
		for _, ci := range p.byUser[id] {
			out[ci] = o
			if o.Code == "UNABLE_TO_LOCK_ROW" {
				locked = append(locked, ci)
			} else {
				done = append(done, ci)
			}
		}
	}
	h.Settled(done, out)
	if len(locked) == 0 {
		return out, nil
	}
	return out, s.retryLocked(ctx, changes, locked, out, h)
}

// bulkCSV is the job's upload: an Id column and one column per field
// written, one row per user.
func (s *Client) bulkCSV(changes []match.Change, p prepared) []byte {
	cols := map[string]bool{}
	for _, c := range changes {
		f, _ := s.FieldOf(c)
		cols[f.Name] = true
	}
	var fields []string
	for f := range cols {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write(append([]string{"Id"}, fields...))
	for _, id := range p.order {
		row := make([]string, len(fields)+1)
		row[0] = id
		for _, ci := range p.byUser[id] {
			f, _ := s.FieldOf(changes[ci])
			v := changes[ci].New
			if v == "" {
				v = "#N/A" // Bulk API 2.0: #N/A sets null; an empty cell leaves the value
			}
			row[1+sort.SearchStrings(fields, f.Name)] = v
		}
		w.Write(row)
	}
	w.Flush()
	return buf.Bytes()
}

// runBulkJob creates the job, calls sending (which may stop it before any
// row goes out), uploads the CSV, closes the job, waits for it, and returns
// its successful and failed rows by user id.
func (s *Client) runBulkJob(ctx context.Context, data []byte, sending func() error) (good, bad map[string]string, err error) {
	job, err := s.createJob(ctx)
	if err != nil {
		return nil, nil, err
	}
	jobPath := s.data("/jobs/ingest/" + job.ID)
	if err := sending(); err != nil {
		return nil, nil, err
	}
	if _, err := s.api.Do(ctx, http.MethodPut, jobPath+"/batches", nil, data, http.Header{"Content-Type": {"text/csv"}}); err != nil {
		return nil, nil, err
	}
	if _, err := s.bulkJSON(ctx, s.api, http.MethodPatch, jobPath, map[string]string{"state": "UploadComplete"}); err != nil {
		return nil, nil, err
	}
	if err := s.awaitJob(ctx, job.ID, jobPath); err != nil {
		return nil, nil, err
	}
	if good, err = s.bulkResults(ctx, jobPath+"/successfulResults"); err != nil {
		return nil, nil, err
	}
	if bad, err = s.bulkResults(ctx, jobPath+"/failedResults"); err != nil {
		return nil, nil, err
	}
	return good, bad, nil
}

// bulkOutcome is a user's row outcome from the job's result files.
func bulkOutcome(id string, good, bad map[string]string) Outcome {
	if _, applied := good[id]; applied {
		return Outcome{Applied: true}
	}
	if e, failed := bad[id]; failed {
		code, msg, _ := strings.Cut(e, ":")
		return Outcome{Code: code, Message: strings.TrimSpace(msg)}
	}
	return Outcome{Code: "UNKNOWN", Message: "the bulk job did not report this record"}
}

// retryLocked writes the changes whose rows Salesforce could not lock (indexes
// into changes) through sObject Collections, reporting them to h by their
// indexes in changes, and puts their outcomes into out.
func (s *Client) retryLocked(ctx context.Context, changes []match.Change, locked []int, out []Outcome, h Hooks) error {
	again := make([]match.Change, len(locked))
	for i, ci := range locked {
		again[i] = changes[ci]
	}
	remap := func(idx []int) []int {
		back := make([]int, len(idx))
		for i, j := range idx {
			back[i] = locked[j]
		}
		return back
	}
	res, err := s.applyCollections(ctx, again, Hooks{
		Sending: func(idx []int) error { return h.Sending(remap(idx)) },
		Settled: func(idx []int, res []Outcome) {
			for _, j := range idx {
				out[locked[j]] = res[j]
			}
			h.Settled(remap(idx), out)
		}})
	for i, ci := range locked {
		out[ci] = res[i]
	}
	return err
}

// Poll intervals: the status is read right after the upload closes, again
// half a second later, then backing off. simple-salesforce's Bulk 2.0 client
// also waits 0.5 s before its first check (bulk2.py, wait_for_job); a small
// job is often done by then, and a large one costs one call more.
const (
	firstPoll = 500 * time.Millisecond
	maxPoll   = 30 * time.Second
)

// awaitJob polls the job until it is JobComplete. Past bulk_poll_timeout it
// gives up, so that no run (and no schedule) waits on Salesforce for ever.
func (s *Client) awaitJob(ctx context.Context, id, jobPath string) error {
	timeout := s.cfg.BulkPollTimeout
	if timeout <= 0 {
		timeout = DefaultBulkPollTimeout
	}
	deadline := s.cfg.Now().Add(timeout)
	wait := firstPoll
	for {
		st, err := s.bulkJSON(ctx, s.api, http.MethodGet, jobPath, nil)
		if err != nil {
			return err
		}
		switch st.State {
		case "JobComplete":
			return nil
		case "Failed", "Aborted":
			return fmt.Errorf("salesforce: bulk job %s %s: %s", id, strings.ToLower(st.State), st.ErrorMessage)
		}
		left := deadline.Sub(s.cfg.Now())
		if left <= 0 {
			// Abort so no more rows are written unwatched; abort cannot undo rows already processed, so all stay "sending".
			aborted := "aborted it so it writes no more rows"
			if _, err := s.bulkJSON(ctx, s.api, http.MethodPatch, jobPath, map[string]string{"state": "Aborted"}); err != nil {
				aborted = fmt.Sprintf("aborting it failed too (%v)", err)
			}
			return fmt.Errorf("%w: job %s was still %s after %s; %s. Its rows stay \"sending\": the next run re-reads Salesforce and converges. If large jobs need longer, raise [salesforce] bulk_poll_timeout",
				ErrBulkDeadline, id, st.State, timeout, aborted)
		}
		if err := s.api.Wait(ctx, min(wait, left)); err != nil {
			return err
		}
		wait = min(2*wait, maxPoll)
	}
}

// createJob opens the ingest job. Its POST is never retried blindly: after a
// 5xx or a lost answer the job may exist, and a second POST would orphan it
// (a concurrency refusal comes before anything is made, and is retried).
// Abort-then-create is chosen over adopting the orphan: an Open job holds no
// data, so aborting it loses nothing, and rows never go into a job this run
// did not see created. Orphans are found with Get All Jobs (Bulk API 2.0
// guide, get_all_jobs: GET /jobs/ingest?jobType=V2Ingest, pages of records[]
// {id, object, operation, state, createdById, createdDate} until done,
// following nextRecordsUrl; isPkChunkingEnabled is not used).
func (s *Client) createJob(ctx context.Context) (bulkJob, error) {
	spec := map[string]string{"object": "User", "operation": "update", "contentType": "CSV", "lineEnding": "LF", "columnDelimiter": "COMMA"}
	since := s.cfg.Now()
	job, err := s.bulkJSON(ctx, s.once, http.MethodPost, s.data("/jobs/ingest"), spec)
	if concurrencyRefused(err) { // refused before anything was made: no orphan to look for
		return job, withLimitFix(err)
	}
	if err == nil || !batchFailure(ctx, err) {
		return job, err
	}
	if aerr := s.abortOrphans(ctx, since); aerr != nil {
		return bulkJob{}, fmt.Errorf("salesforce: creating the bulk job failed (%v) and looking for a job it may have left open failed too: %w", err, aerr)
	}
	return s.bulkJSON(ctx, s.once, http.MethodPost, s.data("/jobs/ingest"), spec)
}

// orphanSkew is how far Salesforce's clock may trail ours when matching a
// job's createdDate to the POST that made it.
const orphanSkew = 5 * time.Minute

// abortOrphans aborts the Open User update jobs this integration user created
// since the failed POST: the ones it may have left behind.
func (s *Client) abortOrphans(ctx context.Context, since time.Time) error {
	me := s.userID(ctx)
	if me == "" {
		return fmt.Errorf("the sign-in did not say which user this is, so its jobs cannot be told from others'")
	}
	next, q := s.data("/jobs/ingest"), url.Values{"jobType": {"V2Ingest"}}
	for next != "" {
		resp, err := s.api.Get(ctx, next, q)
		if err != nil {
			return err
		}
		var page struct {
			Done           bool   `json:"done"`
			NextRecordsURL string `json:"nextRecordsUrl"`
			Records        []struct {
				ID          string `json:"id"`
				Object      string `json:"object"`
				Operation   string `json:"operation"`
				State       string `json:"state"`
				CreatedByID string `json:"createdById"`
				CreatedDate string `json:"createdDate"`
			} `json:"records"`
		}
		if err := json.Unmarshal(resp.Body, &page); err != nil {
			return fmt.Errorf("salesforce: GET %s: malformed job list: %w", next, err)
		}
		for _, j := range page.Records {
			created, err := time.Parse(sfDateTime, j.CreatedDate)
			if err != nil || j.Object != "User" || j.Operation != "update" || j.State != "Open" ||
				j.CreatedByID != me || created.Before(since.Add(-orphanSkew)) {
				continue
			}
			if _, err := s.bulkJSON(ctx, s.api, http.MethodPatch, s.data("/jobs/ingest/"+j.ID), map[string]string{"state": "Aborted"}); err != nil {
				return err
			}
		}
		next, q = "", nil
		if !page.Done {
			next = page.NextRecordsURL
		}
	}
	return nil
}

// sfDateTime parses job infos' createdDate, 2025-10-01T17:40:32.000+0000 or
// ...000Z (Bulk API 1.0's examples): Go accepts the fraction without a layout for it.
const sfDateTime = "2006-01-02T15:04:05Z0700"

type bulkJob struct {
	ID           string `json:"id"`
	State        string `json:"state"`
	ErrorMessage string `json:"errorMessage"`
}

func (s *Client) bulkJSON(ctx context.Context, api *httpx.Client, method, path string, body any) (bulkJob, error) {
	var raw []byte
	if body != nil {
		raw, _ = json.Marshal(body)
	}
	resp, err := api.Do(ctx, method, path, nil, raw, http.Header{"Content-Type": {"application/json"}})
	if err != nil {
		return bulkJob{}, err
	}
	var j bulkJob
	if err := json.Unmarshal(resp.Body, &j); err != nil || j.State == "" {
		return j, fmt.Errorf("salesforce: %s %s: malformed job answer", method, path)
	}
	return j, nil
}

// bulkResults maps each row's user id to sf__Error ("" for successful
// results). The id is sf__Id, or the uploaded Id column where sf__Id is
// blank, as it can be for failed rows.
func (s *Client) bulkResults(ctx context.Context, path string) (map[string]string, error) {
	resp, err := s.api.Do(ctx, http.MethodGet, path, nil, nil, http.Header{"Accept": {"text/csv"}})
	if err != nil {
		return nil, err
	}
	r := csv.NewReader(bytes.NewReader(resp.Body))
	r.FieldsPerRecord = -1
	head, err := r.Read()
	if err == io.EOF {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("salesforce: GET %s: malformed CSV: %w", path, err)
	}
	idCol, errCol, upCol := -1, -1, -1
	for i, h := range head {
		switch h {
		case "sf__Id":
			idCol = i
		case "sf__Error":
			errCol = i
		case "Id":
			upCol = i
		}
	}
	if idCol < 0 {
		return nil, fmt.Errorf("salesforce: GET %s: no sf__Id column", path)
	}
	out := map[string]string{}
	for {
		row, err := r.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("salesforce: GET %s: malformed CSV: %w", path, err)
		}
		id := cell(row, idCol)
		if id == "" {
			id = cell(row, upCol)
		}
		if id == "" {
			continue
		}
		out[id] = cell(row, errCol)
	}
}

// cell is row[i], or "" when the row has no such column.
func cell(row []string, i int) string {
	if i < 0 || i >= len(row) {
		return ""
	}
	return row[i]
}
