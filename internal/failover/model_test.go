package failover

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
)

func dialog(id string, vars ...string) *finesse.Dialog {
	d := &finesse.Dialog{
		ID: id, State: finesse.DialogActive, FromAddress: "0612345678", ToAddress: "1001001",
		MediaProperties: &finesse.MediaProperties{CallType: finesse.CallACDIn, DNIS: "5000"},
		Participants:    []finesse.Participant{{MediaAddress: "0612345678"}, {MediaAddress: "1001001"}},
	}
	for i := 0; i+1 < len(vars); i += 2 {
		d.MediaProperties.CallVariables = append(d.MediaProperties.CallVariables, finesse.CallVariable{Name: vars[i], Value: vars[i+1]})
	}
	return d
}

func TestMergeRestoresOnlyAcrossAGap(t *testing.T) {
	c := &callEntry{key: "id:1", known: map[string]knownValue{}}
	v := c.merge(dialog("1", "callVariable1", "Ada", "callVariable2", "x"), 1)
	assert.False(t, v.Restored)

	// Same session: an explicit empty value is a deliberate clear.
	v = c.merge(dialog("1", "callVariable1", "Ada", "callVariable2", ""), 1)
	assert.False(t, v.Restored)
	assert.Equal(t, "", v.CallVariables[1].Value)

	// Same session: a list without the variable keeps it (not a clear).
	v = c.merge(dialog("1"), 1)
	assert.Equal(t, []CallVariable{{Name: "callVariable1", Value: "Ada", Restored: true}}, v.CallVariables)

	// After a gap: empty values and empty addresses are restored.
	d := dialog("1", "callVariable1", "")
	d.FromAddress = ""
	d.MediaProperties.CallType = ""
	v = c.merge(d, 2)
	assert.True(t, v.Restored)
	assert.Equal(t, "Ada", v.CallVariables[0].Value)
	assert.Equal(t, "0612345678", v.FromAddress)
	assert.Equal(t, "ACD_IN", v.CallType)
	assert.ElementsMatch(t, []string{"fromAddress", "callType", "callVariable1"}, v.RestoredFields)

	// Media properties missing altogether keep their known values.
	d = dialog("1")
	d.MediaProperties = nil
	v = c.merge(d, 2)
	assert.Equal(t, "5000", v.DNIS)
	assert.Contains(t, v.RestoredFields, "dnis")

	// The server sends a new value: learned, no longer restored.
	v = c.merge(dialog("1", "callVariable1", "Bob"), 2)
	assert.Equal(t, "Bob", v.CallVariables[0].Value)
	assert.False(t, v.CallVariables[0].Restored)
}

// inLoop runs f as an engine input and returns the events it produced.
func inLoop(h *harness, f func()) []Event {
	m := h.mark()
	h.e.post(f)
	h.settle()
	return h.eventsSince(m)
}

func actions(evs []DialogEvent) []DialogAction {
	var out []DialogAction
	for _, ev := range evs {
		out = append(out, ev.Action)
	}
	return out
}

func withCallKey(d *finesse.Dialog, prefix, id, seq string) *finesse.Dialog {
	d.MediaProperties.CallKeyPrefix, d.MediaProperties.CallKeyCallID, d.MediaProperties.CallKeySequenceNum = prefix, id, seq
	return d
}

func TestCallIdentityWithoutCallKey(t *testing.T) {
	m := newModel()
	m.beginSync()
	evs := m.upsertDialog(dialog("7", "callVariable1", "v"), false, "A")
	require.Len(t, evs, 1)

	// After a failover the key-less call has a new id but the same parties.
	require.True(t, m.beginSync())
	evs = m.resyncDialogs([]finesse.Dialog{*dialog("77")}, true, "B")
	require.Len(t, evs, 1)
	assert.Equal(t, DialogUpdated, evs[0].Action)
	assert.Equal(t, "77", evs[0].Dialog.ID)
	assert.Equal(t, "B", evs[0].Side)
	assert.True(t, evs[0].Synthetic)
	assert.Equal(t, "v", evs[0].Dialog.CallVariables[0].Value)

	// The old id still finds it too.
	evs = m.removeDialog(dialog("7"), false, "B")
	require.Len(t, evs, 1)
	assert.Equal(t, DialogRemoved, evs[0].Action)
	assert.Empty(t, m.dialogs())
}

