package client

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/finesse-ha/finesse-ha/internal/failover"
)

// logCap bounds the recent log diagnostics() returns: a softphone running
// for days must not grow it.
const logCap = 500

// levelRank orders the levels; off is below every entry's level.
var levelRank = map[LogLevel]int{LogOff: 0, LogError: 1, LogWarn: 2, LogInfo: 3, LogDebug: 4}

// logger turns what the engine does (its events as delivered, its history
// entries) into log lines: every line is scrubbed by the engine's own
// scrubber, kept in a bounded ring (at info or finer, whatever the level)
// and sent as a 'log' event when at or above the page's level.
type logger struct {
	level LogLevel // the least severe line sent as an event
	keep  LogLevel // the least severe line kept for diagnostics()
	now   func() time.Time
	scrub func(string) string
	send  func(Event)

	mu   sync.Mutex
	ring []LogEntry
	next int // where the next line goes once the ring is full
	// seen are the last history entries already logged, so that each new
	// entry is logged once (the engine hands out copies of its ring).
	seen    []failover.HistoryEntry
	seenLen int // the length of the copy seen was the tail of
}

func newLogger(level LogLevel, now func() time.Time, send func(Event)) *logger {
	if level == "" {
		level = LogOff
	}
	keep := LogInfo
	if levelRank[level] > levelRank[keep] {
		keep = level
	}
	return &logger{level: level, keep: keep, now: now, send: send, scrub: func(s string) string { return s }}
}

// add logs one line. The ring and the event see the same scrubbed entry.
func (l *logger) add(at time.Time, level LogLevel, src LogSource, side string, msg string) {
	if levelRank[level] > levelRank[l.keep] {
		return
	}
	e := LogEntry{At: isoTime(at), Level: level, Source: src, Message: l.scrub(msg), Side: SideName(side)}
	l.mu.Lock()
	if len(l.ring) < logCap {
		l.ring = append(l.ring, e)
	} else {
		l.ring[l.next] = e
		l.next = (l.next + 1) % logCap
	}
	l.mu.Unlock()
	if levelRank[level] <= levelRank[l.level] {
		l.send(e)
	}
}

// recent is the kept log, oldest first, scrubbed again: a credential
// taken after a line was written (setAuth) is removed from it too.
func (l *logger) recent() []LogEntry {
	l.mu.Lock()
	out := append(slices.Clone(l.ring[l.next:]), l.ring[:l.next]...)
	l.mu.Unlock()
	for i := range out {
		out[i].Message = l.scrub(out[i].Message)
	}
	return out
}

// event logs an event the page was just sent.
func (l *logger) event(ev Event) {
	level, side, msg := describeEvent(ev)
	if msg != "" {
		l.add(l.now(), level, LogFromEvent, side, msg)
	}
}

