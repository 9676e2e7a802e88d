//go:build windows

package state

import (
	"errors"
	"syscall"
)

// processGone reports whether no process has this pid on this machine:
// OpenProcess refuses an unknown pid with ERROR_INVALID_PARAMETER, and an
// exited process still open elsewhere no longer reads STILL_ACTIVE.
func processGone(pid int) bool {
	const queryLimited, stillActive, invalidParameter = 0x1000, 259, syscall.Errno(87)
	if pid <= 0 {
		return false
	}
	h, err := syscall.OpenProcess(queryLimited, false, uint32(pid))
	if err != nil {
		return errors.Is(err, invalidParameter)
	}
	defer syscall.CloseHandle(h)
	var code uint32
	return syscall.GetExitCodeProcess(h, &code) == nil && code != stillActive
}

// pidNamespace: Windows has one pid space per machine.
func pidNamespace() string { return "windows" }
