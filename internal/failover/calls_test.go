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

func newBookEngine(t *testing.T) (*harness, *Engine) {
	h := newHarness(t, 40)
	h.start("A")
	return h, h.e
}

// inLoop runs f as an engine input and returns the events it produced.
func inLoop(h *harness, f func()) []Event {
	m := h.mark()
	h.e.post(f)
	h.settle()
	return h.eventsSince(m)
}

func TestCallIdentityWithoutCallKey(t *testing.T) {
	h, e := newBookEngine(t)
	evs := inLoop(h, func() { e.upsertDialog(dialog("7", "callVariable1", "v"), false, 0) })
	require.Len(t, dialogEvents(evs), 1)

	// After a failover the key-less call has a new id but the same parties.
	evs = inLoop(h, func() {
		e.epoch++
		e.resyncDialogs([]finesse.Dialog{*dialog("77")}, true, 1)
	})
	ds := dialogEvents(evs)
	require.Len(t, ds, 1)
	assert.Equal(t, DialogUpdated, ds[0].Action)
	assert.Equal(t, "77", ds[0].Dialog.ID)
	assert.Equal(t, "v", ds[0].Dialog.CallVariables[0].Value)

	// The old id still finds it too.
	evs = inLoop(h, func() { e.removeDialog(dialog("7"), false, 1) })
	require.Len(t, dialogEvents(evs), 1)
	assert.Equal(t, DialogRemoved, dialogEvents(evs)[0].Action)
}

func TestCallIdentityAmbiguousPartiesAreNotGuessed(t *testing.T) {
	h, e := newBookEngine(t)
	inLoop(h, func() {
		e.upsertDialog(dialog("1"), false, 0)
		e.upsertDialog(dialog("2"), false, 0)
	})
	evs := inLoop(h, func() {
		e.epoch++
		e.resyncDialogs([]finesse.Dialog{*dialog("3")}, true, 0)
	})
	var actions []DialogAction
	for _, d := range dialogEvents(evs) {
		actions = append(actions, d.Action)
	}
	assert.Equal(t, []DialogAction{DialogRemoved, DialogRemoved, DialogAdded}, actions)
}

func TestCallGainsCallKeyKeepsIdentity(t *testing.T) {
	h, e := newBookEngine(t)
	d := dialog("9")
	inLoop(h, func() { e.upsertDialog(d, false, 0) })
	d2 := dialog("9")
	d2.MediaProperties.CallKeyCallID, d2.MediaProperties.CallKeyPrefix, d2.MediaProperties.CallKeySequenceNum = "217", "152018", "1"
	evs := inLoop(h, func() { e.upsertDialog(d2, false, 0) })
	// Same view apart from the key: an update, not an add.
	for _, de := range dialogEvents(evs) {
		assert.NotEqual(t, DialogAdded, de.Action)
	}
	d3 := dialog("other-id")
	d3.MediaProperties.CallKeyCallID, d3.MediaProperties.CallKeyPrefix, d3.MediaProperties.CallKeySequenceNum = "217", "152018", "1"
	evs = inLoop(h, func() { e.upsertDialog(d3, false, 0) })
	for _, de := range dialogEvents(evs) {
		assert.Equal(t, "ck:152018:217:1", de.Dialog.CallKey)
		assert.NotEqual(t, DialogAdded, de.Action)
	}
	assert.Len(t, h.e.Snapshot().Dialogs, 1)
}

func TestUnknownDeleteIsRemembered(t *testing.T) {
	h, e := newBookEngine(t)
	evs := inLoop(h, func() {
		e.removeDialog(dialog("5"), false, 0)
		e.upsertDialog(dialog("5"), false, 0)
	})
	assert.Empty(t, dialogEvents(evs), "a late copy of a call that ended is not a new call")
	ended := dialog("6")
	ended.State = finesse.DialogDropped
	evs = inLoop(h, func() { e.upsertDialog(ended, false, 0) })
	assert.Empty(t, dialogEvents(evs), "an ended call is never added")
}

func TestResyncEndedDialogInListIsRemoved(t *testing.T) {
	h, e := newBookEngine(t)
	inLoop(h, func() { e.upsertDialog(dialog("4"), false, 0) })
	ended := *dialog("4")
	ended.State = finesse.DialogDropped
	evs := inLoop(h, func() { e.resyncDialogs([]finesse.Dialog{ended}, true, 0) })
	ds := dialogEvents(evs)
	require.Len(t, ds, 1)
	assert.Equal(t, DialogRemoved, ds[0].Action)
	assert.Equal(t, "DROPPED", ds[0].Dialog.State)
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
