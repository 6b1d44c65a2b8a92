package sim

import (
	"encoding/xml"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
)

func TestSystemInfoNamesBothSides(t *testing.T) {
	p := startPair(t, Config{})
	for _, s := range []*Side{p.A(), p.B()} {
		si := systemInfo(t, s)
		assert.Equal(t, finesse.DeploymentUCCE, si.DeploymentType)
		assert.Equal(t, finesse.StatusInService, si.Status)
		require.NotNil(t, si.PrimaryNode)
		require.NotNil(t, si.SecondaryNode)
		assert.Equal(t, DefaultHostA, si.PrimaryNode.Host)
		assert.Equal(t, DefaultHostB, si.SecondaryNode.Host)
		assert.Equal(t, strconv.Itoa(p.A().Port()), si.PrimaryNode.HTTPSPort)
		assert.Equal(t, strconv.Itoa(p.B().Port()), si.SecondaryNode.HTTPSPort)
		assert.Equal(t, s.Host(), si.XMPPDomain)
		assert.Equal(t, "pubsub."+s.Host(), si.XMPPPubSubDomain)
		assert.Empty(t, si.FinesseMMode)
	}
	assert.True(t, systemInfo(t, p.A()).IsPrimary())
	assert.False(t, systemInfo(t, p.B()).IsPrimary())
}

func TestConfigValidation(t *testing.T) {
	for name, cfg := range map[string]Config{
		"mode":         {Mode: "PCCE"},
		"same hosts":   {HostA: "x.test", HostB: "x.test"},
		"host w/ port": {HostA: "127.0.0.1:8445"},
		"agents":       {Agents: -1},
		"non-numeric":  {Agents: 2, FirstAgent: "alice"},
		"bad id":       {FirstAgent: "a/b"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := New(cfg)
			assert.Error(t, err)
		})
	}
}

func TestAgentStateChangesAreSharedBySides(t *testing.T) {
	p := startPair(t, Config{})
	assert.Equal(t, finesse.StateLogout, getUser(t, p.A()).State)

	putState(t, p.A(), "<User><state>LOGIN</state><extension>"+agentID+"</extension></User>")
	assert.Equal(t, finesse.StateNotReady, getUser(t, p.B()).State, "signed in through A, seen on B")

	putState(t, p.B(), "<User><state>READY</state></User>")
	assert.Equal(t, finesse.StateReady, getUser(t, p.A()).State)

	// LOGIN again keeps the state (safe after a failover).
	putState(t, p.B(), "<User><state>LOGIN</state><extension>"+agentID+"</extension></User>")
	assert.Equal(t, finesse.StateReady, getUser(t, p.A()).State)

	putState(t, p.A(), "<User><state>NOT_READY</state><reasonCodeId>2</reasonCodeId></User>")
	u := getUser(t, p.B())
	assert.Equal(t, finesse.StateNotReady, u.State)
	assert.Equal(t, "2", u.ReasonCodeID)
	require.NotNil(t, u.ReasonCode)
	assert.Equal(t, "Lunch", u.ReasonCode.Label)

	putState(t, p.A(), "<User><state>LOGOUT</state></User>")
	assert.Equal(t, finesse.StateLogout, getUser(t, p.B()).State)
}

