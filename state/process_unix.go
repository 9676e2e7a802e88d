//go:build unix

package state

import (
	"errors"
	"os"
	"runtime"
	"syscall"
)

// processGone reports whether no process has this pid on this machine. Only
// ESRCH says so: EPERM is a process of another user, alive.
func processGone(pid int) bool {
	return pid > 0 && errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}

// pidNamespace names the pid namespace this process counts pids in: on
// Linux the namespace's inode (containers have their own); elsewhere the
// machine's one. "" when it cannot be read: pids are then never compared.
func pidNamespace() string {
	if runtime.GOOS != "linux" {
		return runtime.GOOS
	}
	ns, err := os.Readlink("/proc/self/ns/pid")
	if err != nil {
		return ""
	}
	return ns
}