func TestCallIdentityAmbiguousPartiesAreNotGuessed(t *testing.T) {
	m := newModel()
	m.beginSync()
	m.upsertDialog(dialog("1"), false, "A")
	m.upsertDialog(dialog("2"), false, "A")
	m.beginSync()
	evs := m.resyncDialogs([]finesse.Dialog{*dialog("3")}, true, "A")
	assert.Equal(t, []DialogAction{DialogRemoved, DialogRemoved, DialogAdded}, actions(evs))
}

func TestCallGainsCallKeyKeepsIdentity(t *testing.T) {
	m := newModel()
	m.beginSync()
	m.upsertDialog(dialog("9"), false, "A")
	// Same view apart from the key: an update, not an add.
	evs := m.upsertDialog(withCallKey(dialog("9"), "152018", "217", "1"), false, "A")
	assert.NotContains(t, actions(evs), DialogAdded)
	evs = m.upsertDialog(withCallKey(dialog("other-id"), "152018", "217", "1"), false, "A")
	for _, de := range evs {
		assert.Equal(t, "ck:152018:217:1", de.Dialog.CallKey)
		assert.NotEqual(t, DialogAdded, de.Action)
	}
	assert.Len(t, m.dialogs(), 1)
}

// A CCE call key is the call's identity: the same key under a new dialog
// id is the same call, and two calls with the same parties but different
// keys are never merged.
func TestCallIdentityByCallKey(t *testing.T) {
	m := newModel()
	m.beginSync()
	evs := m.upsertDialog(withCallKey(dialog("1", "callVariable1", "x"), "152018", "300", "1"), false, "A")
	require.Len(t, evs, 1)
	key := evs[0].Dialog.CallKey
	assert.Equal(t, "ck:152018:300:1", key)

	m.beginSync()
	evs = m.resyncDialogs([]finesse.Dialog{
		*withCallKey(dialog("2"), "152018", "300", "1"),
		*withCallKey(dialog("3"), "152018", "301", "1"), // same parties, other call
	}, true, "B")
	require.Equal(t, []DialogAction{DialogUpdated, DialogAdded}, actions(evs))
	assert.Equal(t, key, evs[0].Dialog.CallKey)
	assert.Equal(t, "2", evs[0].Dialog.ID)
	assert.Equal(t, "ck:152018:301:1", evs[1].Dialog.CallKey)
	assert.Len(t, m.dialogs(), 2)
}

// A call produces one "added" over its life, however many re-syncs and
// copies of it arrive, and an unchanged copy produces nothing.
func TestOneAddedPerCallAcrossResyncs(t *testing.T) {
	m := newModel()
	added := 0
	count := func(evs []DialogEvent) {
		for _, ev := range evs {
			if ev.Action == DialogAdded {
				added++
			}
		}
	}
	assert.False(t, m.beginSync(), "the first sync closes no gap")
	count(m.resyncDialogs([]finesse.Dialog{*dialog("1", "callVariable1", "a")}, false, "A"))
	for i, side := range []string{"B", "A", "B"} {
		assert.True(t, m.beginSync())
		evs := m.resyncDialogs([]finesse.Dialog{*dialog(fmt.Sprint("1-", i))}, true, side)
		count(evs)
		for _, ev := range evs {
			assert.True(t, ev.Synthetic)
		}
		count(m.upsertDialog(dialog(fmt.Sprint("1-", i)), false, side))
	}
	assert.Equal(t, 1, added)
	assert.Empty(t, m.upsertDialog(dialog("1-2"), false, "B"), "an unchanged copy is no event")
}

