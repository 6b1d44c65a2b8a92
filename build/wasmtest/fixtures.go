package main

import (
	"fmt"
	"net"
	"os"

	"github.com/finesse-ha/finesse-ha/internal/sim"
)

// Environment variables through which the wasm tests find the fixtures.
const (
	// EnvTestHost is the base URL (http://127.0.0.1:port) of the test host
	// of testhost.go.
	EnvTestHost = "FINESSE_HA_TESTHOST"
	// EnvTestHostWS is the same host as ws://127.0.0.1:port, the base of
	// its /ws/ endpoints (wshost.go).
	EnvTestHostWS = "FINESSE_HA_TESTHOST_WS"
	// EnvClosedURL is a URL on a loopback port where nothing listens, for
	// "connection refused" tests.
	EnvClosedURL = "FINESSE_HA_CLOSED_URL"
	// EnvSimA, EnvSimB and EnvSimControl are the simulator's side base URLs
	// and its fault API; EnvSimPassword is every agent's password.
	EnvSimA        = "FINESSE_HA_SIM_A"
	EnvSimB        = "FINESSE_HA_SIM_B"
	EnvSimControl  = "FINESSE_HA_SIM_CONTROL"
	EnvSimPassword = "FINESSE_HA_SIM_PASSWORD"
	// EnvWSSimA, EnvWSSimDomainA, EnvWSSimControl and EnvWSSimAgent are a
	// second simulator's side A WebSocket URL (ws://.../ws/), its XMPP
	// domain, its control API and its agent, for wasm/jsws. It is its own
	// pair because go test runs packages in parallel: killing side A for
	// the jsws tests must not fail another package's failover test over
	// the shared one. Its password is EnvSimPassword.
	EnvWSSimA       = "FINESSE_HA_WSSIM_A"
	EnvWSSimDomainA = "FINESSE_HA_WSSIM_DOMAIN_A"
	EnvWSSimControl = "FINESSE_HA_WSSIM_CONTROL"
	EnvWSSimAgent   = "FINESSE_HA_WSSIM_AGENT"
	// EnvProsodyWS, EnvProsodyDomain, EnvProsodyAgent and
	// EnvProsodyPassword are a real Prosody's WebSocket URL (ws://.../ws/),
	// XMPP domain and agent login, for wasm/jsws; EnvProsodyControl is the
	// base URL of its control server (prosodyhost.go: publish, kill, stop,
	// restart). When prosody is not installed outside CI, only
	// EnvProsodySkip is set, saying why the tests must skip.
	EnvProsodyWS       = "FINESSE_HA_PROSODY_WS"
	EnvProsodyDomain   = "FINESSE_HA_PROSODY_DOMAIN"
	EnvProsodyAgent    = "FINESSE_HA_PROSODY_AGENT"
	EnvProsodyPassword = "FINESSE_HA_PROSODY_PASSWORD"
	EnvProsodyControl  = "FINESSE_HA_PROSODY_CONTROL"
	EnvProsodySkip     = "FINESSE_HA_PROSODY_SKIP"
)

// A fixture is a host-side server the browser tests need. start returns the
// environment variables that tell the tests where it is, and how to stop it.
type fixture struct {
	name  string
	start func() (env map[string]string, stop func(), err error)
}

// fixtures are started in order before go test and stopped in reverse.
// Keep their variables few and short: everything here reaches the 8 KiB
// argv+env area of wasm_exec.js.
var fixtures = []fixture{
	{"testhost", startTestHost},
	{"closed port", reserveClosedPort},
	{"simulator", startSim},
	{"simulator for jsws", startWSSim},
	{"prosody for jsws", startProsody},
}

func startFixtures() (env map[string]string, stop func(), err error) {
	env = map[string]string{}
	var stops []func()
	stop = func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}
	for _, f := range fixtures {
		e, s, err := f.start()
		if err != nil {
			stop()
			return nil, nil, fmt.Errorf("start %s: %w", f.name, err)
		}
		stops = append(stops, s)
		for k, v := range e {
			env[k] = v
		}
	}
	return env, stop, nil
}

func startTestHost() (map[string]string, func(), error) {
	h, err := newTestHost("127.0.0.1:0", os.Stderr)
	if err != nil {
		return nil, nil, err
	}
	return map[string]string{EnvTestHost: h.URL, EnvTestHostWS: h.WSURL}, h.Close, nil
}

// reserveClosedPort finds a loopback port nothing listens on by listening
// and closing again. Another process could take it meanwhile; on a test
// machine that is rare enough, and the test would then fail, not pass.
func reserveClosedPort() (map[string]string, func(), error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		return nil, nil, err
	}
	return map[string]string{EnvClosedURL: "http://" + addr + "/"}, func() {}, nil
}

// simPassword is every simulated agent's password.
const simPassword = "password"

// startSim starts a fresh duplex pair (UCCE, one agent, no call generator)
// on free loopback ports: the browser failover tests expect a clean one.
func startSim() (map[string]string, func(), error) {
	return startPair(func(p *sim.Pair) map[string]string {
		return map[string]string{
			EnvSimA:        p.A().URL(),
			EnvSimB:        p.B().URL(),
			EnvSimControl:  p.ControlURL(),
			EnvSimPassword: simPassword,
		}
	})
}

// startWSSim starts the jsws tests' own pair (see EnvWSSimA).
func startWSSim() (map[string]string, func(), error) {
	return startPair(func(p *sim.Pair) map[string]string {
		return map[string]string{
			EnvWSSimA:       p.A().WSURL(),
			EnvWSSimDomainA: p.A().Host(),
			EnvWSSimControl: p.ControlURL(),
			EnvWSSimAgent:   p.Agents()[0],
			EnvSimPassword:  simPassword,
		}
	})
}

// startPair starts a fresh simulator pair and describes it with env.
func startPair(env func(*sim.Pair) map[string]string) (map[string]string, func(), error) {
	p, err := sim.New(sim.Config{Password: simPassword})
	if err != nil {
		return nil, nil, err
	}
	if err := p.Start(); err != nil {
		return nil, nil, err
	}
	return env(p), func() { _ = p.Close() }, nil
}
