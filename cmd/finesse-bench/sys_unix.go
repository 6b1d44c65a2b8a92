//go:build unix

package main

import (
	"fmt"
	"syscall"
	"time"
)

// raiseFileLimit sets the soft RLIMIT_NOFILE to the hard limit and reports
// both. The storm holds, in this one process, both ends of every loopback
// connection: 2,000 clients × (a held BOSH request, a BOSH send, a REST
// call) is up to 6,000 connections, 12,000 descriptors. Go already raises
// the soft limit at start-up on Linux; doing it here as well makes the
// figure in the report the one the run actually had.
func raiseFileLimit() (soft, hard uint64, err error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, 0, fmt.Errorf("getrlimit: %w", err)
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			return lim.Cur, lim.Max, fmt.Errorf("setrlimit: %w", err)
		}
	}
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, 0, fmt.Errorf("getrlimit: %w", err)
	}
	return lim.Cur, lim.Max, nil
}

// processCPU is the CPU time (user + system) this process has used: the
// storm reports it beside wall time, so that a reader can tell a slow
// failover from a starved one (2 cores give at most 2 CPU s per second).
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
