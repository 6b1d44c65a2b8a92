package finesse

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDecodeSystemInfo(t *testing.T) {
	tests := []struct {
		file          string
		deployment    DeploymentType
		status        Status
		inService     bool
		primary       bool
		single        bool
		maintenance   bool
		alternate     string
		xmppDomain    string
		ctiServers    int
		primaryHTTPS  string
		heartbeatSecs string
	}{
		{file: "systeminfo_ucce_126.xml", deployment: DeploymentUCCE, status: StatusInService, inService: true,
			primary: true, alternate: "fin-b.example.com", xmppDomain: "fin-a.example.com", ctiServers: 2,
			primaryHTTPS: "8445", heartbeatSecs: "5"},
		// Answered by side B, whose xmppDomain differs from primaryNode only in case.
		{file: "systeminfo_ucce_maintenance.xml", deployment: DeploymentUCCE, status: StatusInService, inService: true,
			primary: false, maintenance: true, alternate: "fin-a.example.com", xmppDomain: "FIN-B.example.com",
			primaryHTTPS: "8445"},
		// UCCX standby: only the master is IN_SERVICE.
		{file: "systeminfo_uccx_standby.xml", deployment: DeploymentUCCX, status: StatusOutOfService,
			primary: false, alternate: "uccx-a.example.com", xmppDomain: "uccx-b.example.com"},
		// 12.5 form: hosts only, no MMode, no ctiServers, no ports.
		{file: "systeminfo_125.xml", deployment: DeploymentUCCE, status: StatusInService, inService: true,
			primary: true, alternate: "fin125comb.Acqueonlab.com", xmppDomain: "fin125comb.Acqueonlab.com",
			heartbeatSecs: "2"},
		// Cisco's minimal example: no nodes at all, so single node and primary by default.
		{file: "systeminfo_minimal.xml", status: StatusInService, inService: true, primary: true, single: true,
			xmppDomain: "xmppserver.cisco.com"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			s, err := DecodeSystemInfo(fixture(t, tt.file))
			require.NoError(t, err)
			assert.Equal(t, tt.deployment, s.DeploymentType)
			assert.Equal(t, tt.status, s.Status)
			assert.Equal(t, tt.inService, s.InService())
			assert.Equal(t, tt.primary, s.IsPrimary())
			assert.Equal(t, tt.single, s.SingleNode())
			assert.Equal(t, tt.maintenance, s.InMaintenance())
			assert.Equal(t, tt.alternate, s.AlternateHost())
			assert.Equal(t, tt.xmppDomain, s.XMPPDomain)
			assert.Len(t, s.CTIServers, tt.ctiServers)
			assert.Equal(t, tt.heartbeatSecs, s.CTIHeartbeatInterval)
			if tt.primaryHTTPS != "" {
				require.NotNil(t, s.PrimaryNode)
				assert.Equal(t, tt.primaryHTTPS, s.PrimaryNode.HTTPSPort)
			}
		})
	}
}

func TestSystemInfoFullFields(t *testing.T) {
	s, err := DecodeSystemInfo(fixture(t, "systeminfo_ucce_126.xml"))
	require.NoError(t, err)
	assert.Equal(t, "2024-05-05T07:34:07.188Z", s.CurrentTimestamp)
	assert.Equal(t, "-1", s.FinesseTimeInMMode)
	assert.Equal(t, "5000", s.PeripheralID)
	assert.Equal(t, "NON_SSO", s.SystemAuthMode)
	assert.Equal(t, "pubsub.fin-a.example.com", s.XMPPPubSubDomain)
	assert.Equal(t, &Node{Host: "fin-b.example.com", HTTPSPort: "8445", XMPPPort: "5222", XMPPSecurePort: "5223"}, s.SecondaryNode)
	assert.Equal(t, CTIServer{Host: "pg1a.example.com", ConnectedDuration: "86400", Active: "true"}, s.CTIServers[0])
}

func TestSystemInfoNilAndEdgeCases(t *testing.T) {
	var nilInfo *SystemInfo
	assert.False(t, nilInfo.InService())
	assert.False(t, nilInfo.InMaintenance())
	assert.True(t, nilInfo.IsPrimary())
	assert.False(t, nilInfo.SingleNode())
	assert.Equal(t, "", nilInfo.AlternateHost())

	// PARTIAL_SERVICE answers 503 like OUT_OF_SERVICE: not usable.
	s := &SystemInfo{Status: StatusPartialService}
	assert.False(t, s.InService())
	// White space around values does not change their meaning.
	s = &SystemInfo{Status: " IN_SERVICE\n", FinesseMMode: " IN_PROGRESS "}
	assert.True(t, s.InService())
	assert.True(t, s.InMaintenance())
	// A secondary without a primary node: the alternate is unknown.
	s = &SystemInfo{XMPPDomain: "b", SecondaryNode: &Node{Host: "b"}}
	assert.True(t, s.IsPrimary(), "no primary host: default to primary, as finesse.js")
	assert.Equal(t, "b", s.AlternateHost())
}

func TestDecodeSystemInfoLowerCaseRoot(t *testing.T) {
	s, err := DecodeSystemInfo([]byte(`<systemInfo><status>IN_SERVICE</status></systemInfo>`))
	require.NoError(t, err)
	assert.True(t, s.InService())
}
