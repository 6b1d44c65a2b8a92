package sim

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
)

func TestDialogEventReachesBOSHClient(t *testing.T) {
	p := startPair(t, Config{})
	require.NoError(t, p.SignIn(agentID, true))
	c := boshLogin(t, p.B())
	assert.Equal(t, agentID+"@"+p.B().Host()+"/crm", c.JID)

	id, err := p.OfferCall(agentID)
	require.NoError(t, err)
	u := nextUpdate(t, c, "/finesse/api/User/"+agentID+"/Dialogs")
	assert.Equal(t, finesse.EventPost, u.Event)
	assert.Equal(t, "/finesse/api/User/"+agentID+"/Dialogs", u.Source)
	assert.Equal(t, "dialogs", u.DataRoot())
	ds, err := u.Dialogs()
	require.NoError(t, err)
	require.Len(t, ds.Dialogs, 1)
	d := ds.Dialogs[0]
	assert.Equal(t, id, d.ID)
	assert.Equal(t, finesse.DialogAlerting, d.State)
	v, ok := d.CallVariable("callVariable2")
	assert.True(t, ok)
	assert.NotEmpty(t, v)

	// ANSWER through A (active/active) with a requestId: the PUT event on B's
	// session carries it.
	r := rest(t, http.MethodPut, api(p.A(), "Dialog/"+id),
		"<Dialog><requestedAction>ANSWER</requestedAction></Dialog>", "requestId", "req-answer-1")
	require.Equal(t, http.StatusAccepted, r.status)
	assert.Equal(t, "req-answer-1", r.header.Get("requestId"))
	u = nextUpdate(t, c, "/finesse/api/User/"+agentID+"/Dialogs")
	assert.Equal(t, finesse.EventPut, u.Event)
	assert.Equal(t, "req-answer-1", u.RequestID)
	assert.Equal(t, "/finesse/api/Dialog/"+id, u.Source)
	dd, err := u.Dialog()
	require.NoError(t, err)
	assert.Equal(t, finesse.DialogActive, dd.State)

	r = rest(t, http.MethodPut, api(p.A(), "Dialog/"+id), "<Dialog><requestedAction>DROP</requestedAction></Dialog>")
	require.Equal(t, http.StatusAccepted, r.status)
	u = nextUpdate(t, c, "/finesse/api/User/"+agentID+"/Dialogs")
	assert.Equal(t, finesse.EventDelete, u.Event)
}

func TestUserEventCarriesRequestID(t *testing.T) {
	p := startPair(t, Config{})
	c := boshLogin(t, p.A())
	putState(t, p.B(), "<User><state>LOGIN</state><extension>"+agentID+"</extension></User>", "requestId", "r-<&>-1")
	u := nextUpdate(t, c, "/finesse/api/User/"+agentID)
	assert.Equal(t, "r-<&>-1", u.RequestID, "escaped on the wire, intact after decoding")
	assert.Equal(t, "user", u.DataRoot())
	usr, err := u.User()
	require.NoError(t, err)
	assert.Equal(t, finesse.StateNotReady, usr.State)
}

func TestExplicitTeamSubscription(t *testing.T) {
	p := startPair(t, Config{})
	c := boshLogin(t, p.A())
	const node = "/finesse/api/Team/1/Users"
	b, err := c.Send(testCtx(t), "<iq type='set' id='t1' to='"+p.A().xmpp.PubSubDomain()+"'><pubsub xmlns='http://jabber.org/protocol/pubsub'>"+
		"<subscribe node='"+node+"' jid='"+c.JID+"'/></pubsub></iq>")
	require.NoError(t, err)
	require.Len(t, b.IQs, 1)
	assert.Equal(t, "result", b.IQs[0].Type)
	assert.Equal(t, 1, p.A().xmpp.Subscribers(node))
	assert.Equal(t, 0, p.B().xmpp.Subscribers(node), "subscriptions do not follow a client to the other side")
}

func TestDesktopResourceIsReported(t *testing.T) {
	p := startPair(t, Config{})
	c := boshLogin(t, p.A())
	assert.Equal(t, map[string]bool{c.JID: true}, p.A().Sessions())
	assert.Equal(t, uint64(0), p.A().Metrics().XMPP.DesktopBinds)
}
