package client

import (
	"fmt"
	"net/url"
	"strings"
	"unicode"

	"github.com/finesse-ha/finesse-ha/internal/notify"
)

// validate checks cfg and fills derived values (BOSH and WebSocket URLs,
// the transport default): the one validation pass, run by New. Field names
// are the options' JavaScript paths, so Go callers and pages read the same
// messages.
func (c *Config) validate() error {
	if len(c.Sides) == 0 {
		return optErr("options.sides", "missing (one or two Finesse sides)")
	}
	if len(c.Sides) > 2 {
		return optErr("options.sides", fmt.Sprintf("%d sides given; a Finesse cluster has one or two", len(c.Sides)))
	}
	for i := range c.Sides {
		if err := c.validateSide(i); err != nil {
			return err
		}
	}
	if err := checkAgentID(c.AgentID); err != nil {
		return err
	}
	if c.Extension != "" && !token(c.Extension, 32, "+*#") {
		return optErr("options.agent.extension", "must be up to 32 letters, digits or + * # . _ -")
	}
	if err := checkAuth(c); err != nil {
		return err
	}
	switch c.Transport {
	case TransportBOSH, TransportWebSocket:
	case "":
		c.Transport = TransportBOSH
	default:
		return optErr("options.transport", `must be "websocket" or "bosh"`)
	}
	if c.NoFallback && c.Transport != TransportWebSocket {
		return optErr("options.fallback", `only applies to transport "websocket"`)
	}
	switch c.LogLevel {
	case "":
		c.LogLevel = LogOff
	case LogOff, LogError, LogWarn, LogInfo, LogDebug:
	default:
		return optErr("options.logLevel", `must be "off", "error", "warn", "info" or "debug"`)
	}
	switch {
	case c.Resource == "":
		// notify binds a random resource per session.
	case notify.ReservedResource(c.Resource):
		return optErr("options.resource", `"desktop" belongs to the Finesse desktop; binding it would sign the agent's desktop out`)
	case !token(c.Resource, 64, ""):
		return optErr("options.resource", "must be up to 64 letters, digits or . _ -")
	}
	return nil
}

func (c *Config) validateSide(i int) error {
	s := &c.Sides[i]
	field := fmt.Sprintf("options.sides[%d]", i)
	restField := field
	if s.BOSH != "" || s.WebSocket != "" {
		restField += ".rest" // the object form; a string side has no sub-field
	}
	u, err := c.checkURL(s.REST, restField, "https", "http")
	if err != nil {
		return err
	}
	if u.Path != "" && u.Path != "/" {
		return optErr(restField, "must be the side's base URL (scheme://host[:port]), without a path")
	}
	if s.BOSH == "" {
		s.BOSH = deriveBOSH(u)
	} else if _, err := c.checkURL(s.BOSH, field+".bosh", "https", "http"); err != nil {
		return err
	}
	if s.WebSocket == "" {
		s.WebSocket = deriveWebSocket(u)
	} else if _, err := c.checkURL(s.WebSocket, field+".websocket", "wss", "ws"); err != nil {
		return err
	}
	for j := range i {
		if sameHost(c.Sides[j].REST, s.REST) {
			return optErr(field, fmt.Sprintf("is the same server as options.sides[%d]", j))
		}
	}
	return nil
}

// checkURL parses raw as an absolute URL with the secure scheme, or the
// insecure one when AllowInsecure is set. It never echoes raw.
func (c *Config) checkURL(raw, field, secure, insecure string) (*url.URL, error) {
	if strings.TrimSpace(raw) == "" {
		return nil, optErr(field, "missing URL")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Hostname() == "" || !trimmed(raw) {
		return nil, optErr(field, fmt.Sprintf("must be an absolute %s:// URL", secure))
	}
	if u.User != nil {
		// Credentials in a URL would end up in logs and Referers.
		return nil, optErr(field, "must not carry credentials (user:password@); use options.auth")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, optErr(field, "must not have a query or fragment")
	}
	switch strings.ToLower(u.Scheme) {
	case secure:
	case insecure:
		if !c.AllowInsecure {
			return nil, optErr(field, insecure+" URL needs allowInsecure: true")
		}
	default:
		return nil, optErr(field, fmt.Sprintf("must be a %s:// URL", secure))
	}
	return u, nil
}

// deriveBOSH is the notification URL Finesse's own desktop uses for a side:
// port 7443 over TLS, 7071 in the clear.
func deriveBOSH(rest *url.URL) string {
	port := "7443"
	if strings.EqualFold(rest.Scheme, "http") {
		port = "7071"
	}
	host := rest.Hostname()
	if strings.Contains(host, ":") {
		host = "[" + host + "]" // IPv6, as net.JoinHostPort writes it; package net costs 17 KB gzip in the .wasm
	}
	return strings.ToLower(rest.Scheme) + "://" + host + ":" + port + "/http-bind/"
}

// deriveWebSocket is where Finesse 12.5 and later serve XMPP over
// WebSocket: /ws/ on the same host and port as the REST API (8445 on a
// real server), wss over TLS, ws in the clear.
func deriveWebSocket(rest *url.URL) string {
	scheme := "wss"
	if strings.EqualFold(rest.Scheme, "http") {
		scheme = "ws"
	}
	return scheme + "://" + rest.Host + "/ws/"
}

func sameHost(a, b string) bool {
	ua, errA := url.Parse(a)
	ub, errB := url.Parse(b)
	return errA == nil && errB == nil && strings.EqualFold(ua.Host, ub.Host)
}

func checkAgentID(id string) error {
	const field = "options.agent.id"
	switch {
	case id == "":
		return optErr(field, "missing")
	case !token(id, 64, ""):
		// It becomes a REST path segment and a JID localpart.
		return optErr(field, "must be up to 64 letters, digits or . _ -")
	}
	return nil
}

func checkAuth(c *Config) error {
	a := c.Auth
	hasBasic := a.Username != "" || a.Password != ""
	switch {
	case hasBasic && a.Token != "":
		return optErr("options.auth", "give {username, password} or {token}, not both")
	case a.Token != "":
		if strings.ContainsFunc(a.Token, unicode.IsSpace) {
			return optErr("options.auth.token", "must not contain spaces or control characters")
		}
	case a.Username == "" && a.Password == "":
		return optErr("options.auth", "missing ({username, password} or {token})")
	case a.Username == "":
		return optErr("options.auth.username", "missing")
	case a.Password == "":
		return optErr("options.auth.password", "missing")
	case strings.ContainsRune(a.Username, ':') || strings.ContainsFunc(a.Username, unicode.IsControl):
		return optErr("options.auth.username", "must not contain ':' or control characters")
	case strings.ContainsFunc(a.Password, unicode.IsControl):
		return optErr("options.auth.password", "must not contain control characters")
	}
	return nil
}

// token reports whether s is 1..max ASCII letters, digits, '.', '_', '-'
// or one of extra.
func token(s string, max int, extra string) bool {
	if s == "" || len(s) > max {
		return false
	}
	for _, r := range s {
		ok := r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) || strings.ContainsRune("._-"+extra, r)
		if !ok {
			return false
		}
	}
	return true
}
