package finesse

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDecodeUser(t *testing.T) {
	tests := []struct {
		file       string
		loginID    string
		state      AgentState
		reasonID   string
		reasonCode string
		label      string
		forced     bool
		roles      []string
		teams      int
	}{
		{file: "user_not_ready.xml", loginID: "1001001", state: StateNotReady, reasonID: "16", reasonCode: "10",
			label: "Team Meeting", roles: []string{"Agent", "Supervisor"}, teams: 2},
		{file: "user_forced_logout.xml", loginID: "1001", state: StateLogout, reasonID: "255", reasonCode: "255",
			label: "Connection Failure", forced: true, roles: []string{"Agent"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			u, err := DecodeUser(fixture(t, tt.file))
			require.NoError(t, err)
			assert.Equal(t, tt.loginID, u.LoginID)
			assert.Equal(t, tt.state, u.State)
			assert.Equal(t, tt.reasonID, u.ReasonCodeID)
			require.NotNil(t, u.ReasonCode)
			assert.Equal(t, tt.label, u.ReasonCode.Label)
			assert.Equal(t, tt.reasonCode, u.ReasonCodeValue())
			assert.Equal(t, tt.forced, u.IsForcedLogout())
			assert.Equal(t, tt.roles, u.Roles)
			assert.Len(t, u.Teams, tt.teams)
		})
	}
}

func TestUserFullFields(t *testing.T) {
	u, err := DecodeUser(fixture(t, "user_not_ready.xml"))
	require.NoError(t, err)
	assert.Equal(t, "csmith", u.LoginName)
	assert.Equal(t, StateNotReady, u.PendingState)
	assert.Equal(t, "1001001", u.Extension)
	assert.Equal(t, "Chris", u.FirstName)
	assert.Equal(t, "Sales", u.TeamName)
	assert.Equal(t, "6067", u.SkillTargetID)
	assert.Equal(t, "/finesse/api/User/1001001/Dialogs", u.Dialogs)
	assert.Equal(t, Team{URI: "/finesse/api/Team/2002", ID: "2002", Name: "Second Line"}, u.Teams[1])
	assert.Equal(t, &ReasonCode{Category: "NOT_READY", URI: "/finesse/api/ReasonCode/16", Code: "10",
		Label: "Team Meeting", ForAll: "true", SystemCode: "false", ID: "16"}, u.ReasonCode)
}

func TestUserReasonCodeValue(t *testing.T) {
	var nilUser *User
	assert.Equal(t, "", nilUser.ReasonCodeValue())
	assert.False(t, nilUser.IsForcedLogout())
	// Without an embedded ReasonCode the id is all there is.
	u := &User{State: StateLogout, ReasonCodeID: "255"}
	assert.Equal(t, "255", u.ReasonCodeValue())
	assert.True(t, u.IsForcedLogout())
	// 255 while NOT_READY is not a forced logout.
	u.State = StateNotReady
	assert.False(t, u.IsForcedLogout())
}