func TestIncomingCallAndCallControl(t *testing.T) {
	p := startPair(t, Config{})
	require.NoError(t, p.SignIn(agentID, true))
	id, err := p.OfferCall("")
	require.NoError(t, err, "the only agent is READY")

	ds := getDialogs(t, p.B())
	require.Len(t, ds, 1)
	d := ds[0]
	assert.Equal(t, id, d.ID)
	assert.Equal(t, finesse.DialogAlerting, d.State)
	assert.Equal(t, finesse.StateReserved, getUser(t, p.A()).State)
	cv1, ok := d.CallVariable("callVariable1")
	assert.True(t, ok)
	assert.NotEmpty(t, cv1)
	_, ok = d.CallVariable("user.CustomerId")
	assert.True(t, ok, "ECC variables ride along")
	assert.Regexp(t, `^ck:152018:\d+:1$`, d.CallKey())

	dialogURL := api(p.A(), "Dialog/"+id)
	act := func(action string) reply {
		return rest(t, http.MethodPut, dialogURL,
			"<Dialog><targetMediaAddress>"+agentID+"</targetMediaAddress><requestedAction>"+action+"</requestedAction></Dialog>")
	}
	require.Equal(t, http.StatusAccepted, act("ANSWER").status)
	assert.Equal(t, finesse.StateTalking, getUser(t, p.B()).State)
	assert.Equal(t, finesse.DialogActive, getDialogs(t, p.B())[0].State)

	require.Equal(t, http.StatusAccepted, act("HOLD").status)
	assert.Equal(t, finesse.StateHold, getUser(t, p.B()).State)
	assert.Equal(t, "HELD", getDialogs(t, p.B())[0].Participants[0].State)
	assert.Equal(t, http.StatusBadRequest, act("HOLD").status, "already held")

	require.Equal(t, http.StatusAccepted, act("RETRIEVE").status)
	assert.Equal(t, finesse.StateTalking, getUser(t, p.B()).State)

	// A state request during a call is pending until the call ends.
	putState(t, p.A(), "<User><state>NOT_READY</state><reasonCodeId>1</reasonCodeId></User>")
	u := getUser(t, p.A())
	assert.Equal(t, finesse.StateTalking, u.State)
	assert.Equal(t, finesse.StateNotReady, u.PendingState)

	require.Equal(t, http.StatusAccepted, act("DROP").status)
	assert.Empty(t, getDialogs(t, p.A()))
	assert.Equal(t, finesse.StateNotReady, getUser(t, p.A()).State)
	assert.Equal(t, http.StatusNotFound, rest(t, http.MethodGet, dialogURL, "").status)
}

func TestMakeCallConnects(t *testing.T) {
	p := startPair(t, Config{OutboundConnect: 50 * time.Millisecond})
	require.NoError(t, p.SignIn(agentID, false))
	r := rest(t, http.MethodPost, api(p.A(), "User/"+agentID+"/Dialogs"),
		"<Dialog><requestedAction>MAKE_CALL</requestedAction><toAddress>5551234</toAddress><fromAddress>"+agentID+"</fromAddress></Dialog>")
	require.Equal(t, http.StatusAccepted, r.status, r.body)
	ds := getDialogs(t, p.B())
	require.Len(t, ds, 1)
	assert.Equal(t, "5551234", ds[0].ToAddress)
	assert.Equal(t, finesse.CallOut, ds[0].MediaProperties.CallType)
	require.Eventually(t, func() bool {
		ds := getDialogs(t, p.B())
		return len(ds) == 1 && ds[0].State == finesse.DialogActive
	}, 3*time.Second, 20*time.Millisecond)
	assert.Equal(t, finesse.StateTalking, getUser(t, p.A()).State)
}

func TestCallGeneratorRingsReadyAgents(t *testing.T) {
	p := startPair(t, Config{Agents: 3, CallEvery: 20 * time.Millisecond, RingTimeout: time.Hour})
	for _, id := range p.Agents() {
		require.NoError(t, p.SignIn(id, true))
	}
	require.Eventually(t, func() bool { return p.State().Calls == 3 }, 3*time.Second, 10*time.Millisecond)
	st := p.State()
	assert.Equal(t, 0, st.Ready, "every agent is RESERVED")
	for _, id := range p.Agents() {
		u, err := p.User(id)
		require.NoError(t, err)
		assert.Equal(t, finesse.StateReserved, u.State)
	}
}

func TestCallLifecycleTimers(t *testing.T) {
	// The call is TALKING for TalkTime, and the test sees that only by
	// polling: a 50 ms window could pass unseen on a loaded machine.
	p := startPair(t, Config{AutoAnswer: 20 * time.Millisecond, TalkTime: 500 * time.Millisecond})
	require.NoError(t, p.SignIn(agentID, true))
	_, err := p.OfferCall(agentID)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		u, _ := p.User(agentID)
		return u.State == finesse.StateTalking
	}, 3*time.Second, 5*time.Millisecond, "auto-answered")
	require.Eventually(t, func() bool {
		ds, _ := p.Dialogs(agentID)
		u, _ := p.User(agentID)
		return len(ds.Dialogs) == 0 && u.State == finesse.StateReady
	}, 3*time.Second, 5*time.Millisecond, "caller hung up, agent back to READY")
}

