package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"voiceid/provider/dialpad"
)

// Every provider the run read has its figures in the HTML summary, with no
// provider named in the template.
func TestHTMLSummaryShowsEveryProviderRead(t *testing.T) {
	r := fixedReport()
	r.Counts.People["dialpad"], r.Counts.Linked["dialpad"] = 7, 5
	r.Providers = append(r.Providers, dialpad.Info)
	var b bytes.Buffer
	if err := r.HTML(&b, time.UTC); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<b>7</b><span>Dialpad users</span>", "<span>linked (RingCentral / Aircall / Dialpad)</span>", "3 / 1 / 5"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("the HTML summary lacks %q", want)
		}
	}
}
