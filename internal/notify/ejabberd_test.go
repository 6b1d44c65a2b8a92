//go:build !js

package notify

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/finesse-ha/finesse-ha/internal/testkit/xmpptest"
)

// The stream layer against a second, independent server: ejabberd 23.01
// (internal/testkit/xmpptest), over both transports.

var transports = map[string]func(t *testing.T, srv *xmpptest.Server, user string) (Session, *recorder){
	"bosh": func(t *testing.T, srv *xmpptest.Server, user string) (Session, *recorder) {
		return dial(t, srv, newRecDoer(), endpoint(srv, user, "crm"), testOpts)
	},
	"websocket": func(t *testing.T, srv *xmpptest.Server, user string) (Session, *recorder) {
		return dialWS(t, wsEndpoint(srv, user, "crm"), &recDial{}, testOpts)
	},
}

func startEjabberd(t *testing.T) *xmpptest.Server {
	t.Helper()
	return xmpptest.Start(t, xmpptest.Options{Kind: xmpptest.Ejabberd})
}

func TestEjabberd(t *testing.T) {
	srv := startEjabberd(t)
	a := admin(t, srv)
	for name, dialT := range transports {
		t.Run(name, func(t *testing.T) {
			// Each transport its own agent: ejabberd sends a subscriber the
			// last item of a node again when its presence arrives.
			user := map[string]string{"bosh": "1001", "websocket": "1002"}[name]
			node := "/finesse/api/User/" + user
			require.NoError(t, a.CreateNode(testCtx(t), node))
			require.NoError(t, a.SubscribeOther(testCtx(t), node, srv.JID(user)))

			s, rec := dialT(t, srv, user)
			require.NoError(t, s.Ping(testCtx(t)), "ping")

			require.NoError(t, a.PublishUpdate(testCtx(t), node, "small", userUpdate(user, "READY", "small-"+name)))
			u := recv(t, rec.updates, "the small update")
			assert.Equal(t, "small-"+name, u.RequestID, "ejabberd's <notification> without xmlns is decoded")
			assert.Equal(t, node, u.Node)

			// ~150 KB: a team's worth of users in one Update.
			big := userUpdate(user, "NOT_READY", "big-"+name)
			big = strings.Replace(big, "</user>", "<extensions>"+strings.Repeat("<x>0123456789abcdef</x>", 150<<10/24)+"</extensions></user>", 1)
			require.Greater(t, len(big), 140<<10)
			require.NoError(t, a.PublishUpdate(testCtx(t), node, "big", big))
			u = recv(t, rec.updates, "the big update")
			assert.Equal(t, "big-"+name, u.RequestID)
			user1, err := u.User()
			require.NoError(t, err)
			assert.Equal(t, "NOT_READY", string(user1.State))
			assert.Zero(t, rec.lostCount())
			require.NoError(t, s.Close())
		})
	}
}

func TestEjabberdFinesseUserPresence(t *testing.T) {
	srv := startEjabberd(t)
	for name, dialT := range transports {
		t.Run(name, func(t *testing.T) {
			// Unlike Prosody, ejabberd does not answer the login's probe for
			// a contact that never was online: no "offline" comes first.
			_, rec := dialT(t, srv, map[string]string{"bosh": "1001", "websocket": "1002"}[name])
			fin, err := srv.Finesse(testCtx(t))
			require.NoError(t, err)
			assert.True(t, recv(t, rec.presence, "finesse available"))
			require.NoError(t, fin.Unavailable(testCtx(t)))
			assert.False(t, recv(t, rec.presence, "finesse unavailable"))
			require.NoError(t, fin.Close())
		})
	}
}

func TestEjabberdBadPasswordIsUnauthorized(t *testing.T) {
	srv := startEjabberd(t)
	for name := range transports {
		t.Run(name, func(t *testing.T) {
			ep := endpoint(srv, "1001", "crm")
			ep.Password = "wrong"
			var err error
			if name == "bosh" {
				_, err = NewBOSHDialer(newRecDoer(), testOpts).Dial(testCtx(t), ep, newRecorder().listener())
			} else {
				ep = wsEndpoint(srv, "1001", "crm")
				ep.Password = "wrong"
				_, err = NewWebSocketDialer((&recDial{}).dial, testOpts).Dial(testCtx(t), ep, newRecorder().listener())
			}
			assert.ErrorIs(t, err, ErrUnauthorized)
		})
	}
}

func TestEjabberdKillIsLost(t *testing.T) {
	for name, dialT := range transports {
		t.Run(name, func(t *testing.T) {
			srv := startEjabberd(t)
			s, rec := dialT(t, srv, "1001")
			require.NoError(t, s.Ping(testCtx(t)))
			start := time.Now()
			srv.Kill()
			err := recv(t, rec.lost, "Lost")
			var le *LostError
			require.ErrorAs(t, err, &le)
			t.Logf("%s: lost %v after kill: %v", name, time.Since(start), err)
			assert.Error(t, s.Ping(testCtx(t)))
			assert.Equal(t, 1, rec.lostCount())
		})
	}
}

// TestEjabberdRepeatedBOSHLogins: every login goes through. Before the
// BOSH session kept its answers from racing a fresh empty request, some
// stalled until the request timed out, and ejabberd then crashed the
// session on the retransmission (internal-server-error).
func TestEjabberdRepeatedBOSHLogins(t *testing.T) {
	srv := startEjabberd(t)
	for i := range 20 {
		s, err := NewBOSHDialer(newRecDoer(), testOpts).Dial(testCtx(t), endpoint(srv, "1001", "crm"), newRecorder().listener())
		require.NoError(t, err, "login %d", i)
		require.NoError(t, s.Close())
	}
}
