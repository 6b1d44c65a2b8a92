//go:build js && wasm

package jsws

import (
	"errors"
	"testing"
	"time"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
	"github.com/finesse-ha/finesse-ha/internal/notify"
	"github.com/finesse-ha/finesse-ha/internal/ws"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The notification session of internal/notify over jsws.Dial, in Chromium,
// against the simulator: what the bridge runs with transport "websocket".
// Like wasm/sim_test.go they expect the fresh simulator build/wasmtest
// starts (agent signed out, no call); with -count>1 the second call offer
// may find the agent busy.

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
			assert.NotEmpty(t, ds.Dialogs[0].ID)
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
