package sim

import (
	"errors"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
	"github.com/finesse-ha/finesse-ha/internal/sim/internal/boshtest"
)

func apply(t *testing.T, p *Pair, f Fault) {
	t.Helper()
	require.NoError(t, p.Apply(f))
}

func TestKillRefusesConnectionsAndRestoreReopens(t *testing.T) {
	p := startPair(t, Config{})
	port := p.A().Port()
	apply(t, p, Fault{Name: FaultKill, Side: "A"})
	_, err := net.DialTimeout("tcp", p.A().Addr(), time.Second)
	require.Error(t, err)
	assert.True(t, errors.Is(err, syscall.ECONNREFUSED), "connection refused, got %v", err)
	assert.Equal(t, http.StatusOK, callAs(t, "", "", http.MethodGet, api(p.B(), "SystemInfo"), "").status, "B unaffected")
	assert.False(t, p.State().Sides[0].Alive)

	apply(t, p, Fault{Name: FaultRestore, Side: "A"})
	assert.Equal(t, port, p.A().Port(), "same port after restore")
	assert.Equal(t, finesse.StatusInService, systemInfo(t, p.A()).Status)
}

func TestKillEndsHeldBOSHRequestAndForgetsSession(t *testing.T) {
	p := startPair(t, Config{BOSHMaxWait: 5 * time.Second})
	require.NoError(t, p.SignIn(agentID, false))
	c := boshtest.New(p.A().BOSHURL(), p.A().Host())
	_, err := c.Login(testCtx(t), agentID, password, "crm", 5)
	require.NoError(t, err)
	errc := make(chan error, 1)
	go func() { _, err := c.Poll(testCtx(t)); errc <- err }()
	time.Sleep(50 * time.Millisecond)
	apply(t, p, Fault{Name: FaultKill, Side: "A"})
	select {
	case err := <-errc:
		assert.Error(t, err, "the held request dies with the connection")
	case <-time.After(3 * time.Second):
		t.Fatal("held request survived the kill")
	}
	apply(t, p, Fault{Name: FaultKill, Side: "A", Clear: true})
	b, err := c.Poll(testCtx(t))
	require.NoError(t, err)
	assert.Equal(t, "item-not-found", b.Condition, "a restarted side does not know the sid")
}

func TestOutOfServiceAnswers503AndPublishesSystemInfo(t *testing.T) {
	p := startPair(t, Config{})
	require.NoError(t, p.SignIn(agentID, false))
	c := boshLogin(t, p.A())
	apply(t, p, Fault{Name: FaultOutOfService, Side: "A"})

	u := nextUpdate(t, c, "/finesse/api/SystemInfo")
	si, err := u.SystemInfo()
	require.NoError(t, err)
	assert.Equal(t, finesse.StatusOutOfService, si.Status)

	assert.Equal(t, finesse.StatusOutOfService, systemInfo(t, p.A()).Status, "SystemInfo still answers")
	r := rest(t, http.MethodGet, api(p.A(), "User/"+agentID), "")
	assert.Equal(t, http.StatusServiceUnavailable, r.status)
	assert.Contains(t, r.body, "<ErrorMessage>SERVER_OUT_OF_SERVICE</ErrorMessage>")
	assert.Equal(t, http.StatusOK, rest(t, http.MethodGet, api(p.B(), "User/"+agentID), "").status)

	apply(t, p, Fault{Name: FaultInService, Side: "A"})
	si, err = nextUpdate(t, c, "/finesse/api/SystemInfo").SystemInfo()
	require.NoError(t, err)
	assert.Equal(t, finesse.StatusInService, si.Status)
	assert.Equal(t, http.StatusOK, rest(t, http.MethodGet, api(p.A(), "User/"+agentID), "").status)
}