func TestMalformedRequestsGet400ApiErrors(t *testing.T) {
	p := startPair(t, Config{})
	require.NoError(t, p.SignIn(agentID, true))
	dialogID, err := p.OfferCall(agentID)
	require.NoError(t, err)
	userURL := api(p.A(), "User/"+agentID)
	for name, tc := range map[string]struct {
		method, url, body, errType string
	}{
		"not xml":           {http.MethodPut, userURL, "<User><state>READY", "Invalid Input"},
		"empty body":        {http.MethodPut, userURL, "", "Invalid Input"},
		"wrong root":        {http.MethodPut, userURL, "<Dialog><state>READY</state></Dialog>", "Invalid Input"},
		"no state":          {http.MethodPut, userURL, "<User/>", "Invalid Input"},
		"unknown state":     {http.MethodPut, userURL, "<User><state>NAPPING</state></User>", "Invalid Input"},
		"bad reason":        {http.MethodPut, userURL, "<User><state>NOT_READY</state><reasonCodeId>x</reasonCodeId></User>", "Invalid Input"},
		"login no ext":      {http.MethodPut, userURL, "<User><state>LOGIN</state></User>", "Invalid Input"},
		"logout in call":    {http.MethodPut, userURL, "<User><state>LOGOUT</state></User>", "Invalid State"},
		"unknown action":    {http.MethodPut, api(p.A(), "Dialog/"+dialogID), "<Dialog><requestedAction>DANCE</requestedAction></Dialog>", "Invalid Input"},
		"retrieve unheld":   {http.MethodPut, api(p.A(), "Dialog/"+dialogID), "<Dialog><requestedAction>RETRIEVE</requestedAction></Dialog>", "Invalid State"},
		"wrong target":      {http.MethodPut, api(p.A(), "Dialog/"+dialogID), "<Dialog><requestedAction>ANSWER</requestedAction><targetMediaAddress>999</targetMediaAddress></Dialog>", "Invalid Input"},
		"make call no to":   {http.MethodPost, api(p.A(), "User/"+agentID+"/Dialogs"), "<Dialog><requestedAction>MAKE_CALL</requestedAction></Dialog>", "Invalid Input"},
		"post not make":     {http.MethodPost, api(p.A(), "User/"+agentID+"/Dialogs"), "<Dialog><requestedAction>ANSWER</requestedAction></Dialog>", "Invalid Input"},
		"make call in call": {http.MethodPost, api(p.A(), "User/"+agentID+"/Dialogs"), "<Dialog><requestedAction>MAKE_CALL</requestedAction><toAddress>1</toAddress></Dialog>", "Invalid State"},
	} {
		t.Run(name, func(t *testing.T) {
			r := rest(t, tc.method, tc.url, tc.body)
			assert.Equal(t, http.StatusBadRequest, r.status)
			assert.Contains(t, r.body, "<ApiErrors><ApiError><ErrorType>"+tc.errType+"</ErrorType>")
			assert.Equal(t, "application/xml", r.header.Get("Content-Type"))
		})
	}
	r := rest(t, http.MethodGet, api(p.A(), "Nothing/here"), "")
	assert.Equal(t, http.StatusNotFound, r.status)
	assert.Contains(t, r.body, "<ApiErrors>")
	r = rest(t, http.MethodDelete, userURL, "")
	assert.Equal(t, http.StatusMethodNotAllowed, r.status)
	assert.Contains(t, r.body, "<ApiErrors>")
}

func TestAuthentication(t *testing.T) {
	p := startPair(t, Config{Agents: 2, Token: "sso-token-1"})
	userURL := api(p.A(), "User/"+agentID)
	for name, tc := range map[string]struct {
		user, pass string
		hdr        []string
		want       int
	}{
		"basic ok":       {agentID, password, nil, http.StatusOK},
		"no credentials": {"", "", nil, http.StatusUnauthorized},
		"wrong password": {agentID, "wrong-pw", nil, http.StatusUnauthorized},
		"unknown user":   {"999", password, nil, http.StatusUnauthorized},
		"another agent":  {"1001002", password, nil, http.StatusUnauthorized},
		"bearer ok":      {"", "", []string{"Authorization", "Bearer sso-token-1"}, http.StatusOK},
		"bearer wrong":   {"", "", []string{"Authorization", "Bearer nope"}, http.StatusUnauthorized},
		"unknown scheme": {"", "", []string{"Authorization", "Digest x"}, http.StatusUnauthorized},
	} {
		t.Run(name, func(t *testing.T) {
			r := callAs(t, tc.user, tc.pass, http.MethodGet, userURL, "", tc.hdr...)
			assert.Equal(t, tc.want, r.status)
			if tc.want == http.StatusUnauthorized {
				assert.Contains(t, r.body, "<ErrorType>Authorization Failure</ErrorType>")
				assert.NotContains(t, r.body, password)
				assert.NotContains(t, r.body, "wrong-pw")
			}
		})
	}
	// SystemInfo needs no credentials, but refuses wrong ones.
	assert.Equal(t, http.StatusOK, callAs(t, "", "", http.MethodGet, api(p.A(), "SystemInfo"), "").status)
	assert.Equal(t, http.StatusUnauthorized, callAs(t, agentID, "wrong", http.MethodGet, api(p.A(), "SystemInfo"), "").status)
	assert.GreaterOrEqual(t, p.A().Metrics().Unauthorized, uint64(6))
}

