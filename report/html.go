package report

import (
	_ "embed"
	"html/template"
	"io"
	"strings"
	"time"
)

//go:embed report.html.tmpl
var htmlSource string

var htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"display":  Display,
	"provider": func(p string) string { return providerTitle[p] },
	"advice":   func(k string) string { return Advice[k] },
	"or":       func(v, def string) string { return map[bool]string{true: def, false: v}[v == ""] },
	"kindTitle": func(k string) string {
		return strings.ToUpper(k[:1]) + strings.ReplaceAll(k[1:], "_", " ")
	},
}).Parse(htmlSource))

// HTML writes the report as one self-contained page (no external scripts,
// styles or fonts): summary cards, then sortable, filterable tables of
// changes, conflicts (with the records involved and a suggested fix) and
// unmatched people. It prints legibly. Every value is escaped by html/template.
func (r *Report) HTML(w io.Writer, loc *time.Location) error {
	if loc == nil {
		loc = time.UTC
	}
	type kindGroup struct {
		Kind      string
		Conflicts []Conflict
	}
	var groups []kindGroup
	for _, c := range r.Conflicts {
		if len(groups) == 0 || groups[len(groups)-1].Kind != c.Kind {
			groups = append(groups, kindGroup{Kind: c.Kind})
		}
		groups[len(groups)-1].Conflicts = append(groups[len(groups)-1].Conflicts, c)
	}
	return htmlTemplate.Execute(w, map[string]any{
		"R":        r,
		"Started":  r.Run.StartedAt.In(loc).Format("2006-01-02 15:04:05 MST"),
		"Finished": r.Run.FinishedAt.In(loc).Format("2006-01-02 15:04:05 MST"),
		"Groups":   groups,
		"Seen": func(t *time.Time) string {
			if t == nil {
				return "this run"
			}
			return t.In(loc).Format("2006-01-02")
		},
	})
}
