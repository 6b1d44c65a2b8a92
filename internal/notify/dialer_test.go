package notify

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/finesse-ha/finesse-ha/internal/bosh"
	"github.com/finesse-ha/finesse-ha/internal/finesse"
)

func TestResolveEndpoint(t *testing.T) {
	base := Endpoint{BOSHURL: "https://fin-a:7443/http-bind/", Domain: "fin-a.example.com", Username: "CharlesNorrad", Password: "pw", Resource: "crm"}

	a, err := resolve(base)
	require.NoError(t, err)
	assert.Equal(t, "pubsub.fin-a.example.com", a.pubsub.String())
	assert.Equal(t, "finesse@fin-a.example.com", a.finesse.String())
	assert.Equal(t, "crm", a.origin.resource)

	ep := base
	ep.Resource = ""
	a1, err := resolve(ep)
	require.NoError(t, err)
	a2, err := resolve(ep)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(a1.origin.resource, "finesse-ha-"))
	assert.NotEqual(t, a1.origin.resource, a2.origin.resource, "default resources are unique per session")

	ep = base
	ep.PubSubDomain, ep.FinesseUser = "ps.example.com", "finesse@other.example.com/x"
	a, err = resolve(ep)
	require.NoError(t, err)
	assert.Equal(t, "ps.example.com", a.pubsub.String())
	assert.Equal(t, "finesse@other.example.com", a.finesse.String(), "compared as a bare JID")
}

func TestResolveRefuses(t *testing.T) {
	base := Endpoint{BOSHURL: "https://fin-a:7443/http-bind/", Domain: "fin-a.example.com", Username: "1001", Resource: "crm"}
	cases := map[string]func(*Endpoint){
		"Resource":    func(e *Endpoint) { e.Resource = "desktop" },
		"Username":    func(e *Endpoint) { e.Username = "" },
		"Domain":      func(e *Endpoint) { e.Domain = "" },
		"Domain/full": func(e *Endpoint) { e.Domain = "a@b/c" },
	}
	for name, mod := range cases {
		t.Run(name, func(t *testing.T) {
			ep := base
			mod(&ep)
			_, err := resolve(ep)
			var ee *EndpointError
			require.ErrorAs(t, err, &ee)
			assert.Equal(t, strings.Split(name, "/")[0], ee.Field)
		})
	}
	ep := base
	ep.Resource = "Desktop"
	_, err := NewBOSHDialer(failDoer{}, Options{}).Dial(context.Background(), ep, Listener{})
	var ee *EndpointError
	require.ErrorAs(t, err, &ee, "refused before any request")

	// Each Dialer needs its own URL, and only its own.
	ep = base
	ep.BOSHURL = ""
	_, err = NewBOSHDialer(failDoer{}, Options{}).Dial(context.Background(), ep, Listener{})
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, "BOSHURL", ee.Field)
	_, err = NewWebSocketDialer(failDial, Options{}).Dial(context.Background(), ep, Listener{})
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, "WebSocketURL", ee.Field)
}

func TestAuthErrorMeansUnauthorizedOnlyForCredentials(t *testing.T) {
	for _, c := range []string{"not-authorized", "account-disabled", "credentials-expired", "invalid-authzid"} {
		err := error(&AuthError{Condition: c})
		assert.ErrorIs(t, err, ErrUnauthorized, c)
		assert.ErrorIs(t, err, finesse.ErrUnauthorized, "one sentinel for REST and XMPP")
	}
	for _, c := range []string{"temporary-auth-failure", "invalid-mechanism", "aborted"} {
		assert.False(t, errors.Is(&AuthError{Condition: c}, ErrUnauthorized), c)
	}
}

func TestInspectFindsSASLFailure(t *testing.T) {
	c := &boshConn{}
	c.inspect([]byte(`<success xmlns="urn:ietf:params:xml:ns:xmpp-sasl"></success>`))
	assert.Empty(t, c.authFailure())
	c.inspect([]byte(`<failure xmlns="urn:example"><not-authorized/></failure>`))
	assert.Empty(t, c.authFailure())
	c.inspect([]byte(`<failure xmlns="urn:ietf:params:xml:ns:xmpp-sasl"><text xmlns="urn:ietf:params:xml:ns:xmpp-sasl">no</text><account-disabled xmlns="urn:ietf:params:xml:ns:xmpp-sasl"></account-disabled></failure>`))
	assert.Equal(t, "account-disabled", c.authFailure())
}

func TestLostErrorUnwrapsToTransportCause(t *testing.T) {
	err := error(&LostError{Cause: &bosh.TerminateError{Condition: bosh.ItemNotFound}})
	assert.ErrorIs(t, err, bosh.ItemNotFound)
	assert.Contains(t, err.Error(), "item-not-found")
}
