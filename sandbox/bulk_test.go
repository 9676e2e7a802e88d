package sandbox

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// sfCall sends one authenticated request to the simulator and returns the status and body.
func sfCall(t *testing.T, s *SalesforceSim, tok, method, path, body string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, s.URL()+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

func bulkSim(t *testing.T) (*SalesforceSim, string) {
	t.Helper()
	s := NewSalesforce([]SFUser{{ID: "005SIMUSER000001AA", IsActive: true, UserType: "Standard"}},
		SFCredentials{ClientID: "id", ClientSecret: "secret"}, testFields)
	t.Cleanup(s.Close)
	resp, err := http.PostForm(s.URL()+"/services/oauth2/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {"id"}, "client_secret": {"secret"}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
		ID          string `json:"id"`
	}
	json.NewDecoder(resp.Body).Decode(&tok)
	if !strings.HasSuffix(tok.ID, "/"+SFIntegrationUserID) {
		t.Fatalf("identity URL %q does not end with the run-as user's id", tok.ID)
	}
	return s, tok.AccessToken
}

const ingest = "/services/data/v65.0/jobs/ingest"

func newJob(t *testing.T, s *SalesforceSim, tok string) string {
	t.Helper()
	_, raw := sfCall(t, s, tok, "POST", ingest, `{"object":"User","operation":"update","contentType":"CSV"}`)
	var j struct{ ID string }
	json.Unmarshal(raw, &j)
	return j.ID
}

func TestGetAllJobsPagesJobInfosByQueryLocator(t *testing.T) {
	s, tok := bulkSim(t)
	s.JobsPerPage = 1
	a, b := newJob(t, s, tok), newJob(t, s, tok)
	var seen []string
	next := ingest + "?jobType=V2Ingest"
	for pages := 0; next != ""; pages++ {
		if pages > 2 {
			t.Fatal("the list does not end")
		}
		_, raw := sfCall(t, s, tok, "GET", next, "")
		var page struct {
			Done           bool
			NextRecordsURL string `json:"nextRecordsUrl"`
			Records        []map[string]any
		}
		if err := json.Unmarshal(raw, &page); err != nil || len(page.Records) != 1 {
			t.Fatalf("page %s: %s", next, raw)
		}
		r := page.Records[0]
		for _, k := range []string{"id", "object", "operation", "state", "createdById", "createdDate", "jobType"} {
			if _, ok := r[k]; !ok {
				t.Errorf("job info lacks %s: %v", k, r)
			}
		}
		if r["createdById"] != SFIntegrationUserID || r["state"] != "Open" {
			t.Errorf("job info %v", r)
		}
		seen = append(seen, r["id"].(string))
		next = ""
		if !page.Done {
			next = page.NextRecordsURL
		}
	}
	if len(seen) != 2 || seen[0] != a || seen[1] != b {
		t.Errorf("listed %v, want %s and %s", seen, a, b)
	}
	if _, raw := sfCall(t, s, tok, "GET", ingest+"?jobType=Classic", ""); !strings.Contains(string(raw), `"records":[]`) {
		t.Errorf("jobType=Classic lists Bulk API 2.0 jobs: %s", raw)
	}
}

func TestResultCSVsCarryEveryUploadedColumnIdIncluded(t *testing.T) {
	s, tok := bulkSim(t)
	s.Reject["005SIMUSER000001AA"] = "INSUFFICIENT_ACCESS_OR_READONLY"
	s.BlankFailedIDs = true
	id := newJob(t, s, tok)
	req, _ := http.NewRequest("PUT", s.URL()+ingest+"/"+id+"/batches", strings.NewReader("Id,Phone\n005SIMUSER000001AA,123\n"))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "text/csv")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload: %v %v", resp, err)
	}
	sfCall(t, s, tok, "PATCH", ingest+"/"+id, `{"state":"UploadComplete"}`)
	_, raw := sfCall(t, s, tok, "GET", ingest+"/"+id+"/failedResults", "")
	rows, err := csv.NewReader(strings.NewReader(string(raw))).ReadAll()
	if err != nil || len(rows) != 2 {
		t.Fatalf("failed results %q: %v", raw, err)
	}
	if strings.Join(rows[0], ",") != "sf__Id,sf__Error,Id,Phone" || rows[1][0] != "" || rows[1][2] != "005SIMUSER000001AA" ||
		!strings.HasPrefix(rows[1][1], "INSUFFICIENT_ACCESS_OR_READONLY:") {
		t.Errorf("failed results %q", rows)
	}
}

func TestAbortIsRefusedOnceAJobIsFinished(t *testing.T) {
	s, tok := bulkSim(t)
	id := newJob(t, s, tok)
	if st, _ := sfCall(t, s, tok, "PATCH", ingest+"/"+id, `{"state":"Aborted"}`); st != http.StatusOK {
		t.Fatalf("aborting an Open job: %d", st)
	}
	if st, _ := sfCall(t, s, tok, "PATCH", ingest+"/"+id, `{"state":"Aborted"}`); st != http.StatusBadRequest {
		t.Errorf("aborting an Aborted job: %d, want 400", st)
	}
}

func TestHeldJobStaysInProgressAfterItsRowsAreWritten(t *testing.T) {
	s, tok := bulkSim(t)
	s.HoldJobs = true
	id := newJob(t, s, tok)
	req, _ := http.NewRequest("PUT", s.URL()+ingest+"/"+id+"/batches", strings.NewReader("Id,Phone\n005SIMUSER000001AA,123\n"))
	req.Header.Set("Authorization", "Bearer "+tok)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload: %v %v", resp, err)
	}
	sfCall(t, s, tok, "PATCH", ingest+"/"+id, `{"state":"UploadComplete"}`)
	for range 5 {
		sfCall(t, s, tok, "GET", ingest+"/"+id, "")
	}
	if st := s.Jobs()[id]; st != "InProgress" {
		t.Errorf("held job is %s", st)
	}
	if u, _ := s.User("005SIMUSER000001AA"); u.Phone != "123" {
		t.Errorf("the held job's row was not written: %+v", u)
	}
}

func TestJobCreateAnswered500StillCreatesTheJob(t *testing.T) {
	s, tok := bulkSim(t)
	s.LoseJobCreate = 1
	if st, _ := sfCall(t, s, tok, "POST", ingest, `{"object":"User","operation":"update","contentType":"CSV"}`); st != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", st)
	}
	if jobs := s.Jobs(); len(jobs) != 1 {
		t.Errorf("jobs %v: want the one the lost answer created, Open", jobs)
	}
}
