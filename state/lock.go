package state

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"
)

// LockedError says another run holds the lock.
type LockedError struct {
	PID       int
	Host      string
	Started   time.Time
	Heartbeat time.Time     // the holder's last sign of life
	Lease     time.Duration // how long after it the lock is taken over
}

// Lease sets how long a lock holder may go without a heartbeat before
// another run takes the lock over, and how often a holder heartbeats (well
// under the lease). The defaults are 2 minutes and 20 seconds.
func Lease(lease, heartbeat time.Duration) Option {
	return func(o *options) { o.lease, o.heartbeat = lease, heartbeat }
}

// Lock takes the one-run lock. The lock is a lease: until release, a
// goroutine refreshes its heartbeat. A holder is gone, and its lock taken over
// at once, when it is on this host and its pid is not running (killed); a
// holder elsewhere (a container's run is pid 1 on a new hostname each time)
// is gone once its heartbeat is older than the lease, or lies further than
// the lease in the future (a clock was changed). release gives the lock back.
func (s *DB) Lock(ctx context.Context) (release func() error, err error) {
	host, _ := os.Hostname()
	b := make([]byte, 8)
	rand.Read(b)
	token := hex.EncodeToString(b)
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	// BEGIN IMMEDIATE: two processes racing for the lock serialise here
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return nil, err
	}
	commit := false
	defer func() {
		if !commit {
			conn.ExecContext(context.Background(), "ROLLBACK")
		}
	}()
	now := s.Now()
	var held LockedError
	var started, beat, pidns string
	why := ""
	switch err := conn.QueryRowContext(ctx, "SELECT pid, host, started_at, heartbeat_at, pidns FROM lock WHERE id = 1").Scan(&held.PID, &held.Host, &started, &beat, &pidns); {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return nil, err
	default:
		held.Started, held.Heartbeat, held.Lease = parseTS(started), parseTS(beat), s.opts.lease
		if why = s.gone(held, pidns, host, now); why == "" {
			return nil, &held
		}
	}
	if _, err := conn.ExecContext(ctx, "INSERT OR REPLACE INTO lock (id, pid, host, started_at, heartbeat_at, token, pidns) VALUES (1, ?, ?, ?, ?, ?, ?)",
		os.Getpid(), host, ts(now), ts(now), token, pidNamespace()); err != nil {
		return nil, err
	}
	// runs still "running" belong to a holder that is gone: say so
	reason := "interrupted: the run ended without recording its end (killed, or its state file could not be written)"
	if why != "" {
		reason += fmt.Sprintf("; its lock (pid %d on %s) was taken over because %s", held.PID, held.Host, why)
	}
	if _, err := conn.ExecContext(ctx, `UPDATE runs SET status = 'failed', finished_at = ?, reason = ? WHERE status = 'running'`, ts(now), reason); err != nil {
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return nil, err
	}
	commit = true
	if why != "" && s.Log != nil {
		s.Log.Warn("state lock taken over", "pid", held.PID, "host", held.Host, "started", held.Started, "heartbeat", held.Heartbeat, "because", why)
	}
	s.stopHeartbeat = s.heartbeat(token)
	return func() error {
		s.stopHeartbeat()
		_, err := s.db.Exec("DELETE FROM lock WHERE id = 1 AND token = ?", token)
		return err
	}, nil
}

// gone says why the holder of the lock is gone, or "" while it may live. Its
// pid is looked up only in the holder's own pid namespace on this host; this
// very process's pid may be another of its runs (schedule): alive.
func (s *DB) gone(h LockedError, pidns, host string, now time.Time) string {
	here := h.Host == host && pidns != "" && pidns == pidNamespace()
	switch {
	case here && h.PID != os.Getpid() && processGone(h.PID):
		return "its process is not running on this host"
	case h.Heartbeat.Sub(now) > h.Lease:
		return fmt.Sprintf("its heartbeat (%s) lies more than the lease ahead of this host's clock: a clock was changed", h.Heartbeat.Format(time.RFC3339))
	case now.Sub(h.Heartbeat) >= h.Lease:
		return fmt.Sprintf("its heartbeat is older than the lease (%s)", h.Lease)
	}
	return ""
}

// heartbeat refreshes the lock's heartbeat until the returned stop is called.
// A beat that fails (the file busy, full) is tried again at the next tick,
// well before the lease runs out.
func (s *DB) heartbeat(token string) (stop func()) {
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(s.opts.heartbeat)
		defer tick.Stop()
		for {
			select {
			case <-quit:
				return
			case <-tick.C:
				s.db.Exec("UPDATE lock SET heartbeat_at = ? WHERE id = 1 AND token = ?", ts(s.Now()), token)
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() { close(quit); <-done })
	}
}
