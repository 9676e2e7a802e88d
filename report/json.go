package report

import (
	"bufio"
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
)

// Schema is the JSON report's contract (schema_version 1), a copy of the
// workplace's shared report-schema.json.
//
//go:embed report-schema.json
var Schema []byte

// requiredPeople are the providers whose people count the schema requires
// (its "<provider>_people" keys), in its order: reports always carry them.
var requiredPeople = func() []string {
	var doc struct {
		Properties struct {
			Counts struct {
				Required []string `json:"required"`
			} `json:"counts"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(Schema, &doc); err != nil {
		panic("report: the embedded report-schema.json: " + err.Error())
	}
	var out []string
	for _, k := range doc.Properties.Counts.Required {
		if p, ok := strings.CutSuffix(k, "_people"); ok {
			out = append(out, p)
		}
	}
	return out
}()

// countsJSON is Counts as the schema spells it, but for the people counts.
type countsJSON struct {
	SalesforceUsers int            `json:"salesforce_users"`
	Linked          map[string]int `json:"linked"`
	Changes         int            `json:"changes"`
	Applied         int            `json:"applied"`
	Failed          int            `json:"failed"`
	Conflicts       int            `json:"conflicts"`
	Deferred        int            `json:"deferred,omitempty"`
}

// MarshalJSON writes one "<provider>_people" key per provider read.
func (c Counts) MarshalJSON() ([]byte, error) {
	fixed, err := json.Marshal(countsJSON{c.SalesforceUsers, c.Linked, c.Changes, c.Applied, c.Failed, c.Conflicts, c.Deferred})
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString("{")
	for _, p := range peopleOrder(c.People) {
		fmt.Fprintf(&b, "%q:%d,", p+"_people", c.People[p])
	}
	b.Write(fixed[1:])
	return b.Bytes(), nil
}

// UnmarshalJSON reads what MarshalJSON writes (stored reports).
func (c *Counts) UnmarshalJSON(data []byte) error {
	var fixed countsJSON
	if err := json.Unmarshal(data, &fixed); err != nil {
		return err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		return err
	}
	*c = Counts{SalesforceUsers: fixed.SalesforceUsers, Linked: fixed.Linked, Changes: fixed.Changes, Applied: fixed.Applied,
		Failed: fixed.Failed, Conflicts: fixed.Conflicts, Deferred: fixed.Deferred, People: map[string]int{}}
	for k, v := range all {
		if p, ok := strings.CutSuffix(k, "_people"); ok {
			var n int
			if err := json.Unmarshal(v, &n); err != nil {
				return fmt.Errorf("counts.%s: %w", k, err)
			}
			c.People[p] = n
		}
	}
	return nil
}

// peopleOrder lists the providers of a people count: the required ones
// first, always, then the others by name.
func peopleOrder(people map[string]int) []string {
	out := slices.Clone(requiredPeople)
	var rest []string
	for p := range people {
		if !slices.Contains(requiredPeople, p) {
			rest = append(rest, p)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}

// MarshalJSON writes the conflict with its suggested fix, worked out from the
// conflict itself when written, so that a stored report never holds a stale one.
func (c Conflict) MarshalJSON() ([]byte, error) {
	type plain Conflict // without this method
	return json.Marshal(struct {
		plain
		Fix Fix `json:"fix"`
	}{plain(c), PinCommand(c)})
}

// JSON writes the report as indented JSON (as encoding/json's Encoder with a
// two-space indent writes it). The lists are written one element at a time: a
// backfill's changes are tens of megabytes of JSON, which built whole would be
// the largest allocation of the run.
func (r *Report) JSON(w io.Writer) error {
	return r.stream(w, "  ")
}

// CompactJSON writes the report as json.Marshal does, the lists streamed.
func (r *Report) CompactJSON(w io.Writer) error {
	return r.stream(w, "")
}

func (r *Report) stream(w io.Writer, indent string) error {
	skeleton := *r
	skeleton.Changes, skeleton.Conflicts, skeleton.Unmatched = nil, nil, nil
	head, err := marshal(skeleton, "", indent)
	if err != nil {
		return err
	}
	sep := ":"
	if indent != "" {
		sep = ": "
	}
	bw := bufio.NewWriter(w)
	lists := []struct {
		key   string
		write func() error
	}{
		{"conflicts", func() error { return writeList(bw, r.Conflicts, indent) }},
		{"changes", func() error { return writeList(bw, r.Changes, indent) }},
		{"unmatched", func() error { return writeList(bw, r.Unmatched, indent) }},
	}
	for _, l := range lists {
		// the key, unescaped quotes and all, cannot occur inside a JSON string
		key := []byte(`"` + l.key + `"` + sep)
		i := bytes.Index(head, append(key, "null"...))
		if i < 0 {
			return fmt.Errorf("report: %s missing from the JSON", l.key)
		}
		bw.Write(head[:i+len(key)])
		if err := l.write(); err != nil {
			return err
		}
		head = head[i+len(key)+len("null"):]
	}
	bw.Write(head)
	if indent != "" {
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// marshal is json.Marshal, or json.MarshalIndent when there is an indent.
func marshal(v any, prefix, indent string) ([]byte, error) {
	if indent == "" {
		return json.Marshal(v)
	}
	return json.MarshalIndent(v, prefix, indent)
}

// writeList writes a top-level list of the report, one element at a time.
func writeList[T any](w *bufio.Writer, items []T, indent string) error {
	switch {
	case items == nil:
		_, err := w.WriteString("null")
		return err
	case len(items) == 0:
		_, err := w.WriteString("[]")
		return err
	}
	w.WriteByte('[')
	prefix := indent + indent // elements sit two levels deep
	for i, it := range items {
		if i > 0 {
			w.WriteByte(',')
		}
		if indent != "" {
			w.WriteString("\n" + prefix)
		}
		b, err := marshal(it, prefix, indent)
		if err != nil {
			return err
		}
		w.Write(b)
	}
	if indent != "" {
		w.WriteString("\n" + indent)
	}
	return w.WriteByte(']')
}