func TestNotificationDownKeepsREST(t *testing.T) {
	p := startPair(t, Config{})
	c := boshLogin(t, p.A())
	apply(t, p, Fault{Name: FaultNotificationDown, Side: "A"})
	b, err := c.Poll(testCtx(t))
	require.NoError(t, err)
	assert.Equal(t, "terminate", b.Type)
	assert.Equal(t, "remote-connection-failed", b.Condition)
	b, err = boshtest.New(p.A().BOSHURL(), p.A().Host()).Create(testCtx(t), 1)
	require.NoError(t, err)
	assert.Equal(t, "remote-connection-failed", b.Condition)
	assert.Equal(t, http.StatusOK, rest(t, http.MethodGet, api(p.A(), "User/"+agentID), "").status)

	apply(t, p, Fault{Name: FaultNotificationUp, Side: "A"})
	boshLogin(t, p.A())
}

func TestFinessePresenceUnavailable(t *testing.T) {
	p := startPair(t, Config{})
	c := boshLogin(t, p.A())
	apply(t, p, Fault{Name: FaultPresenceUnavailable, Side: "A"})
	var got []boshtest.Presence
	for len(got) == 0 {
		b, err := c.Poll(testCtx(t))
		require.NoError(t, err)
		got = b.Presences
	}
	assert.Equal(t, boshtest.Presence{From: "finesse@" + p.A().Host() + "/finesse", Type: "unavailable"}, got[0])

	// B's finesse user is unaffected.
	c2 := boshtest.New(p.B().BOSHURL(), p.B().Host())
	bodies, err := c2.Login(testCtx(t), agentID, password, "crm2", 1)
	require.NoError(t, err)
	assert.Contains(t, bodies[0].Presences, boshtest.Presence{From: "finesse@" + p.B().Host() + "/finesse"})
}

func TestBlackholeNeverAnswers(t *testing.T) {
	p := startPair(t, Config{})
	impatient := &http.Client{Timeout: 200 * time.Millisecond}
	apply(t, p, Fault{Name: FaultBlackhole, Side: "A"})
	_, err := tryCall(impatient, agentID, password, http.MethodGet, api(p.A(), "SystemInfo"), "")
	require.Error(t, err)
	var ne net.Error
	assert.True(t, errors.As(err, &ne) && ne.Timeout(), "a timeout, not an error answer: %v", err)
	_, err = tryCall(impatient, "", "", http.MethodPost, p.A().BOSHURL(), "<body/>")
	assert.Error(t, err, "BOSH falls in too")
	require.Eventually(t, func() bool { return p.A().Metrics().Parked >= 1 }, time.Second, 10*time.Millisecond)
	assert.Contains(t, p.State().Sides[0].Faults, "blackhole")

	apply(t, p, Fault{Name: FaultBlackhole, Side: "A", Clear: true})
	assert.Equal(t, 0, p.A().Metrics().Parked)
	assert.Equal(t, finesse.StatusInService, systemInfo(t, p.A()).Status)
}

func TestBlackholeSwallowsHeldBOSHAnswer(t *testing.T) {
	t.Parallel()
	p := startPair(t, Config{})
	require.NoError(t, p.SignIn(agentID, false))
	c := boshLogin(t, p.A())
	c.HTTP = &http.Client{Timeout: 1500 * time.Millisecond} // beyond the 1 s wait
	errc := make(chan error, 1)
	go func() { _, err := c.Poll(testCtx(t)); errc <- err }()
	time.Sleep(50 * time.Millisecond)
	apply(t, p, Fault{Name: FaultBlackhole, Side: "A"})
	putState(t, p.B(), "<User><state>READY</state></User>") // an event for the held request
	err := <-errc
	assert.Error(t, err, "the event never arrives: keepalive must find this")
}

func TestBurst503(t *testing.T) {
	p := startPair(t, Config{})
	apply(t, p, Fault{Name: FaultBurst503, Side: "B", N: 2})
	url := api(p.B(), "User/"+agentID)
	assert.Equal(t, http.StatusServiceUnavailable, rest(t, http.MethodGet, url, "").status)
	assert.Equal(t, http.StatusServiceUnavailable, rest(t, http.MethodGet, url, "").status)
	assert.Equal(t, http.StatusOK, rest(t, http.MethodGet, url, "").status)
	assert.Equal(t, uint64(2), p.B().Metrics().Status503)
}

