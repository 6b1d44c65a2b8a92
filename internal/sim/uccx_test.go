package sim

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
)

func statuses(t *testing.T, p *Pair) [2]finesse.Status {
	t.Helper()
	return [2]finesse.Status{systemInfo(t, p.A()).Status, systemInfo(t, p.B()).Status}
}

var (
	onlyA = [2]finesse.Status{finesse.StatusInService, finesse.StatusOutOfService}
	onlyB = [2]finesse.Status{finesse.StatusOutOfService, finesse.StatusInService}
	both  = [2]finesse.Status{finesse.StatusInService, finesse.StatusInService}
)

func TestUCCXOnlyMasterIsInService(t *testing.T) {
	p := startPair(t, Config{Mode: finesse.DeploymentUCCX})
	assert.Equal(t, finesse.DeploymentUCCX, systemInfo(t, p.B()).DeploymentType)
	assert.Equal(t, onlyA, statuses(t, p))
	assert.Equal(t, http.StatusServiceUnavailable, rest(t, http.MethodGet, api(p.B(), "User/"+agentID), "").status)
	assert.Equal(t, http.StatusOK, rest(t, http.MethodGet, api(p.A(), "User/"+agentID), "").status)

	apply(t, p, Fault{Name: FaultIsland})
	assert.Equal(t, both, statuses(t, p))
	apply(t, p, Fault{Name: FaultHeal})
	assert.Equal(t, onlyA, statuses(t, p), "B drops mastership")

	apply(t, p, Fault{Name: FaultMaster, Side: "B"})
	assert.Equal(t, onlyB, statuses(t, p))
	apply(t, p, Fault{Name: FaultMaster, Side: "A"})
	assert.Equal(t, onlyA, statuses(t, p))
}

func TestUCCXSurvivorTakesOverAndRestoredNodeIsStandby(t *testing.T) {
	p := startPair(t, Config{Mode: finesse.DeploymentUCCX})
	require.NoError(t, p.SignIn(agentID, false))
	c := boshLogin(t, p.B())
	apply(t, p, Fault{Name: FaultKill, Side: "A"})
	assert.Equal(t, finesse.StatusInService, systemInfo(t, p.B()).Status)
	si, err := nextUpdate(t, c, "/finesse/api/SystemInfo").SystemInfo()
	require.NoError(t, err)
	assert.Equal(t, finesse.StatusInService, si.Status, "B announces it is in service")

	apply(t, p, Fault{Name: FaultRestore, Side: "A"})
	assert.Equal(t, onlyB, statuses(t, p))
	st := p.State()
	require.NotNil(t, st.Sides[1].Master)
	assert.True(t, *st.Sides[1].Master)
}

func TestUCCXHoldKeepsTalking(t *testing.T) {
	p := startPair(t, Config{Mode: finesse.DeploymentUCCX})
	require.NoError(t, p.SignIn(agentID, true))
	id, err := p.OfferCall(agentID)
	require.NoError(t, err)
	for _, a := range []string{"ANSWER", "HOLD"} {
		r := rest(t, http.MethodPut, api(p.A(), "Dialog/"+id), "<Dialog><requestedAction>"+a+"</requestedAction></Dialog>")
		require.Equal(t, http.StatusAccepted, r.status, r.body)
	}
	assert.Equal(t, finesse.StateTalking, getUser(t, p.A()).State)
}

func TestUCCEHasNoMaster(t *testing.T) {
	p := startPair(t, Config{})
	apply(t, p, Fault{Name: FaultKill, Side: "A"})
	apply(t, p, Fault{Name: FaultRestore, Side: "A"})
	assert.Equal(t, both, statuses(t, p))
	assert.Nil(t, p.State().Sides[0].Master)
}
