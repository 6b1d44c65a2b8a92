package client

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/finesse-ha/finesse-ha/internal/failover"
)

func TestMarshalEventGivesCallVariablesAsObject(t *testing.T) {
	ev := failover.DialogEvent{Action: failover.DialogAdded, Dialog: failover.DialogView{
		ID: "d1", CallKey: "k1", CallVariables: []failover.CallVariable{{Name: "callVariable1", Value: "42"}, {Name: "user.acct", Value: "x"}},
	}}
	b, err := MarshalEvent(ev)
	require.NoError(t, err)
	var got struct {
		Action string `json:"action"`
		Dialog struct {
			ID            string            `json:"id"`
			CallVariables map[string]string `json:"callVariables"`
		} `json:"dialog"`
	}
	require.NoError(t, json.Unmarshal(b, &got))
	assert.Equal(t, "added", got.Action)
	assert.Equal(t, "d1", got.Dialog.ID)
	assert.Equal(t, map[string]string{"callVariable1": "42", "user.acct": "x"}, got.Dialog.CallVariables)

	b, err = MarshalSnapshot(failover.Snapshot{Dialogs: []failover.DialogView{ev.Dialog}})
	require.NoError(t, err)
	var snap struct {
		Dialogs []struct {
			CallVariables map[string]string `json:"callVariables"`
		} `json:"dialogs"`
	}
	require.NoError(t, json.Unmarshal(b, &snap))
	require.Len(t, snap.Dialogs, 1)
	assert.Equal(t, "42", snap.Dialogs[0].CallVariables["callVariable1"])

	b, err = MarshalHistory(nil)
	require.NoError(t, err)
	assert.JSONEq(t, "[]", string(b))

	b, err = MarshalEvent(failover.ConnectionEvent{State: failover.StateConnected, Side: "A"})
	require.NoError(t, err)
	assert.Contains(t, string(b), `"state":"connected"`)
}

// The fields web/index.d.ts declares as always present are present even
// when empty, so pages need no guards.
func TestMarshalEventFillsDeclaredFields(t *testing.T) {
	b, err := MarshalEvent(failover.DialogEvent{Action: failover.DialogUpdated, Dialog: failover.DialogView{
		ID: "d2", FromAddress: "5551234", Participants: []failover.ParticipantRef{{MediaAddress: "1001001"}},
	}})
	require.NoError(t, err)
	var d struct {
		Dialog map[string]any `json:"dialog"`
	}
	require.NoError(t, json.Unmarshal(b, &d))
	for _, k := range []string{"callType", "fromAddress", "toAddress", "dnis", "ani", "restoredFields", "participants", "callVariables", "restored"} {
		assert.Contains(t, d.Dialog, k)
	}
	assert.Equal(t, "5551234", d.Dialog["ani"])
	parts := d.Dialog["participants"].([]any)
	require.Len(t, parts, 1)
	assert.Equal(t, []any{}, parts[0].(map[string]any)["actions"])

	b, err = MarshalEvent(failover.AgentEvent{State: "READY"})
	require.NoError(t, err)
	assert.JSONEq(t, `{"state":"READY","reasonCode":"","previous":"","synthetic":false,"forcedLogout":false,"side":""}`, string(b))

	b, err = MarshalEvent(failover.NotificationEvent{Node: "/finesse/api/User/1"})
	require.NoError(t, err)
	assert.Contains(t, string(b), `"requestId":""`)
}