// Call data a new side lost is restored from the earlier epoch and marked.
func TestResyncRestoresCallData(t *testing.T) {
	m := newModel()
	m.beginSync()
	m.upsertDialog(dialog("1", "callVariable1", "Ada"), false, "A")
	m.beginSync()
	lost := dialog("1", "callVariable1", "")
	lost.MediaProperties.DNIS = ""
	evs := m.resyncDialogs([]finesse.Dialog{*lost}, true, "B")
	require.Len(t, evs, 1)
	v := evs[0].Dialog
	assert.True(t, v.Restored)
	assert.Equal(t, "Ada", v.CallVariables[0].Value)
	assert.True(t, v.CallVariables[0].Restored)
	assert.Equal(t, "5000", v.DNIS)
	assert.ElementsMatch(t, []string{"dnis", "callVariable1"}, v.RestoredFields)
	assert.Equal(t, v, m.dialogs()[0])
}

func TestUnknownDeleteIsRemembered(t *testing.T) {
	m := newModel()
	m.beginSync()
	assert.Empty(t, m.removeDialog(dialog("5"), false, "A"))
	assert.Empty(t, m.upsertDialog(dialog("5"), false, "A"), "a late copy of a call that ended is not a new call")
	ended := dialog("6")
	ended.State = finesse.DialogDropped
	assert.Empty(t, m.upsertDialog(ended, false, "A"), "an ended call is never added")
}

func TestResyncEndedDialogInListIsRemoved(t *testing.T) {
	m := newModel()
	m.beginSync()
	m.upsertDialog(dialog("4"), false, "A")
	ended := *dialog("4")
	ended.State = finesse.DialogDropped
	evs := m.resyncDialogs([]finesse.Dialog{ended}, true, "A")
	require.Len(t, evs, 1)
	assert.Equal(t, DialogRemoved, evs[0].Action)
	assert.Equal(t, "DROPPED", evs[0].Dialog.State)
}

func user(st finesse.AgentState, reasonCode string) *finesse.User {
	u := &finesse.User{LoginID: "1001001", State: st}
	if reasonCode != "" {
		u.ReasonCodeID = "rc" + reasonCode
		u.ReasonCode = &finesse.ReasonCode{Code: reasonCode, Label: "label " + reasonCode}
	}
	return u
}

func TestAgentEventsAndPreviousState(t *testing.T) {
	m := newModel()
	assert.False(t, m.beginSync())
	assert.Nil(t, m.agentView())
	ev, old := m.applyUser(user(finesse.StateReady, ""), false, "A")
	require.NotNil(t, ev)
	assert.Nil(t, old)
	assert.Equal(t, finesse.StateReady, ev.State)
	assert.Empty(t, ev.Previous)

	ev, _ = m.applyUser(user(finesse.StateReady, ""), false, "A")
	assert.Nil(t, ev, "the same state and reason code is no event")
	ev, _ = m.applyUser(user(finesse.StateNotReady, "12"), false, "A")
	require.NotNil(t, ev)
	assert.Equal(t, finesse.StateReady, ev.Previous)
	assert.Equal(t, "12", ev.ReasonCode)
	assert.Equal(t, "label 12", ev.ReasonLabel)

	// A gap opens in NOT_READY; the new side reports READY.
	m.agent.noteGap()
	m.applyUser(user(finesse.StateTalking, ""), false, "A")
	m.agent.noteGap() // a second trigger does not move the gap's start
	gap := m.beginSync()
	ev, _ = m.applyUser(user(finesse.StateReady, ""), gap, "B")
	require.NotNil(t, ev)
	assert.True(t, ev.Synthetic)
	assert.Equal(t, "B", ev.Side)
	wasGap, pending := m.agent.closeGap(true)
	assert.True(t, wasGap)
	assert.Equal(t, finesse.StateNotReady, pending)
	assert.Equal(t, finesse.StateNotReady, m.agentView().Previous)

	target, reasonID, ok := m.agent.takeRestore()
	assert.True(t, ok)
	assert.Equal(t, finesse.StateNotReady, target)
	assert.Equal(t, "rc12", reasonID)
	_, _, ok = m.agent.takeRestore()
	assert.False(t, ok, "a restore is handed out once")

	wasGap, _ = m.agent.closeGap(true)
	assert.False(t, wasGap)
}

