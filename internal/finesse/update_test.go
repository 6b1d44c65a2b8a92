package finesse

import (
	"encoding/xml"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDecodeUpdateUserLowerCaseEvent(t *testing.T) {
	u, err := DecodeUpdate("/finesse/api/User/1001001", fixture(t, "update_user_put.xml"))
	require.NoError(t, err)
	assert.Equal(t, "/finesse/api/User/1001001", u.Node)
	assert.Equal(t, EventPut, u.Event, "event 'put' is normalised to upper case")
	assert.Equal(t, "", u.RequestID)
	assert.Equal(t, "/finesse/api/User/csmith", u.Source)
	assert.Equal(t, "User", u.DataRoot())
	assert.Equal(t, string(fixture(t, "update_user_put.xml")), u.Raw)

	user, err := u.User()
	require.NoError(t, err)
	assert.Equal(t, StateLogout, user.State)
	assert.Equal(t, "10", user.ReasonCodeValue())
	assert.Equal(t, "FunctionalAgents", user.TeamName)
}

func TestDecodeUpdateDialogsPost(t *testing.T) {
	u, err := DecodeUpdate("/finesse/api/User/1001/Dialogs", fixture(t, "update_dialogs_post.xml"))
	require.NoError(t, err)
	assert.Equal(t, EventPost, u.Event)
	assert.Equal(t, "b1f7c9a2-3d4e-4f50-8a61-72839405a6b7", u.RequestID)
	assert.Equal(t, "dialogs", u.DataRoot(), "collection root is lower case in notifications")
	ds, err := u.Dialogs()
	require.NoError(t, err)
	require.Len(t, ds.Dialogs, 1)
	v, ok := ds.Dialogs[0].CallVariable("user.Arr[0]")
	assert.True(t, ok)
	assert.Equal(t, "x", v)
	assert.Equal(t, DialogAlerting, ds.Dialogs[0].State)
}

func TestDecodeUpdateDialogLevelPut(t *testing.T) {
	u, err := DecodeUpdate("/finesse/api/User/1001/Dialogs", fixture(t, "update_dialog_put.xml"))
	require.NoError(t, err)
	assert.Equal(t, EventPut, u.Event)
	assert.Equal(t, "/finesse/api/Dialog/16777233", u.Source)
	d, err := u.Dialog()
	require.NoError(t, err)
	assert.Equal(t, "ck:152030:9001:3", d.CallKey())
	// The same data read as a list gives a list of one.
	ds, err := u.Dialogs()
	require.NoError(t, err)
	require.Len(t, ds.Dialogs, 1)
	assert.Equal(t, *d, ds.Dialogs[0])
}

func TestDecodeUpdateAsyncAPIErrors(t *testing.T) {
	u, err := DecodeUpdate("/finesse/api/User/1001/Dialogs", fixture(t, "update_apierrors.xml"))
	require.NoError(t, err)
	errs, err := u.APIErrors()
	require.NoError(t, err)
	assert.Equal(t, []ApiError{{Type: "CTI Error", Message: "CF_INVALID_OBJECT_STATE", Data: "11"}}, errs)
	// Not a User: typed error, no panic.
	_, err = u.User()
	var de *DecodeError
	require.ErrorAs(t, err, &de)
	assert.Equal(t, "apiErrors", de.Got)
}

func TestDecodeUpdateSystemInfo(t *testing.T) {
	u, err := DecodeUpdate("/finesse/api/SystemInfo", fixture(t, "update_systeminfo.xml"))
	require.NoError(t, err)
	s, err := u.SystemInfo()
	require.NoError(t, err)
	assert.False(t, s.InService())
	assert.True(t, s.IsPrimary())
}

func TestDecodeUpdateEmptyData(t *testing.T) {
	u, err := DecodeUpdate("n", []byte(`<Update><event>DELETE</event><source>/finesse/api/Dialog/1</source></Update>`))
	require.NoError(t, err)
	assert.Equal(t, EventDelete, u.Event)
	assert.Empty(t, u.Data)
	assert.Equal(t, "", u.DataRoot())
	_, err = u.Dialogs()
	assert.ErrorIs(t, err, ErrEmptyBody)
	_, err = u.Dialog()
	assert.ErrorIs(t, err, ErrEmptyBody)

	var nilUpdate *Update
	assert.Equal(t, "", nilUpdate.DataRoot())
	_, err = nilUpdate.User()
	assert.ErrorIs(t, err, ErrEmptyBody)
}

// notificationFromStanza takes <notification> out of a full pubsub message
// the way a stanza reader would: as the element's raw bytes.
func notificationFromStanza(t *testing.T, stanza string) []byte {
	t.Helper()
	var m struct {
		Items struct {
			Node string `xml:"node,attr"`
			Item struct {
				Notification struct {
					Inner []byte `xml:",innerxml"`
				} `xml:"notification"`
			} `xml:"item"`
		} `xml:"event>items"`
	}
	require.NoError(t, xml.Unmarshal([]byte(stanza), &m))
	return []byte("<notification>" + string(m.Items.Item.Notification.Inner) + "</notification>")
}

func TestDecodeNotificationEscaped(t *testing.T) {
	// As Prosody delivered it (research/xmpp-server.md §3).
	stanza := `<message from='pubsub.finesse.test' id='WiPXbji64KLNM5zUEQXYZdBZ' to='1001@finesse.test' xmlns='jabber:client' type='headline'><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='/finesse/api/User/1001'><item id='460c2d11-c3f1-49f3-a4d6-7d3d5da4e6f5'><notification xmlns='http://jabber.org/protocol/pubsub'>&lt;Update&gt;&lt;data&gt;&lt;user&gt;&lt;loginId&gt;1001&lt;/loginId&gt;&lt;state&gt;READY&lt;/state&gt;&lt;/user&gt;&lt;/data&gt;&lt;event&gt;PUT&lt;/event&gt;&lt;requestId&gt;r-42&lt;/requestId&gt;&lt;source&gt;/finesse/api/User/1001&lt;/source&gt;&lt;/Update&gt;</notification></item></items></event></message>`
	for name, el := range map[string][]byte{
		"fixture": fixture(t, "notification_user.xml"),
		"stanza":  notificationFromStanza(t, stanza),
	} {
		t.Run(name, func(t *testing.T) {
			u, err := DecodeNotification("/finesse/api/User/1001", el)
			require.NoError(t, err)
			assert.Equal(t, EventPut, u.Event)
			assert.Equal(t, "r-42", u.RequestID)
			assert.Equal(t, "/finesse/api/User/1001", u.Source)
			assert.Equal(t, "user", u.DataRoot())
			assert.Contains(t, u.Raw, "<Update><data><user>")
			user, err := u.User()
			require.NoError(t, err)
			assert.Equal(t, StateReady, user.State)
			assert.Equal(t, "1001", user.LoginID)
		})
	}
}

func TestDecodeNotificationForms(t *testing.T) {
	tests := []struct {
		name  string
		el    string
		state AgentState
		value string
	}{
		{"child element", `<notification xmlns='http://jabber.org/protocol/pubsub'> <Update><data><user><state>TALKING</state></user></data><event>put</event></Update> </notification>`, StateTalking, ""},
		{"escaped twice", `<notification>&amp;lt;Update&amp;gt;&amp;lt;data&amp;gt;&amp;lt;user&amp;gt;&amp;lt;state&amp;gt;WORK&amp;lt;/state&amp;gt;&amp;lt;firstName&amp;gt;A&amp;amp;amp;B&amp;lt;/firstName&amp;gt;&amp;lt;/user&amp;gt;&amp;lt;/data&amp;gt;&amp;lt;event&amp;gt;PUT&amp;lt;/event&amp;gt;&amp;lt;/Update&amp;gt;</notification>`, StateWork, "A&B"},
		{"CDATA", `<notification><![CDATA[<Update><data><User><state>HOLD</state><firstName>A&amp;B</firstName></User></data><event>PUT</event></Update>]]></notification>`, StateHold, "A&B"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := DecodeNotification("n", []byte(tt.el))
			require.NoError(t, err)
			assert.Equal(t, EventPut, u.Event)
			user, err := u.User()
			require.NoError(t, err)
			assert.Equal(t, tt.state, user.State)
			assert.Equal(t, tt.value, user.FirstName)
		})
	}
}