// describeEvent is an event's log line. Call data (numbers, variables) and
// notification XML stay out of it: the log is for support, who need the
// sequence of what happened, not the customer's data.
func describeEvent(ev Event) (LogLevel, string, string) {
	switch e := ev.(type) {
	case ConnectionEvent:
		level := LogInfo
		switch e.State {
		case StateReconnecting, StateFailingOver, StateDisconnected, StateUnauthorized:
			level = LogWarn
		}
		msg := fmt.Sprintf("connection %s, reason %s, attempt %d", e.State, e.Reason, e.Attempt)
		if e.Host != "" {
			msg += ", host " + e.Host
		}
		if e.Transport != "" {
			msg += ", transport " + string(e.Transport)
		}
		if len(e.Refused) > 0 {
			msg += fmt.Sprintf(", refused by %v", e.Refused)
		}
		return level, string(e.Side), msg
	case AgentEvent:
		msg := fmt.Sprintf("agent %s (was %s)", orNone(string(e.State)), orNone(string(e.Previous)))
		if e.ReasonCode != "" {
			msg += ", reason code " + e.ReasonCode
		}
		if e.Synthetic {
			msg += ", found by re-sync"
		}
		if e.ForcedLogout {
			msg += ", forced logout by the old side"
		}
		return LogInfo, string(e.Side), msg
	case DialogEvent:
		msg := fmt.Sprintf("dialog %s: %s %s, %s", e.Action, e.Dialog.ID, e.Dialog.State, orNone(e.Dialog.CallType))
		if e.Synthetic {
			msg += ", found by re-sync"
		}
		if e.Dialog.Restored {
			msg += ", call data restored: " + strings.Join(e.Dialog.RestoredFields, " ")
		}
		return LogInfo, string(e.Side), msg
	case NotificationEvent:
		msg := fmt.Sprintf("notification %s %s", e.Event, e.Node)
		if e.RequestID != "" {
			msg += ", requestId " + e.RequestID
		}
		return LogDebug, string(e.Side), msg
	case ErrorEvent:
		level := LogWarn
		if e.Fatal {
			level = LogError
		}
		msg := fmt.Sprintf("error %s: %s", e.Code, e.Message)
		if e.RequestID != "" {
			msg += " (requestId " + e.RequestID + ")"
		}
		return level, string(e.Side), msg
	}
	return "", "", ""
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// history logs the entries of h (the engine's timeline, oldest first) not
// logged before. Entries that repeat an event's news (states, errors) are
// skipped: the event's line says it.
func (l *logger) history(h []failover.HistoryEntry) {
	l.mu.Lock()
	fresh := newEntries(l.seen, l.seenLen, h)
	l.seen, l.seenLen = h[max(0, len(h)-histOverlap):], len(h)
	l.mu.Unlock()
	for _, e := range fresh {
		if level, msg, ok := historyLine(e); ok {
			l.add(e.At, level, LogFromHistory, e.Side, msg)
		}
	}
}

// pending are the lines of the entries of h not logged yet (no event has
// been delivered since they were recorded), as kept lines would be; they
// stay unlogged, so that the next event still sends them.
func (l *logger) pending(h []failover.HistoryEntry) []LogEntry {
	l.mu.Lock()
	fresh := newEntries(l.seen, l.seenLen, h)
	l.mu.Unlock()
	var out []LogEntry
	for _, e := range fresh {
		if level, msg, ok := historyLine(e); ok && levelRank[level] <= levelRank[l.keep] {
			out = append(out, LogEntry{At: isoTime(e.At), Level: level, Source: LogFromHistory, Message: l.scrub(msg), Side: SideName(e.Side)})
		}
	}
	return out
}

func historyLine(e failover.HistoryEntry) (LogLevel, string, bool) {
	level, ok := historyLevel(e.What)
	msg := e.What
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return level, msg, ok
}

// histOverlap is how many of the last entries identify where the logged
// part of the timeline ends.
const histOverlap = 4

// newEntries is the part of cur after the entries seen (the tail of an
// earlier copy of the same ring, seenLen long): cur after the place where
// seen's entries appear in order, or all of cur when they do not (the ring
// moved on past them). That place is at seenLen or, once the ring is full,
// before it: searching down from there, an identical run of new entries is
// not mistaken for the old one.
func newEntries(seen []failover.HistoryEntry, seenLen int, cur []failover.HistoryEntry) []failover.HistoryEntry {
	if len(seen) == 0 {
		return cur
	}
	for end := min(seenLen, len(cur)); end >= len(seen); end-- {
		if slices.Equal(cur[end-len(seen):end], seen) {
			return cur[end:]
		}
	}
	// Only part of seen may still be in cur (the ring dropped the rest).
	for k := len(seen) - 1; k > 0; k-- {
		if len(cur) >= k && slices.Equal(cur[:k], seen[len(seen)-k:]) {
			return cur[k:]
		}
	}
	return cur
}

// historyLevel is the level of a history kind's line; false for kinds an
// event already reports (states and errors).
func historyLevel(what string) (LogLevel, bool) {
	switch HistoryKind(what) {
	case HistoryError:
		return "", false
	case HistoryConnectFailed, HistoryRequest401, HistoryTokenExpired, HistoryConflict, HistoryForcedLogout, HistoryBusy, HistoryNotificationLost, HistoryPing:
		return LogWarn, true
	case HistoryTrigger, HistorySwitch, HistorySignin, HistoryRelogin, HistoryRestoreState, HistoryCredentials, HistoryTokenRefresh, HistoryRequestRetry:
		return LogInfo, true
	}
	switch ConnState(what) {
	case StateConnecting, StateConnected, StateReconnecting, StateFailingOver, StateDisconnected, StateUnauthorized, StateClosed:
		return "", false
	}
	return LogDebug, true
}
