package client

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/finesse-ha/finesse-ha/internal/clock"
	"github.com/finesse-ha/finesse-ha/internal/failover"
	"github.com/finesse-ha/finesse-ha/internal/finesse"
	"github.com/finesse-ha/finesse-ha/internal/sim"
)

// sink keeps the log events a logger sends.
type sink struct {
	mu  sync.Mutex
	got []LogEntry
}

func (s *sink) send(ev Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.got = append(s.got, ev.(LogEntry))
}

func levels(es []LogEntry) []LogLevel {
	out := make([]LogLevel, len(es))
	for i, e := range es {
		out[i] = e.Level
	}
	return out
}

func TestLogSendsAtLevelAndKeepsInfo(t *testing.T) {
	at := goldenTime
	for _, tc := range []struct {
		level      LogLevel
		sent, kept []LogLevel
	}{
		{LogOff, []LogLevel{}, []LogLevel{LogError, LogWarn, LogInfo}},
		{"", []LogLevel{}, []LogLevel{LogError, LogWarn, LogInfo}},
		{LogWarn, []LogLevel{LogError, LogWarn}, []LogLevel{LogError, LogWarn, LogInfo}},
		{LogDebug, []LogLevel{LogError, LogWarn, LogInfo, LogDebug}, []LogLevel{LogError, LogWarn, LogInfo, LogDebug}},
	} {
		s := &sink{}
		l := newLogger(tc.level, func() time.Time { return at }, s.send)
		for _, lv := range []LogLevel{LogError, LogWarn, LogInfo, LogDebug} {
			l.add(at, lv, LogFromEvent, "A", "line "+string(lv))
		}
		assert.Equal(t, tc.sent, levels(s.got), "sent at %q", tc.level)
		assert.Equal(t, tc.kept, levels(l.recent()), "kept at %q", tc.level)
	}
}

func TestLogRingIsBounded(t *testing.T) {
	l := newLogger(LogOff, time.Now, func(Event) {})
	for i := range logCap + 7 {
		l.add(goldenTime, LogInfo, LogFromEvent, "", fmt.Sprint("line ", i))
	}
	got := l.recent()
	require.Len(t, got, logCap)
	assert.Equal(t, "line 7", got[0].Message, "the oldest lines go first")
	assert.Equal(t, fmt.Sprint("line ", logCap+6), got[logCap-1].Message)
}

func TestLogTakesEachHistoryEntryOnce(t *testing.T) {
	h := func(i int, what string) failover.HistoryEntry {
		return failover.HistoryEntry{At: goldenTime.Add(time.Duration(i) * time.Second), What: what, Detail: fmt.Sprint(i)}
	}
	s := &sink{}
	l := newLogger(LogDebug, time.Now, s.send)
	var ring []failover.HistoryEntry
	for i := range 3 {
		ring = append(ring, h(i, "poll"))
	}
	l.history(ring)
	l.history(ring) // nothing new
	ring = append(ring, h(3, "connected"), h(4, "switch"))
	l.history(ring)
	// The engine's ring is full: the oldest entries are gone.
	ring = append(ring[2:], h(5, "poll"), h(6, "jitter"))
	l.history(ring)
	ring = append(ring, h(7, "poll"), h(8, "connected"))
	pending := l.pending(ring)
	require.Len(t, pending, 1, "an entry not yet logged is in the bundle's log")
	assert.Equal(t, "poll: 7", pending[0].Message)
	var msgs []string
	for _, e := range s.got {
		msgs = append(msgs, e.Message)
	}
	assert.Equal(t, []string{"poll: 0", "poll: 1", "poll: 2", "switch: 4", "poll: 5", "jitter: 6"}, msgs,
		"each entry once; a state entry is the connection event's news")
	assert.Equal(t, LogFromHistory, s.got[0].Source)
	assert.Equal(t, LogInfo, s.got[3].Level)
	assert.Equal(t, LogDebug, s.got[4].Level)
}

// TestWireGoldenLog writes the log line of each golden event, and a
// diagnostics bundle (without the wrapper's additions) for the JS tests.
func TestWireGoldenLog(t *testing.T) {
	var got []LogEntry
	for _, ev := range goldenEvents() {
		level, side, msg := describeEvent(toEvent(ev))
		require.NotEmpty(t, msg, "%T has a log line", ev)
		got = append(got, LogEntry{At: isoTime(goldenTime), Level: level, Source: LogFromEvent, Message: msg, Side: SideName(side)})
	}
	checkGolden(t, "log.json", got)
	for _, e := range got {
		assert.NotContains(t, e.Message, "5550101", "no caller number in the log")
		assert.NotContains(t, e.Message, "<Update>", "no notification XML in the log")
	}

	cfg, err := ParseOptions(mustJSON(t, map[string]any{
		"sides": []any{"https://fin-a.example.com:8445", "https://fin-b.example.com:8445"}, "agent": map[string]any{"id": "1001001", "extension": "1001001"},
		"auth": map[string]any{"token": "not-a-secret"}, "transport": "websocket", "logLevel": "warn",
	}))
	require.NoError(t, err)
	require.NoError(t, cfg.validate())
	checkGolden(t, "diagnostics.json", Diagnostics{
		Options:  diagnosticOptions(cfg, true),
		Snapshot: toSnapshot(failover.Snapshot{Connection: failover.ConnectionEvent{State: failover.StateConnecting, Reason: failover.ReasonStart, Since: goldenTime}}),
		History:  toHistory([]failover.HistoryEntry{{At: goldenTime, What: "connect", Side: "A", Detail: "websocket"}}),
		Log:      got[:2],
	})
}

