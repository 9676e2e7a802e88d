// Package pack keeps a record's strings in one allocation. A decoded record
// holds about ten short strings, each rounded up to an allocator size class;
// at 100,000 Salesforce users that rounding is megabytes of the peak heap.
package pack

import (
	"strings"
	"unique"
)

// Strings copies the strings into one block and points each at its part.
func Strings(fields ...*string) {
	n := 0
	for _, f := range fields {
		n += len(*f)
	}
	if n == 0 {
		return
	}
	var b strings.Builder
	b.Grow(n)
	for _, f := range fields {
		b.WriteString(*f)
	}
	block := b.String()
	for _, f := range fields {
		*f, block = block[:len(*f)], block[len(*f):]
	}
}

// Common returns the one shared copy of a value that many records repeat
// (a country, a status, a usage type).
func Common(s string) string {
	if s == "" {
		return ""
	}
	return unique.Make(s).Value()
}
