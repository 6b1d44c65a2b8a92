//go:build js && wasm

package jsws

import (
	"encoding/base64"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
	"github.com/finesse-ha/finesse-ha/internal/httpx"
	"github.com/finesse-ha/finesse-ha/internal/notify"
	"github.com/finesse-ha/finesse-ha/internal/ws"
	"github.com/finesse-ha/finesse-ha/wasm/jsfetch"
)

// The notification session of internal/notify over jsws.Dial, in Chromium,
// against the simulator: what the bridge runs with transport "websocket".
// The dialog test drops its call again, so that it also passes with
// -count>1 on the same simulator.

type sessionEvents struct {
	updates chan *finesse.Update
	lost    chan error
}

func (e *sessionEvents) listener() notify.Listener {
	return notify.Listener{
		Update: func(u *finesse.Update) {
			select {
			case e.updates <- u:
			default: // the tests read what they need; never block the session
			}
		},
		Lost: func(err error) { e.lost <- err },
	}
}

func dialSession(t *testing.T) (notify.Session, *sessionEvents) {
	t.Helper()
	ev := &sessionEvents{updates: make(chan *finesse.Update, 256), lost: make(chan error, 1)}
	ep := notify.Endpoint{
		WebSocketURL: env(t, "FINESSE_HA_WSSIM_A"),
		Domain:       env(t, "FINESSE_HA_WSSIM_DOMAIN_A"),
		Username:     env(t, "FINESSE_HA_WSSIM_AGENT"),
		Password:     env(t, "FINESSE_HA_SIM_PASSWORD"),
		Resource:     "jsws-test",
	}
	s, err := notify.NewWebSocketDialer(Dial, notify.Options{}).Dial(testCtx(t), ep, ev.listener())
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s, ev
}

func TestNotificationSessionReceivesDialogEvent(t *testing.T) {
	_, ev := dialSession(t)
	agent := env(t, "FINESSE_HA_WSSIM_AGENT")
	simControl(t, "/control/signin?agent="+agent+"&ready=true", "")
	simControl(t, "/control/call?agent="+agent, "")

	deadline := time.After(10 * time.Second)
	for {
		select {
		case u := <-ev.updates:
			if u.Node != "/finesse/api/User/"+agent+"/Dialogs" {
				continue
			}
			ds, err := u.Dialogs()
			require.NoError(t, err)
			require.Len(t, ds.Dialogs, 1)
			require.NotEmpty(t, ds.Dialogs[0].ID)
			t.Cleanup(func() { dropCall(t, agent, ds.Dialogs[0].ID) })
			assert.Equal(t, finesse.EventPost, u.Event)
			return
		case err := <-ev.lost:
			t.Fatalf("session lost before the dialog event: %v", err)
		case <-deadline:
			t.Fatal("no dialog event over the WebSocket within 10s")
		}
	}
}

func TestNotificationSessionLostWhenSideKilled(t *testing.T) {
	_, ev := dialSession(t)
	killSideA(t)
	select {
	case err := <-ev.lost:
		var lost *notify.LostError
		assert.True(t, errors.As(err, &lost), "a *notify.LostError: %v", err)
		requireCloseError(t, err, ws.CloseAbnormal, "")
	case <-time.After(10 * time.Second):
		t.Fatal("Lost not called within 10s of the kill")
	}
}

// dropCall drops dialog id through side A's REST API, as the agent's
// desktop would, so the agent is free for the next call offer.
func dropCall(t *testing.T, agent, id string) {
	t.Helper()
	base := strings.TrimSuffix(strings.Replace(env(t, "FINESSE_HA_WSSIM_A"), "ws://", "http://", 1), "/ws/")
	req := httpx.NewRequest(testCtx(t), httpx.MethodPut, base+"/finesse/api/Dialog/"+id,
		[]byte("<Dialog><requestedAction>DROP</requestedAction></Dialog>"))
	req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(agent+":"+env(t, "FINESSE_HA_SIM_PASSWORD"))))
	req.Header.Set("Content-Type", "application/xml")
	resp, err := (&jsfetch.Transport{}).Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	require.Less(t, resp.StatusCode, 300, "DROP: %s", b)
}