func TestUnauthorizedNextLogin(t *testing.T) {
	p := startPair(t, Config{})
	apply(t, p, Fault{Name: FaultUnauthorized, Side: "B"})
	login := "<User><state>LOGIN</state><extension>" + agentID + "</extension></User>"
	r := rest(t, http.MethodPut, api(p.B(), "User/"+agentID), login)
	assert.Equal(t, http.StatusUnauthorized, r.status)
	assert.Equal(t, http.StatusAccepted, rest(t, http.MethodPut, api(p.B(), "User/"+agentID), login).status, "only the next one")

	// The same fault refuses an XMPP login.
	apply(t, p, Fault{Name: FaultUnauthorized, Side: "B"})
	c := boshtest.New(p.B().BOSHURL(), p.B().Host())
	_, err := c.Login(testCtx(t), agentID, password, "crm", 1)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not-authorized")
}

func TestMaintenanceMode(t *testing.T) {
	p := startPair(t, Config{})
	require.NoError(t, p.SignIn(agentID, false))
	c := boshLogin(t, p.A())
	apply(t, p, Fault{Name: FaultMaintenance, Side: "A"})
	si, err := nextUpdate(t, c, "/finesse/api/SystemInfo").SystemInfo()
	require.NoError(t, err)
	assert.True(t, si.InMaintenance())
	assert.True(t, systemInfo(t, p.A()).InMaintenance())
	assert.False(t, systemInfo(t, p.B()).InMaintenance())
	assert.Equal(t, finesse.StatusInService, systemInfo(t, p.A()).Status, "still serving while agents move")
}

func TestForcedLogoutAfterDelay(t *testing.T) {
	p := startPair(t, Config{})
	require.NoError(t, p.SignIn(agentID, true))
	c := boshLogin(t, p.B())
	apply(t, p, Fault{Name: FaultForcedLogout, Agent: agentID, Duration: 30 * time.Millisecond})
	u, err := nextUpdate(t, c, "/finesse/api/User/"+agentID).User()
	require.NoError(t, err)
	assert.Equal(t, finesse.StateLogout, u.State)
	assert.Equal(t, finesse.ForcedLogoutReasonCode, u.ReasonCodeValue())
	assert.Equal(t, finesse.StateLogout, getUser(t, p.A()).State)

	err = p.Apply(Fault{Name: FaultForcedLogout, Agent: "nobody"})
	var fe *FaultError
	assert.ErrorAs(t, err, &fe)
}

func TestLatencyDelaysRequests(t *testing.T) {
	p := startPair(t, Config{})
	apply(t, p, Fault{Name: FaultLatency, Side: "A", Duration: 150 * time.Millisecond})
	start := time.Now()
	systemInfo(t, p.A())
	assert.GreaterOrEqual(t, time.Since(start), 150*time.Millisecond, "cannot be faster than the added latency")
	assert.Contains(t, p.State().Sides[0].Faults, "latency duration=150ms")
}

func TestCapacityLimitAnswers503AndCounts(t *testing.T) {
	p := startPair(t, Config{})
	apply(t, p, Fault{Name: FaultCapacity, Side: "B", N: 3})
	ok, refused := 0, 0
	for range 20 {
		r := callAs(t, "", "", http.MethodGet, api(p.B(), "SystemInfo"), "")
		switch r.status {
		case http.StatusOK:
			ok++
		case http.StatusServiceUnavailable:
			refused++
			assert.Contains(t, r.body, "SERVER_OUT_OF_SERVICE")
		}
	}
	assert.Equal(t, 20, ok+refused)
	assert.Positive(t, refused)
	m := p.B().Metrics()
	assert.Equal(t, uint64(refused), m.CapacityRejected)
	assert.GreaterOrEqual(t, m.PeakWork, 4, "the peak counts refused work too")
	assert.GreaterOrEqual(t, m.PeakRPS, m.PeakWork)

	apply(t, p, Fault{Name: FaultCapacity, Side: "B", Clear: true})
	for range 10 {
		assert.Equal(t, http.StatusOK, callAs(t, "", "", http.MethodGet, api(p.B(), "SystemInfo"), "").status)
	}
}

