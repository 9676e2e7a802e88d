package report

import (
	"bytes"
	"strings"
	"testing"
)

func TestTextDropsBidiControlsAndCapsAbsurdLengths(t *testing.T) {
	r := &Report{Conflicts: []Conflict{{Kind: "invalid_phone", Provider: "ringcentral", Value: "123",
		Detail: "evil\u202egnp.exe\u2066 " + strings.Repeat("A", 5000)}}}
	var b bytes.Buffer
	if err := r.Text(&b, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, bidi := range []string{"\u202e", "\u2066"} {
		if strings.Contains(out, bidi) {
			t.Errorf("text report carries the bidi control %U", []rune(bidi)[0])
		}
	}
	if strings.Contains(out, strings.Repeat("A", maxShown+1)) || !strings.Contains(out, "…") {
		t.Error("a 5,000-character detail was not cut")
	}
}
