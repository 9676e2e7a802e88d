package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strings"
	"time"
)

//go:embed report.html.tmpl
var htmlSource string

// htmlTemplate's provider functions are bound to each report's providers
// before it renders (htmlFor); these stand in at parse time.
var htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"display":     Display,
	"peopleCards": providers(nil).peopleCards,
	"provider":    providers(nil).title,
	"advice":      providers(nil).advice,
	"fix":         func(c *Conflict) Fix { return PinCommand(*c) },
	"label":       func(c *Change) string { return c.label() },
	"evidence":    func(c *Change) string { return c.evidence() },
	"or":          func(v, def string) string { return map[bool]string{true: def, false: v}[v == ""] },
	"kindTitle": func(k string) string {
		return strings.ToUpper(k[:1]) + strings.ReplaceAll(k[1:], "_", " ")
	},
}).Parse(htmlSource))

// HTML writes the report as one self-contained page (no external scripts,
// styles or fonts): the summary with a chart, then what needs a person
// (conflicts by kind, each with the command that resolves it; clears; failed
// writes), then the changes, each naming its person and evidence, and the
// unmatched people. Tables sort and filter; the page prints legibly. Every
// value is escaped by html/template.
func (r *Report) HTML(w io.Writer, loc *time.Location) error {
	r.TitleConflicts()
	if loc == nil {
		loc = time.UTC
	}
	type kindGroup struct {
		Kind      string
		Conflicts []*Conflict
	}
	var groups []kindGroup
	kinds, byKind := r.conflictsByKind()
	for _, k := range kinds {
		groups = append(groups, kindGroup{k, byKind[k]})
	}
	failed, clears, rest := r.sections()
	ps := r.providers()
	t, err := htmlTemplate.Clone()
	if err != nil {
		return err
	}
	t.Funcs(template.FuncMap{"peopleCards": ps.peopleCards, "provider": ps.title, "advice": ps.advice})
	return t.Execute(w, map[string]any{
		"R":        r,
		"Started":  r.Run.StartedAt.In(loc).Format("2006-01-02 15:04:05 MST"),
		"Finished": r.Run.FinishedAt.In(loc).Format("2006-01-02 15:04:05 MST"),
		"Groups":   groups,
		"Failed":   failed,
		"Clears":   clears,
		"Rest":     rest,
		"Review":   len(r.Conflicts) + len(failed) + len(clears),
		"Chart":    r.chart(),
		"Seen": func(t *time.Time) string {
			if t == nil {
				return "this run"
			}
			return t.In(loc).Format("2006-01-02")
		},
	})
}

// chart is the summary's bar chart: changes by provider and rule beside
// conflicts by provider and kind, laid out here so the template only draws.
type chart struct {
	Width, Height int
	Desc          string
	Columns       []chartColumn
}

type chartColumn struct {
	Title string
	X     int
	Bars  []chartBar
}

type chartBar struct {
	Label            string
	N                int
	Y, BarX, W, NumX int
	Conflict         bool
}

const (
	chartRow    = 18  // px per bar
	chartLabel  = 175 // px for a bar's label
	chartBarMax = 90  // px for the longest bar
	chartWidth  = 315 // px per column
)

func (r *Report) chart() chart {
	ps := r.providers()
	type key struct{ prov, what string }
	count := func(keys []key) ([]key, map[key]int) {
		n := map[key]int{}
		var order []key
		for _, k := range keys {
			if n[k] == 0 {
				order = append(order, k)
			}
			n[k]++
		}
		return order, n
	}
	var ch, cf []key
	for _, c := range r.Changes {
		ch = append(ch, key{c.Provider, c.Rule})
	}
	for _, c := range r.Conflicts {
		cf = append(cf, key{c.Provider, c.Kind})
	}
	out := chart{Width: 2 * chartWidth}
	var desc []string
	for i, side := range []struct {
		title string
		keys  []key
		rank  func(string) int
	}{
		{"Changes by provider and rule", ch, ruleRank},
		{"Conflicts by provider and kind", cf, kindRank},
	} {
		order, n := count(side.keys)
		slices.SortStableFunc(order, func(a, b key) int {
			if pa, pb := ps.rank(a.prov), ps.rank(b.prov); pa != pb {
				return pa - pb
			}
			return side.rank(a.what) - side.rank(b.what)
		})
		most := 1
		for _, k := range order {
			most = max(most, n[k])
		}
		col := chartColumn{Title: side.title, X: i * chartWidth}
		var parts []string
		for j, k := range order {
			label := fmt.Sprintf("%s %s", ps.title(k.prov), strings.ReplaceAll(k.what, "_", " "))
			w := max(2, n[k]*chartBarMax/most)
			col.Bars = append(col.Bars, chartBar{Label: label, N: n[k], Y: 22 + j*chartRow, BarX: col.X + chartLabel, W: w,
				NumX: col.X + chartLabel + w + 4, Conflict: i == 1})
			parts = append(parts, fmt.Sprintf("%s %d", label, n[k]))
		}
		if len(parts) == 0 {
			parts = append(parts, "none")
		}
		desc = append(desc, side.title+": "+strings.Join(parts, ", "))
		out.Columns = append(out.Columns, col)
		out.Height = max(out.Height, 26+len(order)*chartRow)
	}
	out.Desc = strings.Join(desc, ". ") + "."
	return out
}

// card is one figure of the HTML summary.
type card struct{ Value, Label string }

// peopleCards are the people read per provider, then the users linked per
// provider: every provider the run read, with no provider named here.
func (ps providers) peopleCards(c Counts) []card {
	var out []card
	var linked, titles []string
	for _, p := range peopleOrder(c.People) {
		out = append(out, card{fmt.Sprint(c.People[p]), ps.title(p) + " " + ps.entries(p)})
		linked = append(linked, fmt.Sprint(c.Linked[p]))
		titles = append(titles, ps.title(p))
	}
	return append(out, card{strings.Join(linked, " / "), "linked (" + strings.Join(titles, " / ") + ")"})
}
