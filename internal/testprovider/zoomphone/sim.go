package zoomphone

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"voiceid/sandbox"
)

// User is one phone user of the simulated account.
type User struct {
	ID, Name, Email, Extension string
	Numbers                    []string // E.164
}

// Sim is the simulated account: its users, behind a bearer token.
type Sim struct {
	sandbox.Base
	token string
	users []User
}

// NewSim starts a simulator holding users, answering to token.
func NewSim(users []User, token string) *Sim {
	s := &Sim{token: token, users: users}
	s.ErrorBody = func(status int, _ string) any {
		return map[string]any{"code": status, "message": http.StatusText(status)}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+usersPath, s.listUsers)
	s.Start(mux)
	return s
}

// Section points voiceid at the simulator.
func (s *Sim) Section() string {
	return fmt.Sprintf("[zoomphone]\nbase_url = %q\ntoken = %q\n", s.URL(), s.token)
}

// listUsers answers a page: page_size (default 30, at most 100) users from
// the offset next_page_token names.
func (s *Sim) listUsers(w http.ResponseWriter, r *http.Request) {
	if tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); tok != s.token {
		sandbox.WriteJSON(w, http.StatusUnauthorized, map[string]any{"code": 124, "message": "Invalid access token."})
		return
	}
	size, from := 30, 0
	if v := r.URL.Query().Get("page_size"); v != "" {
		size, _ = strconv.Atoi(v)
	}
	if v := r.URL.Query().Get("next_page_token"); v != "" {
		from, _ = strconv.Atoi(v)
	}
	if size < 1 || size > pageSize || from < 0 || from > len(s.users) {
		sandbox.WriteJSON(w, http.StatusBadRequest, map[string]any{"code": 300, "message": "Invalid page_size or next_page_token."})
		return
	}
	users := []map[string]any{}
	for _, u := range s.users[from:min(from+size, len(s.users))] {
		nums := []map[string]any{}
		for _, n := range u.Numbers {
			nums = append(nums, map[string]any{"number": n})
		}
		users = append(users, map[string]any{"id": u.ID, "name": u.Name, "email": u.Email,
			"extension_number": u.Extension, "phone_numbers": nums})
	}
	next := ""
	if from+size < len(s.users) {
		next = strconv.Itoa(from + size)
	}
	sandbox.WriteJSON(w, http.StatusOK, map[string]any{"users": users, "next_page_token": next,
		"page_size": size, "total_records": len(s.users)})
}
