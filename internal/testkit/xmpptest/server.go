package xmpptest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Options configures a Server; the zero value is usable.
type Options struct {
	// Kind is the server program: Prosody (the zero value) or Ejabberd.
	Kind Kind
	// Domain is the XMPP domain; "finesse.test" if empty.
	Domain string
	// Agents maps login ids to passwords; {"1001": "agentpw", "1002":
	// "agentpw2"} if empty.
	Agents map[string]string
}

// Kind names an XMPP server program.
type Kind int

const (
	Prosody  Kind = iota // Debian's prosody 0.12
	Ejabberd             // Debian's ejabberd 23.01, run by erl as the current user
)

func (k Kind) String() string {
	if k == Ejabberd {
		return "ejabberd"
	}
	return "prosody"
}

// Server is one running Prosody or ejabberd.
type Server struct {
	Kind         Kind
	Domain       string
	PubSubDomain string // pubsub.<Domain>
	BOSHURL      string // http://127.0.0.1:<port>/http-bind
	WebSocketURL string // ws://127.0.0.1:<port>/ws (RFC 7395, subprotocol xmpp); Prosody serves /ws/, Finesse's path, too
	C2SAddr      string // 127.0.0.1:<port>
	Dir          string // config, data and log

	Agents          map[string]string
	AdminUser       string
	AdminPassword   string
	FinesseUser     string
	FinessePassword string

	t        testing.TB // nil for a Launch server
	ownDir   bool       // Launch made Dir; Close removes it
	c2sPort  int
	httpPort int

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
	logf   *os.File
	closed bool
}

const (
	// readyTimeout bounds a start: ejabberd (an Erlang VM creating its
	// Mnesia tables) starts in about 2 s on a quiet 2-core machine and took
	// more than 15 s, up to about 35 s, with two busy loops on it; how fast
	// a server starts is not what any test checks.
	readyTimeout   = 120 * time.Second
	portBusyMarker = "Failed to open server port"
)

// envRequire says whether a missing dependency must fail the test.
func envRequire() bool {
	return os.Getenv("CI") == "true" || os.Getenv("FINESSE_HA_REQUIRE_DEPS") == "1"
}

// Required says whether a missing `prosody` must be an error rather than a
// skip: under CI=true or FINESSE_HA_REQUIRE_DEPS=1. Start applies it; callers
// of Launch (build/wasmtest) apply it themselves.
func Required() bool { return envRequire() }

// ErrNoProsody is returned by Launch when `prosody` is not on PATH.
var ErrNoProsody = errors.New("xmpptest: `prosody` is not on PATH; install the Debian package `prosody` " +
	"(apt-get install prosody, or `make deps`)")

// Start runs a fresh server of opts.Kind for the test and stops it when
// the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	if err := installed(opts.Kind); err != nil {
		if envRequire() {
			t.Fatal(err.Error() + " — required because CI=true or FINESSE_HA_REQUIRE_DEPS=1")
		}
		t.Skip(err.Error())
	}
	s, err := launch(opts, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s.t = t
	t.Cleanup(func() {
		s.Kill() // nothing to keep; SIGTERM would take up to a second
		if t.Failed() {
			t.Logf("xmpptest: %s log tail:\n%s", s.Kind, s.logTail(400))
		}
		s.logf.Close()
	})
	return s
}

// Launch runs a fresh Prosody in a new temporary directory, for callers
// without a testing.TB (the browser test runner). Close stops it and
// removes the directory. Unlike Start it never skips: a missing `prosody`
// is ErrNoProsody, and the caller decides what that means.
func Launch(opts Options) (*Server, error) {
	if err := installed(opts.Kind); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "xmpptest-")
	if err != nil {
		return nil, fmt.Errorf("xmpptest: %w", err)
	}
	s, err := launch(opts, dir)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	s.ownDir = true
	return s, nil
}

// Close kills Prosody and, for a Launch server, removes its directory.
// Idempotent. A Start server is closed by its test's cleanup.
func (s *Server) Close() error {
	s.Kill()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	err := s.logf.Close()
	if s.ownDir {
		if rerr := os.RemoveAll(s.Dir); err == nil {
			err = rerr
		}
	}
	return err
}