func TestNullCallVariablesOnOneSide(t *testing.T) {
	p := startPair(t, Config{})
	require.NoError(t, p.SignIn(agentID, true))
	apply(t, p, Fault{Name: FaultNullCallVariables, Side: "B"})
	cb := boshLogin(t, p.B())
	_, err := p.OfferCall(agentID)
	require.NoError(t, err)

	full := getDialogs(t, p.A())[0]
	v, _ := full.CallVariable("callVariable1")
	assert.NotEmpty(t, v)
	nulled := getDialogs(t, p.B())[0]
	require.Equal(t, len(full.MediaProperties.CallVariables), len(nulled.MediaProperties.CallVariables))
	for _, cv := range nulled.MediaProperties.CallVariables {
		assert.Empty(t, cv.Value, cv.Name)
	}
	assert.Equal(t, full.CallKey(), nulled.CallKey(), "the call key survives")

	ds, err := nextUpdate(t, cb, "/finesse/api/User/"+agentID+"/Dialogs").Dialogs()
	require.NoError(t, err)
	v, ok := ds.Dialogs[0].CallVariable("callVariable1")
	assert.True(t, ok)
	assert.Empty(t, v, "events from B are nulled too")
}

func TestResetClearsEverything(t *testing.T) {
	p := startPair(t, Config{})
	for _, f := range []Fault{
		{Name: FaultKill, Side: "A"}, {Name: FaultOutOfService, Side: "B"}, {Name: FaultLatency, Side: "B", Duration: time.Millisecond},
		{Name: FaultBurst503, Side: "B", N: 5}, {Name: FaultPresenceUnavailable, Side: "both"},
	} {
		apply(t, p, f)
	}
	apply(t, p, Fault{Name: FaultReset})
	for _, s := range p.State().Sides {
		assert.True(t, s.Alive, s.Name)
		assert.Empty(t, s.Faults, s.Name)
		assert.Equal(t, finesse.StatusInService, s.Status)
	}
	assert.Equal(t, http.StatusOK, rest(t, http.MethodGet, api(p.B(), "User/"+agentID), "").status)
}

func TestFaultErrors(t *testing.T) {
	p := startPair(t, Config{})
	var fe *FaultError
	err := p.Apply(Fault{Name: "meteor"})
	require.ErrorAs(t, err, &fe)
	assert.Contains(t, fe.Valid, FaultBlackhole)
	assert.ErrorAs(t, p.Apply(Fault{Name: FaultKill}), &fe, "side required")
	assert.ErrorAs(t, p.Apply(Fault{Name: FaultKill, Side: "C"}), &fe)
	assert.ErrorAs(t, p.Apply(Fault{Name: FaultIsland}), &fe, "UCCE has no island")
	assert.ErrorAs(t, p.Apply(Fault{Name: FaultBurst503, Side: "A", N: -1}), &fe)
	assert.True(t, strings.HasPrefix(fe.Error(), "sim: "))
}

func TestBlackholeLiftAnswersNewRequestsButNotHeldOnes(t *testing.T) {
	p := startPair(t, Config{})
	apply(t, p, Fault{Name: FaultBlackhole, Side: "A"})
	held := make(chan error, 1)
	go func() {
		_, err := tryCall(&http.Client{Timeout: 3 * time.Second}, agentID, password, http.MethodGet, api(p.A(), "SystemInfo"), "")
		held <- err
	}()
	require.Eventually(t, func() bool { return p.A().Metrics().Parked >= 1 }, time.Second, 10*time.Millisecond)

	apply(t, p, Fault{Name: FaultBlackholeLift, Side: "A"})
	assert.Equal(t, finesse.StatusInService, systemInfo(t, p.A()).Status, "a new request is answered")
	assert.Equal(t, 1, p.A().Metrics().Parked, "the held request stays held")
	var ne net.Error
	err := <-held
	assert.True(t, errors.As(err, &ne) && ne.Timeout(), "the held request only ends by the client's timeout: %v", err)
}
