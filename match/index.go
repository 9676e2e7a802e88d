package match

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
)

// nuser is a user with its evidence normalised.
type nuser struct {
	*User
	email string
	ext   string
	nums  [2]string // distinct valid E.164 numbers from Phone and MobilePhone
	n     uint8     // how many of nums are set
}

func (u *nuser) numbers() []string { return u.nums[:u.n] }

// nperson is a directory entry with its evidence normalised.
type nperson struct {
	*Person
	email    string
	emails   []string // further distinct normalised emails (Person.Emails)
	ext      string
	numbers  []string // distinct valid E.164 direct numbers
	eligible bool
}

// invalid is a phone value that is not a valid number, held by the record at
// position at (rare, so kept apart from the records).
type invalid struct {
	at  int32
	raw string
}

// userSet is every user, sorted by ID, with the evidence indexes over them.
type userSet struct {
	list            []nuser
	invalid         []invalid // in list order
	email, ext, num holders
}

// personSet is one provider's entries, sorted by ID (one per ID), with the
// evidence indexes: emails and extensions of eligible people only, numbers of
// every entry (all of them count for sharing).
type personSet struct {
	list            []nperson
	invalid         []invalid
	email, ext, num holders
}

// holders files record positions under keys. Most keys have one holder, kept
// in the map itself; only a key held more than once gets a list.
type holders struct {
	first  map[string]int32 // key -> its holder, or -(k+1) when the holders are shared[k]
	shared [][]int32
	keys   []string // the key of each shared list
}

// expect sizes the index for about n keys, so that filing them does not
// grow (and copy) the map again and again.
func (h *holders) expect(n int) {
	if h.first == nil {
		h.first = make(map[string]int32, n)
	}
}

func (h *holders) add(key string, at int32) {
	if h.first == nil {
		h.first = map[string]int32{}
	}
	v, ok := h.first[key]
	switch {
	case !ok:
		h.first[key] = at
	case v >= 0:
		h.shared = append(h.shared, []int32{v, at})
		h.keys = append(h.keys, key)
		h.first[key] = -int32(len(h.shared))
	default:
		h.shared[-v-1] = append(h.shared[-v-1], at)
	}
}

// count is how many records hold key.
func (h *holders) count(key string) int {
	v, ok := h.first[key]
	switch {
	case !ok:
		return 0
	case v >= 0:
		return 1
	}
	return len(h.shared[-v-1])
}

// one is the first holder of a key that has one.
func (h *holders) one(key string) int32 {
	v := h.first[key]
	if v < 0 {
		return h.shared[-v-1][0]
	}
	return v
}

// all lists the holders of key, in record order.
func (h *holders) all(key string) []int32 {
	v, ok := h.first[key]
	switch {
	case !ok:
		return nil
	case v >= 0:
		return []int32{v}
	}
	return h.shared[-v-1]
}

func normalizeUsers(in []User, defaultRegion string, norm phoneFunc) *userSet {
	order := make([]int32, len(in))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return strings.Compare(in[a].ID, in[b].ID) })
	s := &userSet{list: make([]nuser, len(in))}
	s.invalid = parallel(len(in), func(lo, hi int) []invalid {
		phones := phoneCache{norm: norm, seen: make(map[[2]string]phoneResult, hi-lo)} // about a number a user
		var bad []invalid
		for i := lo; i < hi; i++ {
			u := &in[order[i]]
			n := &s.list[i]
			*n = nuser{User: u, email: NormalizeEmail(u.Email), ext: NormalizeExtension(u.Extension)}
			region := Region(u.CountryCode, u.Country, defaultRegion)
			for _, raw := range [2]string{u.Phone, u.MobilePhone} {
				e, ok := phones.normalize(raw, region)
				switch {
				case !ok:
					raw = strings.TrimSpace(raw)
					if k := len(bad) - 1; k < 0 || bad[k] != (invalid{int32(i), raw}) {
						bad = append(bad, invalid{int32(i), raw})
					}
				case e != "" && !slices.Contains(n.numbers(), e):
					n.nums[n.n] = e
					n.n++
				}
			}
		}
		return bad
	})
	both(func() {
		s.email.expect(len(s.list)) // nearly every user has an email
		for i := range s.list {
			if u := &s.list[i]; u.email != "" {
				s.email.add(u.email, int32(i))
			}
		}
	}, func() {
		held := 0
		for i := range s.list {
			held += int(s.list[i].n)
		}
		s.num.expect(held)
		for i := range s.list {
			u := &s.list[i]
			if u.ext != "" {
				s.ext.add(u.ext, int32(i))
			}
			for _, n := range u.numbers() {
				s.num.add(n, int32(i))
			}
		}
	})
	return s
}

