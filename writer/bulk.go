package writer

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"

	"voiceid/match"
)

// applyBulk writes the changes with one Bulk API 2.0 ingest job (update on
// User): one CSV row per user, an empty cell leaves a field as it is and
// #N/A clears it. Rows Salesforce could not lock are finished through
// sObject Collections, which retries them.
func (s *Salesforce) applyBulk(ctx context.Context, changes []match.Change, h Hooks) ([]Outcome, error) {
	p, err := s.prepare(changes)
	if err != nil {
		return p.out, err
	}
	out, byUser, users := p.out, p.byUser, p.order
	if len(p.early) > 0 {
		h.Settled(p.early, out)
	}
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
	for _, id := range users {
		row := make([]string, len(fields)+1)
		row[0] = id
		for _, ci := range byUser[id] {
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

	job, err := s.bulkJSON(ctx, http.MethodPost, s.data("/jobs/ingest"), map[string]string{"object": "User", "operation": "update",
		"contentType": "CSV", "lineEnding": "LF", "columnDelimiter": "COMMA"})
	if err != nil {
		return out, err
	}
	jobPath := s.data("/jobs/ingest/" + job.ID)
	if err := h.Sending(p.indexes(users)); err != nil {
		return out, err
	}
	if _, err := s.api.Do(ctx, http.MethodPut, jobPath+"/batches", nil, buf.Bytes(), http.Header{"Content-Type": {"text/csv"}}); err != nil {
		return out, err
	}
	if _, err := s.bulkJSON(ctx, http.MethodPatch, jobPath, map[string]string{"state": "UploadComplete"}); err != nil {
		return out, err
	}
	for poll := 0; ; poll++ {
		st, err := s.bulkJSON(ctx, http.MethodGet, jobPath, nil)
		if err != nil {
			return out, err
		}
		if st.State == "JobComplete" {
			break
		}
		if st.State == "Failed" || st.State == "Aborted" {
			return out, fmt.Errorf("salesforce: bulk job %s %s: %s", job.ID, strings.ToLower(st.State), st.ErrorMessage)
		}
		if err := s.pause(ctx, min(poll+1, 10)); err != nil {
			return out, err
		}
	}
	good, err := s.bulkResults(ctx, jobPath+"/successfulResults")
	if err != nil {
		return out, err
	}
	bad, err := s.bulkResults(ctx, jobPath+"/failedResults")
	if err != nil {
		return out, err
	}
	var locked, done []int
	for _, id := range users {
		o := Outcome{Code: "UNKNOWN", Message: "the bulk job did not report this record"}
		if _, applied := good[id]; applied {
			o = Outcome{Applied: true}
		} else if e, failed := bad[id]; failed {
			code, msg, _ := strings.Cut(e, ":")
			o = Outcome{Code: code, Message: strings.TrimSpace(msg)}
		}
		for _, ci := range byUser[id] {
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
	return out, err
}

type bulkJob struct {
	ID           string `json:"id"`
	State        string `json:"state"`
	ErrorMessage string `json:"errorMessage"`
}

func (s *Salesforce) bulkJSON(ctx context.Context, method, path string, body any) (bulkJob, error) {
	var raw []byte
	if body != nil {
		raw, _ = json.Marshal(body)
	}
	resp, err := s.api.Do(ctx, method, path, nil, raw, http.Header{"Content-Type": {"application/json"}})
	if err != nil {
		return bulkJob{}, err
	}
	var j bulkJob
	if err := json.Unmarshal(resp.Body, &j); err != nil || j.State == "" {
		return j, fmt.Errorf("salesforce: %s %s: malformed job answer", method, path)
	}
	return j, nil
}

// bulkResults maps sf__Id to sf__Error ("" for successful results).
func (s *Salesforce) bulkResults(ctx context.Context, path string) (map[string]string, error) {
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
	idCol, errCol := -1, -1
	for i, h := range head {
		switch h {
		case "sf__Id":
			idCol = i
		case "sf__Error":
			errCol = i
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
		if idCol >= len(row) {
			continue
		}
		e := ""
		if errCol >= 0 && errCol < len(row) {
			e = row[errCol]
		}
		out[row[idCol]] = e
	}
}
