package notify

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
)

// The stanza of research/finesse-protocol.md §2.4, as Prosody delivers it.
const finesseEvent = `<message xmlns='jabber:client' from='pubsub.finesse.test' to='1001@finesse.test/crm' id='WiPX' type='headline'>` +
	`<event xmlns='http://jabber.org/protocol/pubsub#event'><items node='/finesse/api/User/1001'>` +
	`<item id='460c2d11'><notification xmlns='http://jabber.org/protocol/pubsub'>` +
	`&lt;Update&gt;&lt;data&gt;&lt;user&gt;&lt;loginId&gt;1001&lt;/loginId&gt;&lt;state&gt;READY&lt;/state&gt;&lt;/user&gt;&lt;/data&gt;` +
	`&lt;event&gt;PUT&lt;/event&gt;&lt;requestId&gt;r-42&lt;/requestId&gt;&lt;source&gt;/finesse/api/User/1001&lt;/source&gt;&lt;/Update&gt;` +
	`</notification></item></items></event></message>`

func TestParseFinesseEvent(t *testing.T) {
	items, err := ParseEventBytes([]byte(finesseEvent))
	require.NoError(t, err)
	require.Len(t, items, 1)
	assert.Equal(t, "/finesse/api/User/1001", items[0].Node)
	assert.Equal(t, "460c2d11", items[0].ID)

	u, err := finesse.DecodeUpdate(items[0].Node, items[0].Payload)
	require.NoError(t, err)
	assert.Equal(t, finesse.EventPut, u.Event)
	assert.Equal(t, "r-42", u.RequestID)
	assert.Equal(t, "/finesse/api/User/1001", u.Source)
	user, err := u.User()
	require.NoError(t, err)
	assert.Equal(t, "READY", string(user.State))
}

func TestParseEventShapes(t *testing.T) {
	cases := map[string]struct {
		msg   string
		nodes []string
		pays  []string
	}{
		"no event": {msg: `<message xmlns='jabber:client'><body>hi</body></message>`},
		"several items and nodes": {
			msg: `<message xmlns='jabber:client'><event xmlns='http://jabber.org/protocol/pubsub#event'>` +
				`<items node='a'><item id='1'><notification xmlns='http://jabber.org/protocol/pubsub'>&lt;Update/&gt;</notification></item>` +
				`<retract id='0'/><item id='2'><notification xmlns='http://jabber.org/protocol/pubsub'><![CDATA[<Update><event>POST</event></Update>]]></notification></item></items>` +
				`<items node='b'><item id='3'><notification xmlns='http://jabber.org/protocol/pubsub'> &lt;Update/&gt; </notification></item></items>` +
				`</event><delay xmlns='urn:xmpp:delay' stamp='2024-01-01T00:00:00Z'/></message>`,
			nodes: []string{"a", "a", "b"},
			pays:  []string{"<Update/>", "<Update><event>POST</event></Update>", "<Update/>"},
		},
		"notification without its own xmlns (ejabberd)": {
			msg: `<message xmlns='jabber:client' from='pubsub.finesse.test'><event xmlns='http://jabber.org/protocol/pubsub#event'>` +
				`<items node='/finesse/api/User/1001'><item id='x'><notification>&lt;Update&gt;&lt;event&gt;PUT&lt;/event&gt;&lt;/Update&gt;</notification></item></items></event></message>`,
			nodes: []string{"/finesse/api/User/1001"},
			pays:  []string{"<Update><event>PUT</event></Update>"},
		},
		"markup payload": {
			msg:   `<message xmlns='jabber:client'><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='n'><item id='1'><Update xmlns='urn:x'><event>PUT</event></Update></item></items></event></message>`,
			nodes: []string{"n"},
			pays:  []string{`<Update xmlns="urn:x"><event xmlns="urn:x">PUT</event></Update>`},
		},
		"purge and delete are skipped": {
			msg: `<message xmlns='jabber:client'><event xmlns='http://jabber.org/protocol/pubsub#event'><purge node='n'/><delete node='m'/></event></message>`,
		},
		"item without payload": {
			msg:   `<message xmlns='jabber:client'><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='n'><item id='1'/></items></event></message>`,
			nodes: []string{"n"},
			pays:  []string{""},
		},
		"wrong namespace is not an event": {
			msg: `<message xmlns='jabber:client'><event xmlns='urn:other'><items node='n'><item id='1'><notification xmlns='http://jabber.org/protocol/pubsub'>x</notification></item></items></event></message>`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			items, err := ParseEventBytes([]byte(tc.msg))
			require.NoError(t, err)
			var nodes, pays []string
			for _, it := range items {
				nodes = append(nodes, it.Node)
				pays = append(pays, string(it.Payload))
			}
			assert.Equal(t, tc.nodes, nodes)
			assert.Equal(t, tc.pays, pays)
		})
	}
}

func TestParseEventRejectsMalformed(t *testing.T) {
	for _, in := range []string{
		``,
		`<iq xmlns='jabber:client'/>`,
		`<message xmlns='jabber:client'><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='n'>`,
		`<message xmlns='jabber:client'><event xmlns='http://jabber.org/protocol/pubsub#event'></items></event></message>`,
	} {
		_, err := ParseEventBytes([]byte(in))
		assert.Error(t, err, in)
	}
	_, err := ParseEventBytes([]byte(`<message xmlns='jabber:client'><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='n'>`))
	var ee *EventError
	assert.ErrorAs(t, err, &ee)
}

// FuzzParseEvent: the pubsub event parser and the Update decoder behind it
// never panic, and whatever payload is found decodes or fails with a typed
// error.
func FuzzParseEvent(f *testing.F) {
	f.Add([]byte(finesseEvent))
	f.Add([]byte(`<message xmlns='jabber:client'><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='a'><item id='1'><Update><data><dialogs><Dialog><id>1</id></Dialog></dialogs></data></Update></item></items></event></message>`))
	f.Add([]byte(`<message><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='a'><item><notification xmlns='http://jabber.org/protocol/pubsub'>&lt;Update&gt;&lt;data&gt;</notification></item></items></event></message>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		items, err := ParseEventBytes(data)
		if err != nil {
			return
		}
		if len(items) > maxItemsPerEvent {
			t.Fatalf("%d items", len(items))
		}
		for _, it := range items {
			u, err := finesse.DecodeUpdate(it.Node, it.Payload)
			if err == nil && u.Node != it.Node {
				t.Fatalf("node %q became %q", it.Node, u.Node)
			}
		}
	})
}