func TestRestoreWaitsForAHandSetState(t *testing.T) {
	m := newModel()
	m.applyUser(user(finesse.StateReady, ""), false, "A")
	m.agent.noteGap()
	m.applyUser(user(finesse.StateTalking, ""), true, "B")
	_, pending := m.agent.closeGap(true)
	assert.Equal(t, finesse.StateReady, pending)
	_, _, ok := m.agent.takeRestore()
	assert.False(t, ok, "not while on a call")
	m.applyUser(user(finesse.StateReady, ""), false, "B")
	_, _, ok = m.agent.takeRestore()
	assert.False(t, ok, "already back in the state: nothing to send")

	m.agent.noteGap()
	_, pending = m.agent.closeGap(false)
	assert.Empty(t, pending, "without RestoreAgentState nothing is restored")
}

func TestForcedLogoutDetection(t *testing.T) {
	m := newModel()
	m.applyUser(user(finesse.StateNotReady, "7"), false, "A")
	ev, old := m.applyUser(user(finesse.StateLogout, "255"), false, "A")
	require.NotNil(t, ev)
	assert.True(t, ev.ForcedLogout)
	assert.Equal(t, finesse.StateNotReady, old.State)
	m.agent.restoreLater(old)
	m.applyUser(user(finesse.StateNotReady, ""), false, "A")
	target, reasonID, ok := m.agent.takeRestore()
	assert.True(t, ok)
	assert.Equal(t, finesse.StateNotReady, target)
	assert.Equal(t, "rc7", reasonID)

	ev, _ = m.applyUser(user(finesse.StateLogout, "3"), false, "A")
	require.NotNil(t, ev)
	assert.False(t, ev.ForcedLogout, "a logout with another reason code is not forced")
	m.agent.restoreLater(user(finesse.StateTalking, ""))
	_, _, ok = m.agent.takeRestore()
	assert.False(t, ok, "a state that follows calls is never restored")
}

func TestTombstonesAreBounded(t *testing.T) {
	ts := newTombstones(3)
	for i := 0; i < 5; i++ {
		ts.add(fmt.Sprint(i))
	}
	ts.add("4")
	assert.False(t, ts.has("0"))
	assert.False(t, ts.has("1"))
	assert.True(t, ts.has("2"))
	assert.True(t, ts.has("4"))
	assert.Len(t, ts.order, 3)
}

func TestResyncFetchesStubDialogs(t *testing.T) {
	h := newHarness(t, 41)
	// A list of stubs (no state, no media properties): each is fetched whole.
	h.startCall("500", "callVariable1", "full")
	h.start("A")
	var got []finesse.Dialog
	rest := &stubList{fakeSide: h.A, stub: finesse.Dialog{ID: "500"}}
	in := syncInput{side: 0, reuse: nopSession{}, rest: rest, agentID: h.agentID}
	done := make(chan syncResult, 1)
	go func() { done <- h.e.runSync(t.Context(), in) }()
	select {
	case r := <-done:
		require.NoError(t, r.err)
		got = r.dialogs
	case <-time.After(5 * time.Second):
		t.Fatal("runSync hung")
	}
	require.Len(t, got, 1)
	require.NotNil(t, got[0].MediaProperties)
	assert.Equal(t, "full", got[0].MediaProperties.CallVariables[0].Value)
	assert.Equal(t, 1, h.A.count("Dialog"))
}

