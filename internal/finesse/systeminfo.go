package finesse

import "strings"

// Status is SystemInfo's service status. Anything but StatusInService means
// the side is not usable (PARTIAL_SERVICE answers 503 like OUT_OF_SERVICE).
type Status string

const (
	StatusInService      Status = "IN_SERVICE"
	StatusOutOfService   Status = "OUT_OF_SERVICE"
	StatusPartialService Status = "PARTIAL_SERVICE"
)

// DeploymentType decides the failover policy: UCCX has one master side, UCCE
// runs both sides active.
type DeploymentType string

const (
	DeploymentUCCE DeploymentType = "UCCE"
	DeploymentUCCX DeploymentType = "UCCX"
)

// MaintenanceInProgress is the finesseMMode value (12.6+) that tells clients to
// move to the other side before this one shuts down.
const MaintenanceInProgress = "IN_PROGRESS"

// Node is one side as SystemInfo names it. Hosts are reported to the page but
// never used to build URLs: behind a reverse proxy they are the proxy's names.
type Node struct {
	Host           string `xml:"host"`
	HTTPSPort      string `xml:"httpsPort,omitempty"`
	XMPPPort       string `xml:"xmppPort,omitempty"`
	XMPPSecurePort string `xml:"xmppSecurePort,omitempty"`
}

// CTIServer is one entry of SystemInfo's ctiServers list.
type CTIServer struct {
	Host              string `xml:"host"`
	ConnectedDuration string `xml:"connectedDuration,omitempty"`
	Active            string `xml:"active,omitempty"`
}

// SystemInfo is GET /finesse/api/SystemInfo, also published on the
// /finesse/api/SystemInfo node. Every field is optional on the wire.
type SystemInfo struct {
	CurrentTimestamp            string         `xml:"currentTimestamp,omitempty"`
	DeploymentType              DeploymentType `xml:"deploymentType,omitempty"`
	LastCTIHeartbeatStatus      string         `xml:"lastCTIHeartbeatStatus,omitempty"`
	LastSuccessCTIHeartbeatTime string         `xml:"lastSuccessCTIHeartbeatTime,omitempty"`
	CTIVersion                  string         `xml:"ctiVersion,omitempty"`
	CTIHeartbeatInterval        string         `xml:"ctiHeartbeatInterval,omitempty"`
	CTIMMode                    string         `xml:"ctiMMode,omitempty"`
	CTITimeInMMode              string         `xml:"ctiTimeInMMode,omitempty"`
	FinesseMMode                string         `xml:"finesseMMode,omitempty"`
	FinesseTimeInMMode          string         `xml:"finesseTimeInMMode,omitempty"`
	License                     string         `xml:"license,omitempty"`
	PeripheralID                string         `xml:"peripheralId,omitempty"`
	PrimaryNode                 *Node          `xml:"primaryNode,omitempty"`
	SecondaryNode               *Node          `xml:"secondaryNode,omitempty"`
	Status                      Status         `xml:"status,omitempty"`
	StatusReason                string         `xml:"statusReason,omitempty"`
	SystemAuthMode              string         `xml:"systemAuthMode,omitempty"`
	TimezoneOffset              string         `xml:"timezoneOffset,omitempty"`
	URI                         string         `xml:"uri,omitempty"`
	XMPPDomain                  string         `xml:"xmppDomain,omitempty"`
	XMPPPubSubDomain            string         `xml:"xmppPubSubDomain,omitempty"`
	CTIServers                  []CTIServer    `xml:"ctiServers>ctiServer,omitempty"`
}

// InService reports whether normal operations are accepted.
func (s *SystemInfo) InService() bool {
	return s != nil && Status(strings.TrimSpace(string(s.Status))) == StatusInService
}

// InMaintenance reports 12.6 maintenance mode: agents are being moved away.
func (s *SystemInfo) InMaintenance() bool {
	return s != nil && strings.TrimSpace(s.FinesseMMode) == MaintenanceInProgress
}

// IsPrimary reports whether the node answering is the primary, using
// finesse.js's rule (xmppDomain equals primaryNode/host). It defaults to true
// when there is no way to tell, as finesse.js does. Host names are compared
// without regard to case, as DNS does.
func (s *SystemInfo) IsPrimary() bool {
	if s == nil || s.PrimaryNode == nil {
		return true
	}
	primary := strings.TrimSpace(s.PrimaryNode.Host)
	domain := strings.TrimSpace(s.XMPPDomain)
	if primary == "" || domain == "" {
		return true
	}
	return strings.EqualFold(domain, primary)
}

// SingleNode reports a deployment without a secondary node.
func (s *SystemInfo) SingleNode() bool {
	return s != nil && (s.SecondaryNode == nil || strings.TrimSpace(s.SecondaryNode.Host) == "")
}

// AlternateHost is finesse.js's getAlternateHost: the host name of the node
// that did not answer, empty for a single node. It is for reporting only;
// URLs are built from what the page configured.
func (s *SystemInfo) AlternateHost() string {
	if s == nil || s.SingleNode() {
		return ""
	}
	if s.IsPrimary() {
		return strings.TrimSpace(s.SecondaryNode.Host)
	}
	if s.PrimaryNode == nil {
		return ""
	}
	return strings.TrimSpace(s.PrimaryNode.Host)
}

// DecodeSystemInfo parses a SystemInfo document.
func DecodeSystemInfo(data []byte) (*SystemInfo, error) {
	var s SystemInfo
	if err := decodeRoot(data, "SystemInfo", &s); err != nil {
		return nil, err
	}
	return &s, nil
}
