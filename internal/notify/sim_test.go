package notify

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/finesse-ha/finesse-ha/internal/httpx/nethttp"
	"github.com/finesse-ha/finesse-ha/internal/sim"
)

// The simulator's BOSH/XMPP server is written from the protocols, apart from
// this client; logging our client into it checks that the two agree, as the
// Prosody tests check the client against an independent implementation.
func TestSimulatorDeliversDialogEvent(t *testing.T) {
	p, err := sim.New(sim.Config{BOSHMaxWait: 5 * time.Second})
	require.NoError(t, err)
	require.NoError(t, p.Start())
	t.Cleanup(func() { _ = p.Close() })
	agent := p.Agents()[0]
	require.NoError(t, p.SignIn(agent, true))

	rec := newRecorder()
	ep := Endpoint{
		BOSHURL:  p.A().BOSHURL(),
		Domain:   p.A().Host(),
		Username: agent,
		Password: "password",
		Resource: "crm",
	}
	s, err := NewBOSHDialer(nethttp.New(&http.Client{}), Options{Wait: 5 * time.Second}).Dial(testCtx(t), ep, rec.listener())
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })

	dialogID, err := p.OfferCall(agent)
	require.NoError(t, err)

	d := waitDialogPost(t, rec, agent, dialogID)
	assert.Contains(t, d.CallKey(), "ck:", "the simulator sends a CCE call key")
}