func TestCORS(t *testing.T) {
	p := startPair(t, Config{})
	const origin = "http://crm.example.test:8080"
	for _, url := range []string{api(p.A(), "User/"+agentID), p.B().BOSHURL()} {
		r := callAs(t, "", "", http.MethodOptions, url, "",
			"Origin", origin, "Access-Control-Request-Method", "PUT",
			"Access-Control-Request-Headers", "authorization,content-type,requestid")
		assert.Equal(t, http.StatusOK, r.status, "preflight needs no credentials")
		assert.Equal(t, origin, r.header.Get("Access-Control-Allow-Origin"))
		for _, h := range []string{"Authorization", "Content-Type", "requestId"} {
			assert.Contains(t, r.header.Get("Access-Control-Allow-Headers"), h)
		}
		assert.Contains(t, r.header.Get("Access-Control-Allow-Methods"), "PUT")
	}
	r := rest(t, http.MethodGet, api(p.A(), "User/"+agentID), "", "Origin", origin, "requestId", "req-1")
	assert.Equal(t, origin, r.header.Get("Access-Control-Allow-Origin"))
	assert.Equal(t, "requestId", r.header.Get("Access-Control-Expose-Headers"))
	assert.Equal(t, "req-1", r.header.Get("requestId"))
	// Errors carry CORS headers too, or a browser could not read the status.
	r = callAs(t, "", "", http.MethodGet, api(p.A(), "User/"+agentID), "", "Origin", origin)
	assert.Equal(t, http.StatusUnauthorized, r.status)
	assert.Equal(t, origin, r.header.Get("Access-Control-Allow-Origin"))
}

func TestReasonCodesListTheNamedNotReadyReasons(t *testing.T) {
	p := startPair(t, Config{})
	r := rest(t, http.MethodGet, api(p.B(), "User/"+agentID+"/ReasonCodes?category=NOT_READY"), "")
	require.Equal(t, http.StatusOK, r.status, r.body)
	var list struct {
		Category string               `xml:"category,attr"`
		Codes    []finesse.ReasonCode `xml:"ReasonCode"`
	}
	require.NoError(t, xml.Unmarshal([]byte(r.body), &list))
	assert.Equal(t, "NOT_READY", list.Category)
	var labels []string
	for _, c := range list.Codes {
		labels = append(labels, c.ID+"="+c.Label)
	}
	assert.Equal(t, []string{"1=Break", "2=Lunch", "3=Team Meeting"}, labels, "forced logout (255) is a system code, not in the menu")

	// The id is what PUT User takes as reasonCodeId.
	putState(t, p.A(), "<User><state>LOGIN</state><extension>"+agentID+"</extension></User>")
	putState(t, p.A(), "<User><state>NOT_READY</state><reasonCodeId>"+list.Codes[1].ID+"</reasonCodeId></User>")
	u := getUser(t, p.B())
	require.NotNil(t, u.ReasonCode)
	assert.Equal(t, "Lunch", u.ReasonCode.Label)

	bad := rest(t, http.MethodGet, api(p.A(), "User/"+agentID+"/ReasonCodes?category=WRAP_UP"), "")
	assert.Equal(t, http.StatusBadRequest, bad.status)
	other := callAs(t, "1001002", password, http.MethodGet, api(p.A(), "User/"+agentID+"/ReasonCodes?category=NOT_READY"), "")
	assert.Equal(t, http.StatusUnauthorized, other.status)
}