func TestParseOptionsLogLevel(t *testing.T) {
	base := map[string]any{
		"sides": []any{"https://fin-a.example.com:8445"}, "agent": map[string]any{"id": "1001001"},
		"auth": map[string]any{"username": "1001001", "password": testPassword}, "transport": "bosh",
	}
	for level, ok := range map[any]bool{"debug": true, "off": true, "error": true, "verbose": false, 3: false} {
		o := map[string]any{}
		for k, v := range base {
			o[k] = v
		}
		o["logLevel"] = level
		cfg, err := ParseOptions(mustJSON(t, o))
		if err == nil {
			err = cfg.validate() // New's one validation pass
		}
		if ok {
			assert.NoError(t, err, "%v", level)
			continue
		}
		var oe *OptionError
		require.ErrorAs(t, err, &oe, "%v", level)
		assert.Equal(t, "options.logLevel", oe.Field)
	}
}

// secretForms are the ways a credential travels: as given, base64, in a
// Basic header and in a SASL PLAIN response.
func secretForms(user, secret string) []string {
	enc := base64.StdEncoding.EncodeToString
	return []string{secret, enc([]byte(secret)), enc([]byte(user + ":" + secret)), enc([]byte("\x00" + user + "\x00" + secret))}
}

// TestDiagnosticsHoldNoSecret runs the real stack against the simulator
// with a password, then a token given by SetAuth, and reads diagnostics():
// neither credential appears in any form, not even in a log line written
// before the token was known (the bundle is scrubbed again when taken).
func TestDiagnosticsHoldNoSecret(t *testing.T) {
	const token = "tok-Diag-9f8e7d6c5b4a"
	pair := startSim(t, sim.Config{Password: testPassword, Token: token})

	cfg := Config{
		Sides:         boshSides(pair),
		AgentID:       simAgent,
		Auth:          finesse.Auth{Username: simAgent, Password: testPassword},
		AllowInsecure: true,
		LogLevel:      LogDebug,
		Policy:        failover.Policy{PollInterval: 100 * time.Millisecond, Jitter: -1, TransportBackoff: 50 * time.Millisecond},
	}
	rec := newRecorder()
	c, err := New(cfg, simDoer(), clock.Real(), rec.on)
	require.NoError(t, err)
	c.Start()
	t.Cleanup(func() { _ = c.Close(); <-c.Done() })
	rec.waitFor(t, 10*time.Second, "connected", connectedOn("A"))
	rec.waitFor(t, 10*time.Second, "a log event", func(ev Event) bool { return ev.Kind() == EventLog })

	// Lines quoting the credentials, as a careless error text might; the
	// token's before SetAuth made it a secret.
	forms := append(secretForms(simAgent, testPassword), secretForms(simAgent, token)...)
	c.log.add(time.Now(), LogWarn, LogFromEvent, "A", "leak: "+strings.Join(forms, " | "))
	require.NoError(t, c.SetAuth(finesse.Auth{Token: token}))
	c.log.add(time.Now(), LogWarn, LogFromEvent, "A", "leak after: "+strings.Join(forms, " | "))

	data, err := c.Diagnostics()
	require.NoError(t, err)
	for _, f := range forms {
		assert.NotContains(t, string(data), f)
	}
	var d Diagnostics
	require.NoError(t, json.Unmarshal(data, &d))
	assert.Equal(t, AuthPassword, d.Options.Auth, "the kind of the first credentials, never the value")
	assert.Equal(t, LogDebug, d.Options.LogLevel)
	assert.Equal(t, 100.0, d.Options.Policy.PollIntervalMs)
	assert.Equal(t, StateConnected, d.Snapshot.Connection.State)
	assert.NotEmpty(t, d.History)
	sources := map[LogSource]bool{}
	for _, e := range d.Log {
		sources[e.Source] = true
	}
	assert.True(t, sources[LogFromEvent] && sources[LogFromHistory], "lines from events and from history: %v", d.Log)
	assert.Contains(t, string(data), "leak: [redacted]")

	// The log events the page was sent are scrubbed when sent.
	for _, ev := range rec.all() {
		j, err := json.Marshal(ev)
		require.NoError(t, err)
		assert.NotContains(t, string(j), testPassword)
	}
}
