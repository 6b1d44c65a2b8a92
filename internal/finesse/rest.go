package finesse

import (
	"context"
	"encoding/xml"

	"github.com/finesse-ha/finesse-ha/internal/httpx"
)

// GetSystemInfo reads GET /finesse/api/SystemInfo.
func (c *Client) GetSystemInfo(ctx context.Context) (*SystemInfo, error) {
	var s SystemInfo
	if err := c.getXML(ctx, pathRef{path: "/finesse/api/SystemInfo"}, "SystemInfo", &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// GetUser reads GET /finesse/api/User/{id}.
func (c *Client) GetUser(ctx context.Context, id string) (*User, error) {
	ref, err := apiPath("/finesse/api/User/", id)
	if err != nil {
		return nil, err
	}
	var u User
	if err := c.getXML(ctx, ref, "User", &u); err != nil {
		return nil, err
	}
	return &u, nil
}

// GetDialogs reads GET /finesse/api/User/{id}/Dialogs (voice dialogs).
func (c *Client) GetDialogs(ctx context.Context, userID string) (*Dialogs, error) {
	ref, err := apiPath("/finesse/api/User/", userID, "/Dialogs")
	if err != nil {
		return nil, err
	}
	var ds Dialogs
	if err := c.getXML(ctx, ref, "Dialogs", &ds); err != nil {
		return nil, err
	}
	return &ds, nil
}

// GetDialog reads GET /finesse/api/Dialog/{id}.
func (c *Client) GetDialog(ctx context.Context, dialogID string) (*Dialog, error) {
	ref, err := apiPath("/finesse/api/Dialog/", dialogID)
	if err != nil {
		return nil, err
	}
	var d Dialog
	if err := c.getXML(ctx, ref, "Dialog", &d); err != nil {
		return nil, err
	}
	return &d, nil
}

// UserChange is the body of PUT /finesse/api/User/{id}: a state change, a
// sign-in (State LOGIN with Extension) or a sign-out. Empty fields are left
// out of the request.
type UserChange struct {
	XMLName        xml.Name   `xml:"User"`
	State          AgentState `xml:"state"`
	Extension      string     `xml:"extension,omitempty"`
	ActiveDeviceID string     `xml:"activeDeviceId,omitempty"`
	ReasonCodeID   string     `xml:"reasonCodeId,omitempty"`
}

// UpdateUser sends PUT /finesse/api/User/{id}. Finesse answers 202 and
// reports the outcome in a User notification carrying the returned
// requestId. The requestId is returned with errors too, for logging.
func (c *Client) UpdateUser(ctx context.Context, userID string, ch UserChange) (requestID string, err error) {
	if ch.State == "" {
		return "", invalidf("user change without a state")
	}
	ref, err := apiPath("/finesse/api/User/", userID)
	if err != nil {
		return "", err
	}
	return c.send(ctx, httpx.MethodPut, ref, ch)
}

// SignIn sends LOGIN with the agent's extension. Finesse keeps the current
// state of an agent already signed in, so re-issuing it after a failover is
// safe.
func (c *Client) SignIn(ctx context.Context, userID, extension string) (requestID string, err error) {
	return c.UpdateUser(ctx, userID, UserChange{State: StateLogin, Extension: extension})
}

// SetState changes the agent's state, with a reason code id for NOT_READY
// and LOGOUT when reasonCodeID is not empty.
func (c *Client) SetState(ctx context.Context, userID string, state AgentState, reasonCodeID string) (requestID string, err error) {
	return c.UpdateUser(ctx, userID, UserChange{State: state, ReasonCodeID: reasonCodeID})
}

// dialogRequest is the body of the call-control requests; the field order
// serves both samples (targetMediaAddress first for PUT, requestedAction
// then toAddress and fromAddress for MAKE_CALL).
type dialogRequest struct {
	XMLName            xml.Name `xml:"Dialog"`
	TargetMediaAddress string   `xml:"targetMediaAddress,omitempty"`
	RequestedAction    string   `xml:"requestedAction"`
	ToAddress          string   `xml:"toAddress,omitempty"`
	FromAddress        string   `xml:"fromAddress,omitempty"`
}

// DialogAction sends PUT /finesse/api/Dialog/{id} with requestedAction
// (ActionAnswer, ActionHold, ActionRetrieve, ActionDrop ...) for the agent's
// device targetMediaAddress (the extension).
func (c *Client) DialogAction(ctx context.Context, dialogID, action, targetMediaAddress string) (requestID string, err error) {
	if action == "" {
		return "", invalidf("dialog action is empty")
	}
	ref, err := apiPath("/finesse/api/Dialog/", dialogID)
	if err != nil {
		return "", err
	}
	return c.send(ctx, httpx.MethodPut, ref, dialogRequest{TargetMediaAddress: targetMediaAddress, RequestedAction: action})
}

// MakeCall sends POST /finesse/api/User/{id}/Dialogs with MAKE_CALL from the
// agent's extension to a number. A POST is not idempotent: the caller must
// not repeat it after an ambiguous failure without the user's consent.
func (c *Client) MakeCall(ctx context.Context, userID, from, to string) (requestID string, err error) {
	if to == "" {
		return "", invalidf("make call without a number to call")
	}
	ref, err := apiPath("/finesse/api/User/", userID, "/Dialogs")
	if err != nil {
		return "", err
	}
	return c.send(ctx, httpx.MethodPost, ref, dialogRequest{RequestedAction: ActionMakeCall, ToAddress: to, FromAddress: from})
}

// send marshals body and sends it, returning the requestId used.
func (c *Client) send(ctx context.Context, method string, ref pathRef, body any) (string, error) {
	data, err := xml.Marshal(body)
	if err != nil {
		return "", invalidf("cannot encode request body")
	}
	resp, err := c.do(ctx, method, ref, data)
	if err != nil {
		if e, ok := err.(*APIError); ok {
			return e.RequestID, err
		}
		return "", err
	}
	return resp.RequestID, nil
}
