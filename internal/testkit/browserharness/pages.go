package browserharness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/chromedp"

	"github.com/finesse-ha/finesse-ha/internal/sim"
)

// CSPReportPath is where a PageServer collects the violation reports its
// policy asks the browser to send (report-uri, added to every policy).
const CSPReportPath = "/__csp-report"

// PageConfig says what a PageServer serves and under which policy.
type PageConfig struct {
	// Host is the loopback name to listen on and to put in URL:
	// "127.0.0.1" (default) or "localhost", which is another site to the
	// browser: a page on one framing a page on the other is a cross-site
	// frame, as a CRM framing a softphone is.
	Host string
	// Static directories; under one prefix they overlay, the first wins.
	Static []sim.StaticDir
	// CSP is sent as Content-Security-Policy with every answer (a page's
	// deployment header), plus "; report-uri" CSPReportPath. SetCSP
	// changes it (two servers that name each other's origins).
	CSP string
	// Rewrite, if set, may change a served file (by URL path), e.g. put the
	// simulator's URLs into a page's deployment configuration.
	Rewrite func(urlPath string, body []byte) []byte
}

// PageServer serves static pages with a Content-Security-Policy header on
// its own loopback origin and records the violation reports.
type PageServer struct {
	// URL is the origin, e.g. http://127.0.0.1:41234 (no trailing slash).
	URL string

	cfg PageConfig
	srv *http.Server

	mu      sync.Mutex
	csp     string
	reports []string
}

// StartPageServer listens on a free loopback port. The caller must Close it.
func StartPageServer(cfg PageConfig) (*PageServer, error) {
	if cfg.Host == "" {
		cfg.Host = "127.0.0.1"
	}
	if cfg.Host != "127.0.0.1" && cfg.Host != "localhost" {
		return nil, fmt.Errorf("browserharness: page server host %q: want 127.0.0.1 or localhost", cfg.Host)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &PageServer{URL: fmt.Sprintf("http://%s:%d", cfg.Host, ln.Addr().(*net.TCPAddr).Port), cfg: cfg, csp: cfg.CSP}
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// Close stops the server.
func (s *PageServer) Close() error { return s.srv.Close() }

// SetCSP replaces the policy sent from now on.
func (s *PageServer) SetCSP(csp string) {
	s.mu.Lock()
	s.csp = csp
	s.mu.Unlock()
}

// Violations returns the CSP violation reports received so far (raw JSON).
func (s *PageServer) Violations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.reports...)
}

func (s *PageServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == CSPReportPath {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 64<<10))
		s.mu.Lock()
		s.reports = append(s.reports, string(body))
		s.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
		return
	}
	s.mu.Lock()
	csp := s.csp
	s.mu.Unlock()
	if csp != "" {
		w.Header().Set("Content-Security-Policy", csp+"; report-uri "+CSPReportPath)
	}
	w.Header().Set("Cache-Control", "no-store")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "pages are read-only", http.StatusMethodNotAllowed)
		return
	}
	name, body, err := s.find(r.URL.Path)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	if s.cfg.Rewrite != nil {
		body = s.cfg.Rewrite(r.URL.Path, body)
	}
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(body))
}

// find returns the first file of the static overlay at urlPath
// (index.html for a directory).
func (s *PageServer) find(urlPath string) (string, []byte, error) {
	clean := path.Clean("/" + urlPath)
	if strings.HasSuffix(urlPath, "/") {
		clean = path.Join(clean, "index.html")
	}
	for _, sd := range s.cfg.Static {
		prefix := "/" + strings.Trim(sd.Prefix, "/")
		rel, ok := strings.CutPrefix(clean, prefix)
		if !ok || (prefix != "/" && rel != "" && rel[0] != '/') {
			continue
		}
		file := filepath.Join(sd.Dir, filepath.FromSlash(rel))
		body, err := os.ReadFile(file)
		if err == nil {
			return path.Base(clean), body, nil
		}
	}
	return "", nil, fs.ErrNotExist
}

// FrameTab attaches to the cross-site iframe of tab ctx whose URL starts
// with urlPrefix (Chromium runs it as its own target) and returns a context
// that runs chromedp actions inside it. Its console lines go to onLine.
func FrameTab(ctx context.Context, urlPrefix string, within time.Duration, onLine func(string)) (context.Context, context.CancelFunc, error) {
	deadline := time.Now().Add(within)
	for {
		targets, err := chromedp.Targets(ctx)
		if err != nil {
			return nil, nil, err
		}
		for _, t := range targets {
			if t.Type == "iframe" && strings.HasPrefix(t.URL, urlPrefix) {
				fctx, cancel := chromedp.NewContext(ctx, chromedp.WithTargetID(t.TargetID))
				ListenConsole(fctx, onLine)
				if err := chromedp.Run(fctx); err != nil {
					cancel()
					return nil, nil, err
				}
				return fctx, cancel, nil
			}
		}
		if time.Now().After(deadline) {
			return nil, nil, errors.New("browserharness: no iframe target at " + urlPrefix)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// ListenConsole sends every console call, uncaught exception and browser
// log entry (CSP violations, failed loads) of ctx's target to onLine.
func ListenConsole(ctx context.Context, onLine func(string)) {
	chromedp.ListenTarget(ctx, func(ev any) {
		if line := ConsoleLine(ev); line != "" {
			onLine(line)
			return
		}
		if e, ok := ev.(*log.EventEntryAdded); ok && e.Entry != nil {
			onLine(fmt.Sprintf("log.%s (%s): %s %s", e.Entry.Level, e.Entry.Source, e.Entry.Text, e.Entry.URL))
		}
	})
}
