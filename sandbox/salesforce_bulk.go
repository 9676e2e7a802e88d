package sandbox

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ingestJob is one Bulk API 2.0 job.
type ingestJob struct {
	ID, State  string
	created    time.Time
	csv        []byte
	ok, failed [][]string // result rows
	header     []string
	polls      int
}

// sfTime is Salesforce's dateTime layout in job infos, e.g. 2025-10-01T17:40:32.000+0000.
const sfTime = "2006-01-02T15:04:05.000-0700"

func (s *SalesforceSim) jobInfo(j *ingestJob) map[string]any {
	return map[string]any{"id": j.ID, "object": "User", "operation": "update", "state": j.State, "contentType": "CSV",
		"jobType": "V2Ingest", "createdById": SFIntegrationUserID, "createdDate": j.created.UTC().Format(sfTime),
		"numberRecordsProcessed": len(j.ok) + len(j.failed), "numberRecordsFailed": len(j.failed), "apiVersion": 65.0}
}

func (s *SalesforceSim) createJob(w http.ResponseWriter, r *http.Request) {
	var req struct{ Object, Operation, ContentType string }
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Object != "User" || req.Operation != "update" {
		sfErr(w, http.StatusBadRequest, "INVALIDJOB", "object must be User and operation update")
		return
	}
	s.Mu.Lock()
	defer s.Mu.Unlock()
	s.nextCur++
	j := &ingestJob{ID: fmt.Sprintf("750SIM%09dAAA", s.nextCur), State: "Open", created: s.clock()}
	if s.jobs == nil {
		s.jobs = map[string]*ingestJob{}
	}
	s.jobs[j.ID] = j
	if s.LoseJobCreate > 0 {
		s.LoseJobCreate--
		sfErr(w, http.StatusInternalServerError, "UNKNOWN_EXCEPTION", "An unexpected error occurred")
		return
	}
	info := s.jobInfo(j)
	info["contentUrl"] = fmt.Sprintf("services/data/%s/jobs/ingest/%s/batches", r.PathValue("v"), j.ID)
	WriteJSON(w, http.StatusOK, info)
}