func TestDecodeNotificationErrors(t *testing.T) {
	tests := []struct {
		name  string
		el    string
		cause error
		got   string
	}{
		{"json payload", `<notification>{"Update":{"event":"PUT"}}</notification>`, ErrJSONPayload, ""},
		{"empty", ``, ErrEmptyBody, ""},
		{"empty notification", `<notification/>`, ErrEmptyBody, ""},
		{"wrong element", `<item><notification/></item>`, nil, "item"},
		{"truncated", `<notification>&lt;Update&gt;`, nil, ""},
		{"trailing element", `<notification/><notification/>`, ErrTrailingData, ""},
		{"bad double escape", `<notification>&amp;lt;Update&amp;gt;&amp;bogus;</notification>`, nil, ""},
		{"escaped not an update", `<notification>&lt;User/&gt;</notification>`, nil, "User"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := DecodeNotification("n", []byte(tt.el))
			require.Error(t, err)
			assert.Nil(t, u)
			var de *DecodeError
			require.ErrorAs(t, err, &de)
			if tt.cause != nil {
				assert.ErrorIs(t, err, tt.cause)
			}
			if tt.got != "" {
				assert.Equal(t, tt.got, de.Got)
			}
			assert.NotEmpty(t, err.Error())
		})
	}
	big := make([]byte, MaxBodySize+1)
	_, err := DecodeNotification("n", big)
	assert.ErrorIs(t, err, ErrBodyTooLarge)
}

