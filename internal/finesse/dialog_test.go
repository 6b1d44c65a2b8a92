package finesse

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDecodeDialogWithCallAndECCVariables(t *testing.T) {
	d, err := DecodeDialog(fixture(t, "dialog_ecc.xml"))
	require.NoError(t, err)
	assert.Equal(t, "12345678", d.ID)
	assert.Equal(t, DialogActive, d.State)
	assert.Equal(t, "2002", d.FromAddress)
	assert.Equal(t, "2000", d.ToAddress)
	assert.Equal(t, "ck:152018:217:1", d.CallKey())
	require.NotNil(t, d.MediaProperties)
	mp := d.MediaProperties
	assert.Equal(t, CallAgentInside, mp.CallType)
	assert.Equal(t, "2000", mp.DNIS)
	assert.Equal(t, "UCM_PIM.Func.Agents.SG", mp.QueueName)
	assert.Equal(t, []string{"Wrong number", "Satisfied Customer"}, mp.WrapUpItems)
	assert.Len(t, mp.CallVariables, 6)

	for _, tt := range []struct{ name, value string }{
		{"callVariable1", "Chuck Smith"},
		{"callVariable2", "Cisco Systems, Inc."},
		{"callVariable10", ""},
		{"user.CustomerId", "C-0042 & sons"},
		{"user.Arr[0]", "first"},
		{"user.Arr[1]", "second"},
	} {
		v, ok := d.CallVariable(tt.name)
		assert.True(t, ok, tt.name)
		assert.Equal(t, tt.value, v, tt.name)
	}
	_, ok := d.CallVariable("callVariable3")
	assert.False(t, ok)

	require.Len(t, d.Participants, 2)
	assert.Equal(t, []string{"RETRIEVE", "DROP"}, d.Participants[1].Actions)
	assert.Equal(t, "HELD", d.Participants[1].State)
	assert.Equal(t, "2014-02-11T16:10:36.543Z", d.Participants[1].StateChangeTime)
	assert.Equal(t, "321654", DialogIDFromURI(d.AssociatedDialogURI))
}

func TestDecodeDialogs(t *testing.T) {
	tests := []struct {
		file string
		ids  []string
		keys []string
	}{
		{file: "dialogs_0.xml"},
		{file: "dialogs_1.xml", ids: []string{"16777233"}, keys: []string{"id:16777233"}},
		{file: "dialogs_2.xml", ids: []string{"16777233", "16777240"}, keys: []string{"ck:152030:9001:3", "id:16777240"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			ds, err := DecodeDialogs(fixture(t, tt.file))
			require.NoError(t, err)
			var ids, keys []string
			for i := range ds.Dialogs {
				ids = append(ids, ds.Dialogs[i].ID)
				keys = append(keys, ds.Dialogs[i].CallKey())
			}
			assert.Equal(t, tt.ids, ids)
			assert.Equal(t, tt.keys, keys)
		})
	}
}

func TestDialogHelpers(t *testing.T) {
	var nilDialog *Dialog
	assert.Equal(t, "", nilDialog.CallKey())
	_, ok := nilDialog.CallVariable("x")
	assert.False(t, ok)
	_, ok = (&Dialog{}).CallVariable("x")
	assert.False(t, ok)

	assert.True(t, DialogDropped.Ended())
	assert.True(t, DialogFailed.Ended())
	assert.False(t, DialogActive.Ended())
	assert.False(t, DialogWrapUp.Ended())

	assert.Equal(t, "42", DialogIDFromURI("/finesse/api/Dialog/42"))
	assert.Equal(t, "42", DialogIDFromURI("https://fin-a:8445/finesse/api/Dialog/42"))
	assert.Equal(t, "", DialogIDFromURI("/finesse/api/User/1001"))
}
