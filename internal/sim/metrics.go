package sim

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/finesse-ha/finesse-ha/internal/sim/xmppd"
)

// Metrics are a side's counters since the pair started, for benchmarks
// (S18's "B's peak request rate") and for tests that check a fault bit.
type Metrics struct {
	Requests         uint64 `json:"requests"`         // every HTTP request
	REST             uint64 `json:"rest"`             // requests under /finesse/api
	BOSH             uint64 `json:"bosh"`             // requests to /http-bind
	WS               uint64 `json:"ws"`               // WebSocket handshakes to /ws/ (accepted or not)
	WSOpen           int    `json:"wsOpen"`           // XMPP-over-WebSocket sessions open now
	PeakRPS          int    `json:"peakRps"`          // most requests in one wall-clock second
	PeakWork         int    `json:"peakWorkRps"`      // most REST requests + new BOSH sessions + WebSocket handshakes in one second: what the capacity limit counts
	Status503        uint64 `json:"status503"`        // 503 answers (out of service, burst, capacity)
	CapacityRejected uint64 `json:"capacityRejected"` // 503 answers because of the capacity limit
	Unauthorized     uint64 `json:"unauthorized"`     // 401 answers and SASL failures
	// UnauthorizedBy counts refused logins (REST 401 and SASL failures) per
	// credential, keyed by CredentialKey(secret); BindsBy counts resource
	// binds per agent.
	UnauthorizedBy map[string]uint64 `json:"unauthorizedByCredential,omitempty"`
	BindsBy        map[string]uint64 `json:"bindsByAgent,omitempty"`
	Parked         int               `json:"parked"` // connections held by the black hole now
	XMPP           xmppd.Stats       `json:"xmpp"`
}

// secondCounter counts events per wall-clock second and keeps the peak.
type secondCounter struct {
	mu     sync.Mutex
	second int64
	count  int
	peak   int
}

// hit counts one event and returns the count of the current second.
func (c *secondCounter) hit(now time.Time) int {
	s := now.Unix()
	c.mu.Lock()
	defer c.mu.Unlock()
	if s != c.second {
		c.second, c.count = s, 0
	}
	c.count++
	c.peak = max(c.peak, c.count)
	return c.count
}

func (c *secondCounter) peakValue() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.peak
}

type sideCounters struct {
	requests, rest, bosh, ws, status503, capacityRejected, unauthorized atomic.Uint64
	all, work                                                           secondCounter
}