func TestEncodeUpdateRoundTrip(t *testing.T) {
	in := &Update{
		Event:     EventPost,
		RequestID: "id<&>",
		Source:    "/finesse/api/User/1001/Dialogs",
		Data:      fixture(t, "dialogs_1.xml"),
	}
	doc, err := EncodeUpdate(in)
	require.NoError(t, err)
	out, err := DecodeUpdate("node", doc)
	require.NoError(t, err)
	assert.Equal(t, in.Event, out.Event)
	assert.Equal(t, in.RequestID, out.RequestID)
	assert.Equal(t, in.Source, out.Source)
	ds, err := out.Dialogs()
	require.NoError(t, err)
	require.Len(t, ds.Dialogs, 1)
	assert.Equal(t, "16777233", ds.Dialogs[0].ID)

	// Escaped as the text of <notification>, it decodes the same way.
	var esc []byte
	esc, err = xml.Marshal(struct {
		XMLName xml.Name `xml:"notification"`
		Text    string   `xml:",chardata"`
	}{Text: string(doc)})
	require.NoError(t, err)
	out2, err := DecodeNotification("node", esc)
	require.NoError(t, err)
	assert.Equal(t, out.Data, out2.Data)
	assert.Equal(t, in.RequestID, out2.RequestID)

	// Empty fields are left out.
	doc, err = EncodeUpdate(&Update{Event: EventDelete})
	require.NoError(t, err)
	assert.Equal(t, "<Update><data></data><event>DELETE</event></Update>", string(doc))
}

func TestEncodeUpdateRejectsBadData(t *testing.T) {
	for _, data := range []string{"<user>", "</data><x>", "<a></b>", "</data><data>"} {
		_, err := EncodeUpdate(&Update{Event: EventPut, Data: []byte(data)})
		var de *DecodeError
		assert.ErrorAs(t, err, &de, data)
	}
	_, err := EncodeUpdate(nil)
	assert.Error(t, err)
}