// phoneCache parses each distinct (number, region) once: libphonenumber's
// parsing dominates planning, and orgs repeat numbers (desks, switchboards).
type phoneCache struct {
	norm phoneFunc
	seen map[[2]string]phoneResult
}

type phoneResult struct {
	e164 string
	ok   bool
}

func (c phoneCache) normalize(raw, region string) (string, bool) {
	k := [2]string{raw, region}
	if r, hit := c.seen[k]; hit {
		return r.e164, r.ok
	}
	e, ok := c.norm(raw, region)
	c.seen[k] = phoneResult{e, ok}
	return e, ok
}

// parallel runs fn over [0,n) in chunks on every core (small inputs stay on
// one) and returns the chunks' results in order.
func parallel[T any](n int, fn func(lo, hi int) []T) []T {
	workers := runtime.GOMAXPROCS(0)
	if n < 4096 || workers < 2 {
		return fn(0, n)
	}
	chunk := (n + workers - 1) / workers
	parts := make([][]T, (n+chunk-1)/chunk)
	var wg sync.WaitGroup
	for k := range parts {
		wg.Go(func() { parts[k] = fn(k*chunk, min(n, (k+1)*chunk)) })
	}
	wg.Wait()
	return slices.Concat(parts...)
}

// both runs a and b at once.
func both(a, b func()) {
	var wg sync.WaitGroup
	wg.Go(a)
	b()
	wg.Wait()
}

// normalizePeople normalises one provider's entries. A number written
// exactly as a number some user holds (already valid E.164) is taken as it
// is: parsing it again would give the same number, at libphonenumber's cost.
func normalizePeople(in []Person, known *holders, norm phoneFunc) *personSet {
	order := make([]int32, len(in))
	for i := range order {
		order[i] = int32(i)
	}
	// a provider id names one person; should a reader ever return one twice,
	// keep the same copy whatever the input order
	slices.SortFunc(order, func(a, b int32) int {
		if c := strings.Compare(in[a].ID, in[b].ID); c != 0 {
			return c
		}
		return strings.Compare(fmt.Sprint(in[a]), fmt.Sprint(in[b]))
	})
	order = slices.CompactFunc(order, func(a, b int32) bool { return in[a].ID == in[b].ID })
	s := &personSet{list: make([]nperson, len(order))}
	s.invalid = parallel(len(order), func(lo, hi int) []invalid {
		phones := phoneCache{norm: norm, seen: make(map[[2]string]phoneResult, hi-lo)} // about a number a person
		var bad []invalid
		for i := lo; i < hi; i++ {
			p := &in[order[i]]
			n := &s.list[i]
			*n = nperson{Person: p, email: NormalizeEmail(p.Email), ext: NormalizeExtension(p.Extension), eligible: p.Eligible}
			for _, e := range p.Emails {
				if e = NormalizeEmail(e); e != "" && e != n.email {
					n.emails = appendUnique(n.emails, e)
				}
			}
			mine := len(bad)
			for _, num := range p.Numbers {
				if !num.Direct {
					continue
				}
				e, ok := num.Raw, true
				if known.count(e) == 0 {
					e, ok = phones.normalize(num.Raw, "")
				}
				switch {
				case !ok:
					if v := (invalid{int32(i), strings.TrimSpace(num.Raw)}); !slices.Contains(bad[mine:], v) {
						bad = append(bad, v)
					}
				case e != "":
					n.numbers = appendUnique(n.numbers, e)
				}
			}
		}
		return bad
	})
	s.email.expect(len(s.list))
	s.num.expect(len(s.list))
	for i := range s.list {
		x := &s.list[i]
		if x.eligible && x.email != "" {
			s.email.add(x.email, int32(i))
		}
		for _, e := range x.emails {
			if x.eligible {
				s.email.add(e, int32(i))
			}
		}
		if x.eligible && x.ext != "" {
			s.ext.add(x.ext, int32(i))
		}
		for _, n := range x.numbers {
			s.num.add(n, int32(i))
		}
	}
	return s
}

func appendUnique[T comparable](s []T, v T) []T {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}
