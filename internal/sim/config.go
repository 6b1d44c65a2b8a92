package sim

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
)

// Config describes a simulated duplex pair. The zero value (after defaults)
// is a UCCE pair with one agent, 1001001, password "password", on free
// loopback ports, with no call generator.
type Config struct {
	// Mode is UCCE (both sides active) or UCCX (one master side).
	Mode finesse.DeploymentType
	// Listen is the address every listener binds (127.0.0.1 if empty).
	Listen string
	// PortA, PortB and ControlPort are the listening ports; 0 picks a free one.
	PortA, PortB, ControlPort int
	// HostA and HostB are the node names in SystemInfo (primaryNode,
	// secondaryNode) and each side's XMPP domain. They must be valid domain
	// names: a JID domain cannot carry a port, so the real ports are only in
	// SystemInfo's httpsPort. Defaults: finesse-a.sim, finesse-b.sim.
	HostA, HostB string

	// Agents is how many agents exist (1 if zero). Their ids count up from
	// FirstAgent (1001001 if empty; it must be numeric when Agents > 1); each
	// agent's extension is its id.
	Agents     int
	FirstAgent string
	// Password is every agent's password ("password" if empty). Token, if
	// set, is accepted as a Bearer token (REST) or SASL password for any agent.
	Password string
	Token    string
	// SSO turns on SSO mode (sso.go): logins need a token issued by
	// IssueToken (POST /control/token) that has not expired; passwords are
	// refused. SystemInfo reports systemAuthMode SSO.
	SSO bool
	// LockoutAfter failed logins of an agent lock its account for
	// LockoutFor, as Finesse does (5 and 5 min). Zero: 5 in SSO mode, no
	// lock-out otherwise; negative: never.
	LockoutAfter int
	LockoutFor   time.Duration

	// CallEvery, when positive, offers an incoming call to a Ready agent at
	// this interval. RingTimeout ends unanswered calls (caller abandons);
	// AutoAnswer answers on the agent's behalf; TalkTime makes the caller hang
	// up after the call is answered. Zero disables each.
	CallEvery   time.Duration
	RingTimeout time.Duration
	AutoAnswer  time.Duration
	TalkTime    time.Duration
	// OutboundConnect is how long a MAKE_CALL rings before the far end
	// answers (500 ms if zero; negative connects at once).
	OutboundConnect time.Duration

	// BOSHMaxWait and BOSHInactivity tune the notification service (60 s
	// each if zero); ServerPing makes it ping clients (off if zero).
	BOSHMaxWait    time.Duration
	BOSHInactivity time.Duration
	ServerPing     time.Duration

	// Static lists directories served as static files, with CORS, on the
	// control port (the demo page). Directories under the same prefix
	// overlay, the first holding a file wins: the demo page (web/) and the
	// built wasm (dist/) can share the root.
	Static []StaticDir

	// Logf, if set, receives one line per fault applied and per lifecycle
	// step. Credentials never reach it.
	Logf func(format string, args ...any)
}

// StaticDir mounts Dir at the URL path Prefix ("/" if empty).
type StaticDir struct {
	Prefix string
	Dir    string
}

// Default node names. They are not resolvable; SystemInfo names nodes, it
// does not give URLs (SPEC §4).
const (
	DefaultHostA = "finesse-a.sim"
	DefaultHostB = "finesse-b.sim"
)

// maxAgents bounds Config.Agents: beyond this the simulator is no longer
// a test fixture but a memory test.
const maxAgents = 100000

func (c Config) withDefaults() (Config, error) {
	if c.Mode == "" {
		c.Mode = finesse.DeploymentUCCE
	}
	c.Mode = finesse.DeploymentType(strings.ToUpper(string(c.Mode)))
	if c.Mode != finesse.DeploymentUCCE && c.Mode != finesse.DeploymentUCCX {
		return c, fmt.Errorf("sim: mode %q: want UCCE or UCCX", c.Mode)
	}
	if c.Listen == "" {
		c.Listen = "127.0.0.1"
	}
	if net.ParseIP(c.Listen) == nil && c.Listen != "localhost" {
		return c, fmt.Errorf("sim: listen %q: want an IP address", c.Listen)
	}
	for _, p := range []int{c.PortA, c.PortB, c.ControlPort} {
		if p < 0 || p > 65535 {
			return c, fmt.Errorf("sim: port %d out of range", p)
		}
	}
	if c.HostA == "" {
		c.HostA = DefaultHostA
	}
	if c.HostB == "" {
		c.HostB = DefaultHostB
	}
	for _, h := range []string{c.HostA, c.HostB} {
		if !validHost(h) {
			return c, fmt.Errorf("sim: host %q: want a domain name or IP address without port", h)
		}
	}
	if strings.EqualFold(c.HostA, c.HostB) {
		return c, errors.New("sim: HostA and HostB must differ: clients tell sides apart by xmppDomain")
	}
	if c.Agents == 0 {
		c.Agents = 1
	}
	if c.Agents < 0 || c.Agents > maxAgents {
		return c, fmt.Errorf("sim: agents %d: want 1..%d", c.Agents, maxAgents)
	}
	if c.FirstAgent == "" {
		c.FirstAgent = "1001001"
	}
	if !validAgentID(c.FirstAgent) {
		return c, fmt.Errorf("sim: agent id %q: want letters, digits, '.', '_' or '-'", c.FirstAgent)
	}
	if c.Agents > 1 {
		if _, err := strconv.ParseUint(c.FirstAgent, 10, 63); err != nil {
			return c, fmt.Errorf("sim: first agent %q must be numeric when agents > 1", c.FirstAgent)
		}
	}
	if c.Password == "" {
		c.Password = "password"
	}
	for _, d := range []time.Duration{c.CallEvery, c.RingTimeout, c.AutoAnswer, c.TalkTime, c.BOSHMaxWait, c.BOSHInactivity, c.ServerPing} {
		if d < 0 {
			return c, fmt.Errorf("sim: negative duration %v", d)
		}
	}
	if c.OutboundConnect == 0 {
		c.OutboundConnect = 500 * time.Millisecond
	}
	if c.Logf == nil {
		c.Logf = func(string, ...any) {}
	}
	return c, nil
}

// agentIDs returns the configured agent ids.
func (c Config) agentIDs() []string {
	if c.Agents == 1 {
		return []string{c.FirstAgent}
	}
	first, _ := strconv.ParseUint(c.FirstAgent, 10, 63) // checked in withDefaults
	ids := make([]string, c.Agents)
	for i := range ids {
		ids[i] = strconv.FormatUint(first+uint64(i), 10)
	}
	return ids
}

func validHost(h string) bool {
	if net.ParseIP(h) != nil {
		return true
	}
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}

// validAgentID accepts what is safe in a URL path segment and a JID localpart.
func validAgentID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

func (c Config) lockoutAfter() int {
	switch {
	case c.LockoutAfter < 0:
		return 0
	case c.LockoutAfter == 0 && c.SSO:
		return 5
	}
	return c.LockoutAfter
}

func (c Config) lockoutFor() time.Duration {
	if c.LockoutFor <= 0 {
		return 5 * time.Minute
	}
	return c.LockoutFor
}
