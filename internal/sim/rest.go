package sim

import (
	"bytes"
	"crypto/subtle"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
)

// maxRequestBody bounds REST request bodies; Finesse requests are tiny.
const maxRequestBody = 64 << 10

// maxRequestID bounds the requestId header echoed into events.
const maxRequestID = 256

// serveREST is /finesse/api/*: the order of checks is Finesse's (a 503
// before authentication, SystemInfo answering even out of service).
func (s *Side) serveREST(w http.ResponseWriter, r *http.Request) {
	reqID := r.Header.Get("requestId")
	if len(reqID) > maxRequestID {
		writeAPIError(w, invalidInput("requestId", "requestId is too long").(*apiError))
		return
	}
	if reqID != "" {
		// Finesse (Java) spells the header requestId; keep that spelling
		// rather than Go's canonical Requestid. Header names are
		// case-insensitive, but a human reading a trace should see it.
		w.Header()["requestId"] = []string{reqID}
	}
	if s.takeBurst() {
		s.ctr.status503.Add(1)
		writeAPIError(w, errOutOfService)
		return
	}
	if !s.admitWork() {
		writeAPIError(w, errOutOfService)
		return
	}
	parts := strings.Split(strings.Trim(strings.TrimPrefix(r.URL.Path, "/finesse/api/"), "/"), "/")
	if len(parts) == 1 && parts[0] == "SystemInfo" {
		s.serveSystemInfo(w, r)
		return
	}
	if st, _ := s.Status(); st != finesse.StatusInService {
		s.ctr.status503.Add(1)
		writeAPIError(w, errOutOfService)
		return
	}
	login, ok := s.authenticate(r)
	if !ok {
		s.ctr.unauthorized.Add(1)
		writeAPIError(w, errUnauthorized)
		return
	}
	var err error
	switch {
	case len(parts) == 2 && parts[0] == "User":
		err = s.serveUser(w, r, parts[1], login, reqID)
	case len(parts) == 3 && parts[0] == "User" && parts[2] == "Dialogs":
		err = s.serveDialogs(w, r, parts[1], login, reqID)
	case len(parts) == 3 && parts[0] == "User" && parts[2] == "ReasonCodes":
		err = s.serveReasonCodes(w, r, parts[1], login)
	case len(parts) == 2 && parts[0] == "Dialog":
		err = s.serveDialog(w, r, parts[1], login, reqID)
	default:
		err = &apiError{status: http.StatusNotFound, typ: "Not Found", msg: "No such resource"}
	}
	if err != nil {
		var ae *apiError
		if !errors.As(err, &ae) {
			ae = &apiError{status: http.StatusInternalServerError, typ: "Internal Error", msg: "RUNTIME_EXCEPTION"}
		}
		if ae.status == http.StatusUnauthorized {
			s.ctr.unauthorized.Add(1)
		}
		writeAPIError(w, ae)
	}
}

// authenticate checks Basic (loginId:password) or Bearer (SSO token)
// credentials. It returns the Basic login id, or "" for a Bearer token,
// which in this simulator stands for any agent.
func (s *Side) authenticate(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	switch {
	case strings.HasPrefix(h, "Basic "):
		login, pass, ok := r.BasicAuth()
		if !ok || !s.pair.cc.exists(login) {
			s.refused("", pass)
			return login, false
		}
		if s.pair.cfg.SSO {
			s.refused(login, pass) // SSO mode: passwords are not accepted
			return login, false
		}
		return s.checkLogin(login, pass, false)
	case strings.HasPrefix(h, "Bearer "):
		login, ok := s.checkLogin("", strings.TrimPrefix(h, "Bearer "), true)
		return login, ok
	}
	s.refused("", "")
	return "", false
}

func constantEqual(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// serveSystemInfo answers in any service state. It needs no credentials
// (SystemInfo is what a client polls to find a usable side), but wrong
// credentials, when sent, are refused like anywhere else.
func (s *Side) serveSystemInfo(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		writeAPIError(w, methodNotAllowed(r))
		return
	}
	if r.Header.Get("Authorization") != "" {
		if _, ok := s.authenticate(r); !ok {
			s.ctr.unauthorized.Add(1)
			writeAPIError(w, errUnauthorized)
			return
		}
	}
	writeXML(w, "SystemInfo", s.systemInfo())
}

// owns reports whether the authenticated login may act as agent id.
func owns(login, id string) bool { return login == "" || login == id }