// launch writes the files into dir and starts Prosody. On error nothing is
// left running; the error carries the log's tail.
func launch(opts Options, dir string) (*Server, error) {
	s := &Server{
		Kind:            opts.Kind,
		Domain:          opts.Domain,
		Agents:          opts.Agents,
		AdminUser:       "admin",
		AdminPassword:   "adminpw",
		FinesseUser:     "finesse",
		FinessePassword: "finessepw",
		Dir:             dir,
	}
	if s.Domain == "" {
		s.Domain = "finesse.test"
	}
	if len(s.Agents) == 0 {
		s.Agents = map[string]string{"1001": "agentpw", "1002": "agentpw2"}
	}
	s.PubSubDomain = "pubsub." + s.Domain

	logf, err := os.OpenFile(filepath.Join(s.Dir, s.Kind.String()+".out"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("xmpptest: %w", err)
	}
	s.logf = logf

	// A port found free can be taken before Prosody binds it; Prosody then
	// keeps running on nothing, so try again with new ports.
	for attempt := 1; ; attempt++ {
		err := s.pickPorts()
		if err == nil {
			if s.Kind == Ejabberd {
				err = s.writeEjabberdFiles()
			} else {
				err = s.writeFiles()
			}
		}
		if err != nil {
			logf.Close()
			return nil, fmt.Errorf("xmpptest: %w", err)
		}
		err = s.start()
		if err == nil && s.Kind == Ejabberd {
			if err = s.provisionEjabberd(); err != nil {
				s.Kill()
			}
		}
		if err == nil {
			return s, nil
		}
		if !errors.Is(err, errPortBusy) || attempt == 3 {
			tail := s.logTail(40)
			logf.Close()
			return nil, fmt.Errorf("xmpptest: %w\n%s", err, tail)
		}
	}
}

var errPortBusy = errors.New("the server could not open its ports")

func (s *Server) configPath() string { return filepath.Join(s.Dir, "prosody.cfg.lua") }

func (s *Server) pickPorts() error {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	ports := make([]int, 2)
	for i := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		ls = append(ls, l)
		ports[i] = l.Addr().(*net.TCPAddr).Port
	}
	s.c2sPort, s.httpPort = ports[0], ports[1]
	s.C2SAddr = "127.0.0.1:" + strconv.Itoa(s.c2sPort)
	s.BOSHURL = fmt.Sprintf("http://127.0.0.1:%d/http-bind", s.httpPort)
	s.WebSocketURL = fmt.Sprintf("ws://127.0.0.1:%d/ws", s.httpPort)
	return nil
}

// start launches the server and waits until it serves BOSH and c2s.
func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	logStart := int64(len(s.Log()))
	cmd := exec.Command("prosody", "-F", "--config", s.configPath())
	if s.Kind == Ejabberd {
		cmd = s.ejabberdCommand()
	}
	cmd.Dir = s.Dir
	cmd.Stdout = s.logf
	cmd.Stderr = s.logf
	// Its own process group: erl starts helpers (erl_child_setup,
	// inet_gethost), and Kill must end them with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", s.Kind, err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	s.cmd, s.exited = cmd, exited

	deadline := time.Now().Add(readyTimeout)
	for {
		log := s.logSince(logStart)
		switch {
		case strings.Contains(log, portBusyMarker) || strings.Contains(log, ejabberdPortBusyMarker):
			s.killLocked()
			return errPortBusy
		case isClosed(exited):
			return fmt.Errorf("%s exited during startup", s.Kind)
		case s.boshReady() && s.c2sReady():
			return nil
		case time.Now().After(deadline):
			s.killLocked()
			return fmt.Errorf("%s not ready after %v", s.Kind, readyTimeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func isClosed(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// boshReady asks the BOSH path for a page (both servers answer GET with 200)
// with a hand-written request: this package needs no HTTP client.
func (s *Server) boshReady() bool {
	c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(s.httpPort), time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := fmt.Fprintf(c, "GET /http-bind HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n"); err != nil {
		return false
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && strings.HasPrefix(line, "HTTP/1.") && strings.Contains(line, " 200 ")
}

func (s *Server) c2sReady() bool {
	c, err := net.DialTimeout("tcp", s.C2SAddr, time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// Kill ends Prosody with SIGKILL, as a crash would: held BOSH requests see
// the connection drop, and no terminate is sent.
func (s *Server) Kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.killLocked()
}

func (s *Server) killLocked() {
	if s.cmd == nil {
		return
	}
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL) // the group start made
	<-s.exited
	s.cmd = nil
}

// Stop ends Prosody with SIGTERM (SIGKILL after 3 s). Idempotent.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-s.exited:
		s.cmd = nil
	case <-time.After(3 * time.Second):
		s.killLocked()
	}
}

// Restart kills Prosody if it runs and starts it again on the same ports
// with the same data: accounts, nodes and subscriptions survive, BOSH
// sessions do not (their next request gets item-not-found). ejabberd's
// accounts are registered again (see provisionEjabberd). A failure fails
// the test; without a test (Launch), use Relaunch.
func (s *Server) Restart() {
	if s.t == nil {
		panic("xmpptest: Restart on a Launch server; use Relaunch")
	}
	s.t.Helper()
	if err := s.Relaunch(); err != nil {
		s.t.Fatal(err)
	}
}

// Relaunch is Restart returning its error (with the log's tail) instead of
// failing a test.
func (s *Server) Relaunch() error {
	s.Kill()
	err := s.start()
	if err == nil && s.Kind == Ejabberd {
		if err = s.provisionEjabberd(); err != nil {
			s.Kill()
		}
	}
	if err != nil {
		return fmt.Errorf("xmpptest: restart: %w\n%s", err, s.logTail(40))
	}
	return nil
}

// Running says whether the Prosody process is up.
func (s *Server) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cmd != nil && !isClosed(s.exited)
}

// JID returns user@Domain.
func (s *Server) JID(user string) string { return user + "@" + s.Domain }

// Log returns the server's whole log so far: for ejabberd its output and
// its log file.
func (s *Server) Log() string { return s.logSince(0) }

func (s *Server) logSince(off int64) string {
	var b []byte
	for _, name := range []string{s.Kind.String() + ".out", "ejabberd.log"} {
		if s.Kind != Ejabberd && name == "ejabberd.log" {
			continue
		}
		data, _ := os.ReadFile(filepath.Join(s.Dir, name))
		b = append(b, data...)
	}
	if int64(len(b)) < off {
		return ""
	}
	return string(b[off:])
}

func (s *Server) logTail(n int) string {
	lines := bytes.Split([]byte(s.Log()), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}
