//go:build race

package match

// propertyOrgs is smaller under the race detector, which slows parsing about
// tenfold; the full 3,000 run in the plain `go test ./...` of .ci/run.
const propertyOrgs = 300