// listJobs is Get All Jobs: pages of job infos, in job id order, followed
// through nextRecordsUrl?queryLocator=.
func (s *SalesforceSim) listJobs(w http.ResponseWriter, r *http.Request) {
	per := 1000
	if s.JobsPerPage > 0 {
		per = s.JobsPerPage
	}
	from := 0
	if loc := r.URL.Query().Get("queryLocator"); loc != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(loc, "01gSIMJOBS"))
		if err != nil || n < 0 {
			sfErr(w, http.StatusBadRequest, "INVALID_QUERY_LOCATOR", "invalid query locator")
			return
		}
		from = n
	}
	s.Mu.Lock()
	defer s.Mu.Unlock()
	ids := make([]string, 0, len(s.jobs))
	if jt := r.URL.Query().Get("jobType"); jt == "" || jt == "V2Ingest" {
		for id := range s.jobs {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	from = min(from, len(ids))
	end := min(len(ids), from+per)
	records := []map[string]any{}
	for _, id := range ids[from:end] {
		records = append(records, s.jobInfo(s.jobs[id]))
	}
	body := map[string]any{"done": end == len(ids), "records": records}
	if end < len(ids) {
		body["nextRecordsUrl"] = fmt.Sprintf("/services/data/%s/jobs/ingest?queryLocator=01gSIMJOBS%d", r.PathValue("v"), end)
	}
	WriteJSON(w, http.StatusOK, body)
}

// Jobs maps each ingest job's id to its state.
func (s *SalesforceSim) Jobs() map[string]string {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	out := map[string]string{}
	for id, j := range s.jobs {
		out[id] = j.State
	}
	return out
}

func (s *SalesforceSim) job(w http.ResponseWriter, r *http.Request) *ingestJob {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	j := s.jobs[r.PathValue("job")]
	if j == nil {
		sfErr(w, http.StatusNotFound, "NOT_FOUND", "The requested resource does not exist")
	}
	return j
}

func (s *SalesforceSim) uploadJob(w http.ResponseWriter, r *http.Request) {
	j := s.job(w, r)
	if j == nil {
		return
	}
	body, _ := io.ReadAll(r.Body)
	s.Mu.Lock()
	defer s.Mu.Unlock()
	if j.State != "Open" {
		sfErr(w, http.StatusConflict, "INVALIDJOBSTATE", "job is not open")
		return
	}
	j.csv = append(j.csv, body...)
	w.WriteHeader(http.StatusCreated)
}

// closeJob processes the uploaded rows as Salesforce would: each row alone.
func (s *SalesforceSim) closeJob(w http.ResponseWriter, r *http.Request) {
	j := s.job(w, r)
	if j == nil {
		return
	}
	var req struct{ State string }
	json.NewDecoder(r.Body).Decode(&req)
	s.Mu.Lock()
	defer s.Mu.Unlock()
	if req.State == "Aborted" {
		if j.State != "Open" && j.State != "UploadComplete" && j.State != "InProgress" {
			sfErr(w, http.StatusBadRequest, "INVALIDJOBSTATE", "a "+j.State+" job cannot be aborted")
			return
		}
		j.State = "Aborted" // rows already processed stay written
		WriteJSON(w, http.StatusOK, s.jobInfo(j))
		return
	}
	if req.State != "UploadComplete" || j.State != "Open" {
		sfErr(w, http.StatusBadRequest, "INVALIDJOBSTATE", "cannot move the job to "+req.State)
		return
	}
	rows, err := csv.NewReader(bytes.NewReader(j.csv)).ReadAll()
	if err != nil || len(rows) == 0 || rows[0][0] != "Id" {
		j.State = "Failed"
		WriteJSON(w, http.StatusOK, s.jobInfo(j))
		return
	}
	j.header = rows[0]
	for _, row := range rows[1:] {
		vals := map[string]*string{}
		for c := 1; c < len(row) && c < len(j.header); c++ {
			switch v := row[c]; v {
			case "": // an empty cell leaves the field as it is
			case "#N/A":
				vals[j.header[c]] = nil
			default:
				vals[j.header[c]] = &v
			}
		}
		if code, msg, _ := s.check(row[0], vals); code != "" {
			id := row[0]
			if s.BlankFailedIDs {
				id = ""
			}
			j.failed = append(j.failed, append([]string{id, code + ":" + msg}, row...))
			continue
		}
		s.commit(row[0], vals)
		j.ok = append(j.ok, append([]string{row[0], "false"}, row...))
	}
	j.State = "UploadComplete"
	WriteJSON(w, http.StatusOK, s.jobInfo(j))
}

func (s *SalesforceSim) getJob(w http.ResponseWriter, r *http.Request) {
	j := s.job(w, r)
	if j == nil {
		return
	}
	s.Mu.Lock()
	defer s.Mu.Unlock()
	if j.State == "UploadComplete" || j.State == "InProgress" {
		j.polls++
		j.State = map[bool]string{true: "JobComplete", false: "InProgress"}[j.polls > 1 && !s.HoldJobs]
	}
	WriteJSON(w, http.StatusOK, s.jobInfo(j))
}

// jobResults answers a result CSV: sf__Id, sf__Created or sf__Error, then
// every uploaded column, Id included.
func (s *SalesforceSim) jobResults(ok bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		j := s.job(w, r)
		if j == nil {
			return
		}
		s.Mu.Lock()
		defer s.Mu.Unlock()
		w.Header().Set("Content-Type", "text/csv")
		cw := csv.NewWriter(w)
		rows, second := j.failed, "sf__Error"
		if ok {
			rows, second = j.ok, "sf__Created"
		}
		cw.Write(append([]string{"sf__Id", second}, j.header...))
		cw.WriteAll(rows)
	}
}
