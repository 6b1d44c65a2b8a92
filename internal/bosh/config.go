package bosh

import (
	"net/url"
	"time"

	"github.com/finesse-ha/finesse-ha/internal/httpx"
)

// Defaults for the zero values of Config.
const (
	DefaultWait          = 30 * time.Second
	DefaultRequestMargin = 10 * time.Second
	DefaultAttempts      = 3
	// DefaultRetryBackoff keeps the three attempts that Cisco's library
	// makes but spends little time on them: a dead side refuses connections
	// at once, so the backoff (250 ms, then 500 ms) is most of the time to
	// declare the session lost, and SPEC §7 wants S1 re-synced within 3 s
	// at p95 even after up to 2 s of jitter.
	DefaultRetryBackoff = 250 * time.Millisecond
	// DefaultMaxBodySize only guards against a runaway server or proxy. A
	// connection manager answers a poll with everything queued since the
	// last one, so after a busy second (a team's state changes, or a
	// backlog while the tab was throttled) one body holds thousands of
	// updates: the browser benchmark measured 2,000 User updates at just
	// over 1 MiB. A body over the limit is a lost session and the events in
	// it are gone, so the limit sits far above any real backlog.
	DefaultMaxBodySize = 32 << 20
	DefaultLang        = "en"
)

// Config describes the session to create.
type Config struct {
	// URL is the connection manager, e.g. https://fin-a:7443/http-bind/.
	URL string
	// To is the XMPP domain the session is for.
	To string
	// Lang is xml:lang of the stream; "en" if empty.
	Lang string
	// Wait is the longest time the server may hold a request (rounded down
	// to whole seconds, at least 1 s); the server may lower it.
	Wait time.Duration
	// RequestMargin is added to the negotiated wait to form each request's
	// timeout: a held request that outlives it means the path to the server
	// is black-holed.
	RequestMargin time.Duration
	// Attempts bounds how often one request is sent (the first try included)
	// before the session is declared lost. Cisco's desktop gives up after 3.
	Attempts int
	// RetryBackoff is the pause before the second attempt; it doubles for
	// each further one.
	RetryBackoff time.Duration
	// MaxBodySize bounds every response body read.
	MaxBodySize int64
	// Header is added to every request (e.g. for a reverse proxy). Never put
	// credentials here: XMPP authenticates inside the stream.
	Header httpx.Header
}

func (c Config) withDefaults() (Config, error) {
	if c.URL == "" {
		return c, &ConfigError{Field: "URL", Reason: "missing"}
	}
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return c, &ConfigError{Field: "URL", Reason: "not an absolute http(s) URL"}
	}
	if c.To == "" {
		return c, &ConfigError{Field: "To", Reason: "missing"}
	}
	if c.Lang == "" {
		c.Lang = DefaultLang
	}
	if c.Wait <= 0 {
		c.Wait = DefaultWait
	}
	if c.Wait < time.Second {
		c.Wait = time.Second
	}
	if c.RequestMargin <= 0 {
		c.RequestMargin = DefaultRequestMargin
	}
	if c.Attempts <= 0 {
		c.Attempts = DefaultAttempts
	}
	if c.RetryBackoff <= 0 {
		c.RetryBackoff = DefaultRetryBackoff
	}
	if c.MaxBodySize <= 0 {
		c.MaxBodySize = DefaultMaxBodySize
	}
	return c, nil
}
