// Package openapitest checks a simulator's answers against its provider's
// published OpenAPI description, for the simulators' tests. The simulator
// cannot drift from the API without a test saying where.
package openapitest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// Router routes requests against the simulator at base instead of the
// servers the spec names.
func Router(t *testing.T, doc *openapi3.T, base string) routers.Router {
	t.Helper()
	clone := *doc
	clone.Servers = openapi3.Servers{{URL: base}}
	r, err := gorillamux.NewRouter(&clone)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// Exchange sends req to a simulator, requires wantStatus, and finds the
// spec's operation for it.
func Exchange(t *testing.T, router routers.Router, req *http.Request, wantStatus int) (*http.Response, []byte, *routers.Route, map[string]string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != wantStatus {
		t.Fatalf("%s %s: status %d, want %d: %s", req.Method, req.URL, resp.StatusCode, wantStatus, body)
	}
	route, params, err := router.FindRoute(req)
	if err != nil {
		t.Fatalf("%s %s: no operation in the spec: %v", req.Method, req.URL.Path, err)
	}
	return resp, body, route, params
}

// Conforms checks an answer the operation declares against the spec (name
// says whose spec, in the failure).
func Conforms(t *testing.T, name string, req *http.Request, route *routers.Route, params map[string]string, resp *http.Response, body []byte) {
	t.Helper()
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}},
		Status: resp.StatusCode, Header: resp.Header, Body: io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("%s %s -> %d does not match %s:\n%v\nbody: %.400s", req.Method, req.URL, resp.StatusCode, name, err, body)
	}
}
