package client

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/finesse-ha/finesse-ha/internal/failover"
	"github.com/finesse-ha/finesse-ha/internal/finesse"
)

// update rewrites the golden files: go test ./internal/client -run Golden -update
var update = flag.Bool("update", false, "rewrite testdata/wire/*.json from the wire types")

// goldenDir holds the JSON the page receives, marshalled from the wire
// types. The JS tests (web/test, gadget/test) read the same files, and the
// strict TypeScript check type-checks them against web/index.d.ts, so
// neither side can drift from the Go types unnoticed.
const goldenDir = "testdata/wire"

// checkGolden compares v's JSON with testdata/wire/name, or rewrites it
// with -update.
func checkGolden(t *testing.T, name string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	require.NoError(t, err)
	got = append(got, '\n')
	path := filepath.Join(goldenDir, name)
	if *update {
		require.NoError(t, os.MkdirAll(goldenDir, 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./internal/client -run Golden -update")
	if !bytes.Equal(want, got) {
		t.Errorf("%s differs from what the wire types produce; run go test ./internal/client -run Golden -update and commit it\n got: %s", path, got)
	}
}

var goldenTime = time.Date(2025, 1, 2, 3, 4, 5, 6_000_000, time.UTC)

// goldenCall is a call whose data side B lost in a failover: every field
// of the wire Dialog is set.
func goldenCall() failover.DialogView {
	return failover.DialogView{
		ID: "16777227", CallKey: "ck:149:16777227:3", State: "ACTIVE", URI: "/finesse/api/Dialog/16777227",
		AssociatedDialogURI: "/finesse/api/Dialog/16777226", MediaType: "Voice",
		FromAddress: "5550101", ToAddress: "1001001", CallType: "ACD_IN", DNIS: "8000", DialedNumber: "8000",
		QueueName: "Sales", QueueNumber: "5000", WrapUpReason: "Sale",
		CallVariables: []failover.CallVariable{{Name: "callVariable1", Value: "acct-42", Restored: true}, {Name: "user.CustomerId", Value: "C-7"}},
		Participants: []failover.ParticipantRef{
			{MediaAddress: "1001001", MediaAddressType: "AGENT_DEVICE", State: "ACTIVE", StartTime: "2025-01-02T03:04:00.000Z", Actions: []string{"HOLD", "DROP"}},
			{MediaAddress: "5550101", State: "ACTIVE"},
		},
		Restored: true, RestoredFields: []string{"dnis", "callVariable1"},
	}
}

// goldenEvents is one event of each kind and shape a page sees, in the
// order a failover produces them.
func goldenEvents() []failover.Event {
	at := goldenTime
	return []failover.Event{
		failover.ConnectionEvent{State: failover.StateConnecting, Side: "A", Host: "fin-a.example.com", Reason: failover.ReasonStart, Since: at, Attempt: 1},
		failover.ConnectionEvent{State: failover.StateConnected, Side: "A", Host: "fin-a.example.com", Reason: failover.ReasonStart, Since: at, Attempt: 1, Transport: string(TransportWebSocket)},
		failover.AgentEvent{State: finesse.StateReady, ReasonCode: "-1", Side: "A"},
		failover.DialogEvent{Action: failover.DialogAdded, Dialog: failover.DialogView{
			ID: "16777227", CallKey: "ck:149:16777227:3", State: "ALERTING", FromAddress: "5550101", ToAddress: "1001001",
			CallType: "ACD_IN", DNIS: "8000",
			CallVariables: []failover.CallVariable{{Name: "callVariable1", Value: "acct-42"}},
			Participants:  []failover.ParticipantRef{{MediaAddress: "1001001", State: "ALERTING", Actions: []string{"ANSWER"}}},
		}, Side: "A"},
		failover.NotificationEvent{Node: "/finesse/api/User/1001001/Dialogs", Event: "POST", Source: "/finesse/api/User/1001001/Dialogs", RequestID: "r-1", XML: "<Update>...</Update>", Side: "A"},
		failover.ConnectionEvent{State: failover.StateFailingOver, Side: "B", Host: "fin-b.example.com", Reason: failover.ReasonKeepaliveTimeout, Since: at, Attempt: 0},
		failover.ConnectionEvent{State: failover.StateConnected, Side: "B", Host: "fin-b.example.com", Reason: failover.ReasonSwitched, Since: at, Attempt: 2, Transport: string(TransportBOSH)},
		failover.DialogEvent{Action: failover.DialogUpdated, Dialog: goldenCall(), Synthetic: true, Side: "B"},
		failover.AgentEvent{State: finesse.StateLogout, ReasonCode: "255", ReasonLabel: "Forced logout", Previous: finesse.StateReady, ForcedLogout: true, Side: "A"},
		failover.DialogEvent{Action: failover.DialogRemoved, Dialog: failover.DialogView{ID: "16777227", CallKey: "id:16777227", State: "DROPPED"}, Side: "B"},
		failover.ErrorEvent{Code: failover.ErrCodeAPI, Message: "Finesse refused the request: invalid state", Side: "B", RequestID: "r-2"},
		failover.ErrorEvent{Code: failover.ErrCodeUnauthorized, Message: "side A refused the credentials", Fatal: true},
		failover.ConnectionEvent{State: failover.StateClosed, Side: "B", Host: "fin-b.example.com", Reason: failover.ReasonClosed, Since: at},
	}
}

// wireEvent is how the golden file lists events: the emit(type, json) pair.
type wireEvent struct {
	Type  EventType `json:"type"`
	Event Event     `json:"event"`
}

func TestWireGoldenEvents(t *testing.T) {
	var evs []wireEvent
	for _, ev := range goldenEvents() {
		w := toEvent(ev)
		require.NotNil(t, w, "%T has no wire form", ev)
		evs = append(evs, wireEvent{w.Kind(), w})
	}
	checkGolden(t, "events.json", evs)

	// What the page relies on, beyond "it matches the file".
	agent := toEvent(goldenEvents()[2]).(AgentEvent)
	assert.Equal(t, "", agent.ReasonCode, "Finesse's -1 (no reason) is '' on the wire")
	d := toEvent(goldenEvents()[7]).(DialogEvent).Dialog
	assert.Equal(t, map[string]string{"callVariable1": "acct-42", "user.CustomerId": "C-7"}, d.CallVariables)
	assert.Equal(t, d.FromAddress, d.ANI)
}

func TestWireGoldenSnapshotHistoryResult(t *testing.T) {
	snap := failover.Snapshot{
		Connection: failover.ConnectionEvent{State: failover.StateConnected, Side: "B", Host: "fin-b.example.com", Reason: failover.ReasonSwitched, Since: goldenTime, Attempt: 2, Transport: "bosh"},
		Agent: &failover.AgentView{
			LoginID: "1001001", Extension: "1001001", State: finesse.StateNotReady, PendingState: finesse.StateReady,
			ReasonCode: "12", ReasonLabel: "Lunch", Previous: finesse.StateReady, StateChangeTime: "2025-01-02T03:04:00.000Z",
		},
		Dialogs: []failover.DialogView{goldenCall()},
		Sides: []failover.SideHealth{
			{Side: "A", Host: "fin-a.example.com", Status: "UNREACHABLE", Notification: "down", FinessePresence: "unknown", CheckedAt: goldenTime, LastError: "dial tcp: connection refused"},
			{Side: "B", Host: "fin-b.example.com", Status: "IN_SERVICE", DeploymentType: "UCCE", Notification: "up", FinessePresence: "available", Active: true, CheckedAt: goldenTime, ReportedHost: "fin-b"},
		},
	}
	checkGolden(t, "snapshot.json", toSnapshot(snap))

	empty := toSnapshot(failover.Snapshot{Connection: failover.ConnectionEvent{State: failover.StateConnecting, Reason: failover.ReasonStart, Since: goldenTime}})
	checkGolden(t, "snapshot-empty.json", empty)

	checkGolden(t, "history.json", toHistory([]failover.HistoryEntry{
		{At: goldenTime, What: "connected", Side: "A", Detail: "start"},
		{At: goldenTime, What: "trigger", Side: "A", Detail: "keepalive-timeout"},
		{At: goldenTime, What: "poll", Detail: "A: UNREACHABLE, B: IN_SERVICE"},
		{At: goldenTime, What: "jitter", Detail: "1.2s"},
		{At: goldenTime, What: "switch", Side: "B", Detail: "from side A"},
	}))
	require.NotNil(t, toHistory(nil), "history() is [] before anything happened, never null")

	checkGolden(t, "result.json", []*Result{
		toResult(&failover.Response{Status: 202, RequestID: "r-1", Side: "A", Confirmed: true}),
		{Status: 400, Headers: map[string]string{"Content-Type": "application/xml"}, Body: "<ApiErrors/>", RequestID: "r-2", Side: SideB, Error: "HTTP 400: invalid state"},
	})
}

// TestWireGoldenOptions is a page's options with every field set, as
// JSON: what softphone.js passes through and index.d.ts declares.
func TestWireGoldenOptions(t *testing.T) {
	yes, no := true, false
	ms := func(v float64) *float64 { return &v }
	o := Options{
		Sides:     []SideURLs{{REST: "https://fin-a.example.com:8445"}, {REST: "https://fin-b.example.com:8445", BOSH: "https://fin-b.example.com:7443/http-bind/", WebSocket: "wss://fin-b.example.com:8445/ws/"}},
		Agent:     AgentOptions{ID: "1001001", Extension: "1001001"},
		Auth:      AuthOptions{Username: "1001001", Password: "not-a-secret"},
		Transport: TransportWebSocket, Fallback: &no, AllowInsecure: true, Resource: "crm-1",
		Policy: &PolicyOptions{PollIntervalMs: ms(10000), JitterMs: ms(0), RestoreAgentState: &yes, ReloginAfterForcedLogout: &yes, RetryPost: &no},
	}
	checkGolden(t, "options.json", o)

	data, err := os.ReadFile(filepath.Join(goldenDir, "options.json"))
	require.NoError(t, err)
	back, err := decodeOptions(data)
	require.NoError(t, err, "the golden options decode as the page's")
	assert.Equal(t, o, back)
}

// TestWireGoldenCallKeys: the call identity the gadget's desktop follower
// computes from finesse.js's mediaProperties must be the Go client's.
func TestWireGoldenCallKeys(t *testing.T) {
	type keyCase struct {
		ID              string            `json:"id"`
		MediaProperties map[string]string `json:"mediaProperties"`
		CallKey         string            `json:"callKey"`
	}
	var cases []keyCase
	for _, d := range []finesse.Dialog{
		{ID: "16777227", MediaProperties: &finesse.MediaProperties{CallKeyPrefix: "149", CallKeyCallID: "16777227", CallKeySequenceNum: "3"}},
		{ID: "16777228", MediaProperties: &finesse.MediaProperties{CallKeyCallID: "900"}},
		{ID: "16777229", MediaProperties: &finesse.MediaProperties{CallType: "OUT"}},
		{ID: "16777230"},
	} {
		mp := map[string]string{}
		if m := d.MediaProperties; m != nil {
			for k, v := range map[string]string{"callKeyPrefix": m.CallKeyPrefix, "callKeyCallId": m.CallKeyCallID, "callKeySequenceNum": m.CallKeySequenceNum, "callType": string(m.CallType)} {
				if v != "" {
					mp[k] = v
				}
			}
		}
		cases = append(cases, keyCase{ID: d.ID, MediaProperties: mp, CallKey: d.CallKey()})
	}
	checkGolden(t, "callkeys.json", cases)
}
