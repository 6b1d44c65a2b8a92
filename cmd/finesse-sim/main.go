// Command finesse-sim runs a simulated duplex Cisco Finesse pair on
// loopback, with fault injection, for the demo, end-to-end tests and
// benchmarks. See README.md for the flags and a curl example of every fault.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
	"github.com/finesse-ha/finesse-ha/internal/sim"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, nil)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "finesse-sim:", err)
		os.Exit(1)
	}
}

// staticFlag collects -serve-dir values: "DIR" mounts at /, "/PREFIX/=DIR"
// at a prefix; several directories under one prefix overlay.
type staticFlag []sim.StaticDir

func (s *staticFlag) String() string {
	parts := make([]string, 0, len(*s))
	for _, d := range *s {
		parts = append(parts, d.Prefix+"="+d.Dir)
	}
	return strings.Join(parts, ",")
}

func (s *staticFlag) Set(v string) error {
	prefix, dir := "/", v
	if p, d, ok := strings.Cut(v, "="); ok && strings.HasPrefix(p, "/") {
		prefix, dir = p, d
	}
	st, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if !st.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	*s = append(*s, sim.StaticDir{Prefix: prefix, Dir: dir})
	return nil
}

// run parses args, starts the pair, prints its URLs and blocks until ctx
// ends; ready, if set, is called once the pair is up.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, ready func(*sim.Pair)) error {
	start := time.Now()
	fs := flag.NewFlagSet("finesse-sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		cfg    sim.Config
		mode   string
		static staticFlag
		signIn bool
		setRdy bool
		quiet  bool
	)
	fs.StringVar(&mode, "mode", "ucce", "deployment: ucce (active/active) or uccx (master/standby)")
	fs.IntVar(&cfg.Agents, "agents", 1, "number of agents; ids count up from -user")
	fs.StringVar(&cfg.FirstAgent, "user", "1001001", "first agent id (loginId and extension)")
	fs.StringVar(&cfg.Password, "password", "password", "every agent's password")
	fs.StringVar(&cfg.Token, "token", "", "SSO bearer token accepted for any agent (off if empty)")
	fs.BoolVar(&cfg.SSO, "sso", false, "SSO mode: logins need a token from POST /control/token (it expires); passwords are refused")
	fs.IntVar(&cfg.LockoutAfter, "lockout-after", 0, "lock an agent's account after n failed logins (0: 5 with -sso, else never; -1: never)")
	fs.DurationVar(&cfg.LockoutFor, "lockout-for", 5*time.Minute, "how long a locked account stays locked")
	fs.StringVar(&cfg.Listen, "listen", "127.0.0.1", "address to listen on")
	fs.IntVar(&cfg.PortA, "port-a", 8445, "side A port (REST, BOSH and WebSocket); 0 picks a free port")
	fs.IntVar(&cfg.PortB, "port-b", 8446, "side B port (REST, BOSH and WebSocket); 0 picks a free port")
	fs.IntVar(&cfg.ControlPort, "control-port", 8440, "control API and static files port; 0 picks a free port")
	fs.StringVar(&cfg.HostA, "host-a", sim.DefaultHostA, "side A node name (SystemInfo host, XMPP domain)")
	fs.StringVar(&cfg.HostB, "host-b", sim.DefaultHostB, "side B node name (SystemInfo host, XMPP domain)")
	fs.DurationVar(&cfg.CallEvery, "call-every", 8*time.Second, "offer a call to a READY agent this often (0: never)")
	fs.DurationVar(&cfg.RingTimeout, "ring-timeout", 20*time.Second, "caller abandons an unanswered call after this (0: never)")
	fs.DurationVar(&cfg.AutoAnswer, "auto-answer", 0, "answer calls for the agent after this (0: the agent answers)")
	fs.DurationVar(&cfg.TalkTime, "talk-time", 0, "caller hangs up this long after the answer (0: the agent drops)")
	fs.DurationVar(&cfg.BOSHMaxWait, "bosh-wait", 30*time.Second, "longest BOSH wait granted")
	fs.DurationVar(&cfg.BOSHInactivity, "bosh-inactivity", 60*time.Second, "BOSH session inactivity timeout")
	fs.DurationVar(&cfg.ServerPing, "server-ping", 0, "ping XMPP clients this often (0: never)")
	fs.Var(&static, "serve-dir", "serve static files on the control port: DIR (at /) or /PREFIX/=DIR; repeatable")
	fs.BoolVar(&signIn, "signin", false, "sign every agent in at start (NOT_READY)")
	fs.BoolVar(&setRdy, "ready", false, "with -signin: make every agent READY")
	fs.BoolVar(&quiet, "quiet", false, "do not log faults")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	switch strings.ToLower(mode) {
	case "ucce":
		cfg.Mode = finesse.DeploymentUCCE
	case "uccx", "ucx":
		cfg.Mode = finesse.DeploymentUCCX
	default:
		return fmt.Errorf("-mode %q: want ucce or uccx", mode)
	}
	cfg.Static = static
	if !quiet {
		cfg.Logf = func(format string, a ...any) {
			fmt.Fprintf(stderr, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05.000")}, a...)...)
		}
	}
	p, err := sim.New(cfg)
	if err != nil {
		return err
	}
	if err := p.Start(); err != nil {
		return err
	}
	defer p.Close()
	if signIn {
		for _, id := range p.Agents() {
			if err := p.SignIn(id, setRdy); err != nil {
				return err
			}
		}
	}
	printURLs(stdout, p, cfg, time.Since(start))
	if ready != nil {
		ready(p)
	}
	<-ctx.Done()
	fmt.Fprintln(stdout, "finesse-sim: stopping")
	return nil
}

func printURLs(w io.Writer, p *sim.Pair, cfg sim.Config, took time.Duration) {
	ids := p.Agents()
	agents := ids[0]
	if len(ids) > 1 {
		agents += ".." + ids[len(ids)-1]
	}
	fmt.Fprintf(w, "finesse-sim %s: %d agent(s) %s (password from -password)\n", p.Mode(), len(ids), agents)
	for _, s := range []*sim.Side{p.A(), p.B()} {
		fmt.Fprintf(w, "  side %s  %-28s REST %s/finesse/api/  BOSH %s  WS %s  (%s)\n",
			s.Name(), s.URL(), s.URL(), s.BOSHURL(), s.WSURL(), s.Host())
	}
	fmt.Fprintf(w, "  control  %s/control/state  (faults: POST %s/control/fault)\n", p.ControlURL(), p.ControlURL())
	for _, d := range cfg.Static {
		if d.Prefix != "/" {
			continue
		}
		page := "/"
		if _, err := os.Stat(filepath.Join(d.Dir, "demo", "index.html")); err == nil {
			page = "/demo/"
		}
		fmt.Fprintf(w, "  demo     %s%s\n", p.ControlURL(), page)
		break
	}
	fmt.Fprintf(w, "ready in %s\n", took.Round(time.Millisecond))
}
