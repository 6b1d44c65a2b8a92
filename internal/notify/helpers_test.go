package notify

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
	"github.com/finesse-ha/finesse-ha/internal/httpx"
	"github.com/finesse-ha/finesse-ha/internal/httpx/nethttp"
	"github.com/finesse-ha/finesse-ha/internal/ws"
)

// failDoer fails every request; a test using it asserts nothing was sent.
type failDoer struct{}

func (failDoer) Do(*httpx.Request) (*httpx.Response, error) {
	return nil, errors.New("failDoer: no request expected")
}

// failDial fails every socket; a test using it asserts none was opened.
func failDial(context.Context, string) (ws.Conn, error) {
	return nil, errors.New("failDial: no socket expected")
}

// recDoer is an *http.Client that records request bodies and can be gated:
// while closed, requests wait (as if the network were slow) until opened.
type recDoer struct {
	c *nethttp.Doer

	sentLog // request bodies

	mu   sync.Mutex
	gate chan struct{} // nil: open
}

func newRecDoer() *recDoer { return &recDoer{c: nethttp.New(&http.Client{})} }

func (d *recDoer) Do(r *httpx.Request) (*httpx.Response, error) {
	d.add(string(r.Body))
	d.mu.Lock()
	gate := d.gate
	d.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-r.Context().Done():
			return nil, r.Context().Err()
		}
	}
	return d.c.Do(r)
}

func (d *recDoer) close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.gate == nil {
		d.gate = make(chan struct{})
	}
}

func (d *recDoer) open() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.gate != nil {
		close(d.gate)
		d.gate = nil
	}
}

// requests returns how many requests were sent.
func (d *recDoer) requests() int { return d.len() }

// sentLog records what a test double sent (request bodies, WebSocket
// messages), so that tests can count them afterwards.
type sentLog struct {
	lmu   sync.Mutex
	items []string
}

func (l *sentLog) add(s string) {
	l.lmu.Lock()
	l.items = append(l.items, s)
	l.lmu.Unlock()
}

// count returns how many of the items contained s.
func (l *sentLog) count(s string) int {
	l.lmu.Lock()
	defer l.lmu.Unlock()
	n := 0
	for _, m := range l.items {
		if strings.Contains(m, s) {
			n++
		}
	}
	return n
}

func (l *sentLog) len() int {
	l.lmu.Lock()
	defer l.lmu.Unlock()
	return len(l.items)
}

// recorder is a Listener that turns callbacks into channel values.
type recorder struct {
	updates  chan *finesse.Update
	presence chan bool
	lost     chan error
	errs     chan error
	lostN    int
	mu       sync.Mutex
}

func newRecorder() *recorder {
	return &recorder{
		updates:  make(chan *finesse.Update, 100),
		presence: make(chan bool, 100),
		lost:     make(chan error, 10),
		errs:     make(chan error, 100),
	}
}

func (r *recorder) listener() Listener {
	return Listener{
		Update:          func(u *finesse.Update) { r.updates <- u },
		FinessePresence: func(b bool) { r.presence <- b },
		Lost: func(err error) {
			r.mu.Lock()
			r.lostN++
			r.mu.Unlock()
			r.lost <- err
		},
		Error: func(err error) { r.errs <- err },
	}
}

func (r *recorder) lostCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lostN
}

func recv[T any](t *testing.T, c chan T, what string) T {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(15 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// waitDialogPost waits up to 10 s for the POST of dialogID on the agent's
// Dialogs node, the event Finesse sends for a new call, and returns the
// dialog after checking that its call variables came with it.
func waitDialogPost(t *testing.T, rec *recorder, agent, dialogID string) finesse.Dialog {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case u := <-rec.updates:
			if u.Node != "/finesse/api/User/"+agent+"/Dialogs" {
				continue
			}
			ds, err := u.Dialogs()
			require.NoError(t, err)
			require.Len(t, ds.Dialogs, 1)
			d := ds.Dialogs[0]
			assert.Equal(t, dialogID, d.ID)
			assert.Equal(t, finesse.EventPost, u.Event)
			require.NotNil(t, d.MediaProperties)
			assert.NotEmpty(t, d.MediaProperties.CallVariables, "call variables travel with the event")
			return d
		case <-deadline:
			t.Fatal("no dialog event from the simulator within 10s")
		}
	}
}