func TestApplyUpdateTakesOwnUserAndDialogs(t *testing.T) {
	m := newModel()
	m.beginSync()
	own := "/finesse/api/User/1001001"

	// A team member's summary is not the agent.
	other := user(finesse.StateReady, "")
	other.LoginID = "2002002"
	ch, err := m.applyUpdate(makeUpdate("/finesse/api/Team/1/Users", finesse.EventPut, "/finesse/api/User/2002002", "", other), "1001001", "A")
	require.NoError(t, err)
	assert.False(t, ch.user)
	assert.Nil(t, m.agentView())

	// The agent's own copy, recognised by login id, or by node when the
	// copy has none.
	ch, err = m.applyUpdate(makeUpdate(own, finesse.EventPut, own, "", user(finesse.StateReady, "")), "1001001", "A")
	require.NoError(t, err)
	assert.True(t, ch.user)
	require.NotNil(t, ch.agent)
	assert.Equal(t, finesse.StateReady, ch.agent.State)
	assert.False(t, ch.agent.Synthetic)
	noID := user(finesse.StateNotReady, "")
	noID.LoginID = ""
	ch, err = m.applyUpdate(makeUpdate(own, finesse.EventPut, "", "", noID), "1001001", "A")
	require.NoError(t, err)
	require.NotNil(t, ch.agent)
	assert.Equal(t, finesse.StateReady, ch.old.State)

	// Dialogs: a POST adds, a DELETE removes.
	dialogs := func(ev finesse.EventType, d *finesse.Dialog) change {
		ch, err := m.applyUpdate(makeUpdate(own+"/Dialogs", ev, "", "", finesse.Dialogs{Dialogs: []finesse.Dialog{*d}}), "1001001", "B")
		require.NoError(t, err)
		assert.False(t, ch.user)
		return ch
	}
	ch = dialogs(finesse.EventPost, dialog("8"))
	require.Equal(t, []DialogAction{DialogAdded}, actions(ch.dialogs))
	assert.Equal(t, "B", ch.dialogs[0].Side)
	ch = dialogs(finesse.EventDelete, dialog("8"))
	assert.Equal(t, []DialogAction{DialogRemoved}, actions(ch.dialogs))

	// Data that does not decode is an error; other data changes nothing.
	bad := &finesse.Update{Node: own, Event: finesse.EventPut, Data: []byte("<User><state>READY</User>")}
	_, err = m.applyUpdate(bad, "1001001", "A")
	assert.Error(t, err)
	ch, err = m.applyUpdate(makeUpdate("/finesse/api/SystemInfo", finesse.EventPut, "", "", finesse.SystemInfo{}), "1001001", "A")
	require.NoError(t, err)
	assert.Equal(t, change{}, ch)
}

func TestResyncReportsAgentAndDialogs(t *testing.T) {
	m := newModel()
	ch, gap := m.resync(user(finesse.StateReady, ""), []finesse.Dialog{*dialog("1")}, "A")
	assert.False(t, gap)
	assert.True(t, ch.user)
	require.NotNil(t, ch.agent)
	assert.False(t, ch.agent.Synthetic, "the first sync closes no gap")
	assert.Equal(t, []DialogAction{DialogAdded}, actions(ch.dialogs))

	ch, gap = m.resync(user(finesse.StateNotReady, ""), nil, "B")
	assert.True(t, gap)
	require.NotNil(t, ch.agent)
	assert.True(t, ch.agent.Synthetic)
	assert.Equal(t, finesse.StateReady, ch.old.State)
	require.Equal(t, []DialogAction{DialogRemoved}, actions(ch.dialogs), "a call missing from the list ended during the gap")
	assert.True(t, ch.dialogs[0].Synthetic)

	ch, _ = m.resync(nil, nil, "B")
	assert.False(t, ch.user, "no copy of the agent: nothing to say about it")
	assert.Nil(t, ch.agent)
}