func (s *Side) serveUser(w http.ResponseWriter, r *http.Request, id, login, reqID string) error {
	if !owns(login, id) {
		return errUnauthorized
	}
	switch r.Method {
	case http.MethodGet:
		u, err := s.pair.cc.user(id)
		if err != nil {
			return err
		}
		writeXML(w, "User", u)
		return nil
	case http.MethodPut:
		var body struct {
			XMLName      xml.Name `xml:"User"`
			State        string   `xml:"state"`
			Extension    string   `xml:"extension"`
			ReasonCodeID string   `xml:"reasonCodeId"`
		}
		if err := decodeBody(r, &body); err != nil {
			return err
		}
		if body.State == "" {
			return invalidInput("state", "state is required")
		}
		ch := userChange{
			State:        finesse.AgentState(strings.TrimSpace(body.State)),
			Extension:    strings.TrimSpace(body.Extension),
			ReasonCodeID: strings.TrimSpace(body.ReasonCodeID),
		}
		if err := s.pair.cc.changeState(id, ch, reqID); err != nil {
			return err
		}
		w.WriteHeader(http.StatusAccepted)
		return nil
	}
	return methodNotAllowed(r)
}

// dialogRequest is the body of POST .../Dialogs and PUT Dialog/{id}.
type dialogRequest struct {
	XMLName            xml.Name `xml:"Dialog"`
	RequestedAction    string   `xml:"requestedAction"`
	ToAddress          string   `xml:"toAddress"`
	FromAddress        string   `xml:"fromAddress"`
	TargetMediaAddress string   `xml:"targetMediaAddress"`
}

func (s *Side) serveDialogs(w http.ResponseWriter, r *http.Request, id, login, reqID string) error {
	if !owns(login, id) {
		return errUnauthorized
	}
	switch r.Method {
	case http.MethodGet:
		ds, err := s.pair.cc.dialogs(id)
		if err != nil {
			return err
		}
		if s.faults().nullCallVariables {
			for i := range ds.Dialogs {
				ds.Dialogs[i] = *withNullCallVariables(&ds.Dialogs[i])
			}
		}
		writeXML(w, "Dialogs", ds)
		return nil
	case http.MethodPost:
		var body dialogRequest
		if err := decodeBody(r, &body); err != nil {
			return err
		}
		if a := strings.TrimSpace(body.RequestedAction); a != finesse.ActionMakeCall {
			return invalidInput("requestedAction", "requestedAction must be MAKE_CALL")
		}
		if err := s.pair.cc.makeCall(id, strings.TrimSpace(body.ToAddress), strings.TrimSpace(body.FromAddress), reqID); err != nil {
			return err
		}
		w.WriteHeader(http.StatusAccepted)
		return nil
	}
	return methodNotAllowed(r)
}

func (s *Side) serveDialog(w http.ResponseWriter, r *http.Request, id, login, reqID string) error {
	switch r.Method {
	case http.MethodGet:
		d, err := s.pair.cc.dialog(id, login)
		if err != nil {
			return err
		}
		if s.faults().nullCallVariables {
			d = withNullCallVariables(d)
		}
		writeXML(w, "Dialog", d)
		return nil
	case http.MethodPut:
		var body dialogRequest
		if err := decodeBody(r, &body); err != nil {
			return err
		}
		action := strings.TrimSpace(body.RequestedAction)
		if action == "" {
			return invalidInput("requestedAction", "requestedAction is required")
		}
		if err := s.pair.cc.act(id, login, action, strings.TrimSpace(body.TargetMediaAddress), reqID); err != nil {
			return err
		}
		w.WriteHeader(http.StatusAccepted)
		return nil
	}
	return methodNotAllowed(r)
}

func methodNotAllowed(r *http.Request) *apiError {
	return &apiError{status: http.StatusMethodNotAllowed, typ: "Method Not Allowed", msg: "Method not supported", data: r.Method}
}

// decodeBody parses an XML request body into v, whose XMLName fixes the
// expected root element.
func decodeBody(r *http.Request, v any) error {
	data, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody+1))
	if err != nil {
		return invalidInput("body", "unable to read the request body")
	}
	if len(data) > maxRequestBody {
		return invalidInput("body", "request body too large")
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return invalidInput("body", "request body is empty")
	}
	if err := xml.Unmarshal(data, v); err != nil {
		return invalidInput("body", "unable to parse the XML request body")
	}
	return nil
}

// writeXML answers 200 with v as an element named root.
func writeXML(w http.ResponseWriter, root string, v any) {
	var b strings.Builder
	b.WriteString(xml.Header)
	encodeAs(&b, root, v)
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, b.String())
}
