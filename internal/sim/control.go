package sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
)

// State is the pair as the control API reports it.
type State struct {
	Mode     finesse.DeploymentType `json:"mode"`
	Control  string                 `json:"control"`
	Sides    []SideState            `json:"sides"`
	Agents   int                    `json:"agents"`
	SignedIn int                    `json:"signedIn"`
	Ready    int                    `json:"ready"`
	Calls    int                    `json:"calls"`
	// SSO is true in SSO mode: logins need a token from POST /control/token.
	SSO bool `json:"sso"`
}

// SideState is one side in State.
type SideState struct {
	Name         string         `json:"name"`
	Host         string         `json:"host"`
	URL          string         `json:"url"`
	BOSHURL      string         `json:"bosh"`
	WSURL        string         `json:"ws"`
	Alive        bool           `json:"alive"`
	Status       finesse.Status `json:"status"`
	StatusReason string         `json:"statusReason,omitempty"`
	Master       *bool          `json:"master,omitempty"` // UCCX only
	Faults       []string       `json:"faults"`
	Metrics      Metrics        `json:"metrics"`
}

// State reports both sides, their faults and counters, and the agents.
func (p *Pair) State() State {
	signedIn, ready, calls := p.cc.counts()
	st := State{
		Mode: p.cfg.Mode, Control: p.ControlURL(),
		Agents: p.cfg.Agents, SignedIn: signedIn, Ready: ready, Calls: calls, SSO: p.cfg.SSO,
	}
	for _, s := range []*Side{p.a, p.b} {
		status, reason := s.Status()
		ss := SideState{
			Name: s.name, Host: s.host, URL: s.URL(), BOSHURL: s.BOSHURL(), WSURL: s.WSURL(), Alive: s.Alive(),
			Status: status, StatusReason: reason, Faults: s.activeFaults(), Metrics: s.Metrics(),
		}
		if ss.Faults == nil {
			ss.Faults = []string{}
		}
		if p.cfg.Mode == finesse.DeploymentUCCX {
			m := s.isMaster()
			ss.Master = &m
		}
		st.Sides = append(st.Sides, ss)
	}
	return st
}

// controlHandler serves the control API and the static directories.
//
//	GET  /control/state            State as JSON
//	GET  /control/faults           the fault catalog
//	POST /control/fault            inject: JSON {"fault","side","clear","n","agent","duration"} or the same as query/form
//	POST /control/reset            clear every fault
//	POST /control/call?agent=ID    ring a call now (a random READY agent without agent)
//	POST /control/signin?agent=ID&ready=true   sign an agent in (every agent without agent)
//	POST /control/flood?side=A&agent=ID&count=N publish N User updates at once (Flood)
func (p *Pair) controlHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/control/state", func(w http.ResponseWriter, r *http.Request) {
		if onlyMethod(w, r, http.MethodGet) {
			writeJSON(w, http.StatusOK, p.State())
		}
	})
	mux.HandleFunc("/control/faults", func(w http.ResponseWriter, r *http.Request) {
		if onlyMethod(w, r, http.MethodGet) {
			writeJSON(w, http.StatusOK, FaultCatalog())
		}
	})
	mux.HandleFunc("/control/fault", p.handleFault)
	mux.HandleFunc("/control/reset", func(w http.ResponseWriter, r *http.Request) {
		if onlyMethod(w, r, http.MethodPost) {
			p.applyAndAnswer(w, Fault{Name: FaultReset})
		}
	})
	mux.HandleFunc("/control/call", func(w http.ResponseWriter, r *http.Request) {
		if !onlyMethod(w, r, http.MethodPost) {
			return
		}
		id, err := p.OfferCall(r.URL.Query().Get("agent"))
		if err != nil {
			writeJSON(w, http.StatusConflict, map[string]string{"error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"dialogId": id})
	})
	mux.HandleFunc("/control/signin", p.handleSignIn)
	mux.HandleFunc("/control/token", p.handleToken)
	mux.HandleFunc("/control/flood", p.handleFlood)
	mounts := map[string]overlayFS{}
	var prefixes []string
	for _, sd := range p.cfg.Static {
		prefix := "/" + strings.Trim(sd.Prefix, "/") + "/"
		if prefix == "//" {
			prefix = "/"
		}
		if mounts[prefix] == nil {
			prefixes = append(prefixes, prefix)
		}
		mounts[prefix] = append(mounts[prefix], http.Dir(sd.Dir))
	}
	for _, prefix := range prefixes {
		mux.Handle(prefix, p.recordServed(http.StripPrefix(strings.TrimSuffix(prefix, "/"), http.FileServer(mounts[prefix]))))
	}
	if mounts["/"] == nil {
		mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			_, _ = io.WriteString(w, "finesse-sim control API: GET /control/state, GET /control/faults, POST /control/fault\n")
		})
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setCORS(w, r)
		if isPreflight(r) {
			w.WriteHeader(http.StatusOK)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

func onlyMethod(w http.ResponseWriter, r *http.Request, m string) bool {
	if r.Method == m {
		return true
	}
	w.Header().Set("Allow", m)
	writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "use " + m})
	return false
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v) // the client went away, nothing to do
}

func (p *Pair) handleFault(w http.ResponseWriter, r *http.Request) {
	if !onlyMethod(w, r, http.MethodPost) {
		return
	}
	f, err := parseFaultRequest(r)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": err.Error()})
		return
	}
	p.applyAndAnswer(w, f)
}

func (p *Pair) applyAndAnswer(w http.ResponseWriter, f Fault) {
	if err := p.Apply(f); err != nil {
		var fe *FaultError
		if errors.As(err, &fe) {
			body := map[string]any{"error": fe.Msg}
			if fe.Valid != nil {
				body["valid"] = fe.Valid
			}
			writeJSON(w, http.StatusBadRequest, body)
			return
		}
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"applied": describeFault(f), "state": p.State()})
}

// parseFaultRequest reads a fault from a JSON body, or from query and
// form parameters (handy with curl -d or a plain URL).
func parseFaultRequest(r *http.Request) (Fault, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil {
		return Fault{}, err
	}
	vals := r.URL.Query()
	if t := bytes.TrimSpace(body); len(t) > 0 && t[0] == '{' {
		var j struct {
			Fault    string `json:"fault"`
			Side     string `json:"side"`
			Clear    bool   `json:"clear"`
			N        int    `json:"n"`
			Agent    string `json:"agent"`
			Duration string `json:"duration"`
		}
		if err := json.Unmarshal(t, &j); err != nil {
			return Fault{}, errors.New("bad JSON: " + err.Error())
		}
		d, err := parseDuration(j.Duration)
		if err != nil {
			return Fault{}, err
		}
		return Fault{Name: FaultName(j.Fault), Side: j.Side, Clear: j.Clear, N: j.N, Agent: j.Agent, Duration: d}, nil
	} else if len(t) > 0 {
		form, err := url.ParseQuery(string(t))
		if err != nil {
			return Fault{}, errors.New("bad form body: " + err.Error())
		}
		for k, v := range form {
			vals[k] = append(vals[k], v...)
		}
	}
	f := Fault{Name: FaultName(vals.Get("fault")), Side: vals.Get("side"), Agent: vals.Get("agent")}
	if v := vals.Get("clear"); v != "" {
		if f.Clear, err = strconv.ParseBool(v); err != nil {
			return Fault{}, errors.New("clear: want true or false")
		}
	}
	if v := vals.Get("n"); v != "" {
		if f.N, err = strconv.Atoi(v); err != nil {
			return Fault{}, errors.New("n: want an integer")
		}
	}
	if f.Duration, err = parseDuration(vals.Get("duration")); err != nil {
		return Fault{}, err
	}
	if f.Name == "" {
		return Fault{}, errors.New("fault: missing (GET /control/faults lists them)")
	}
	return f, nil
}

// parseDuration accepts Go durations ("250ms", "60s") and plain seconds.
func parseDuration(v string) (time.Duration, error) {
	if v == "" {
		return 0, nil
	}
	if n, err := strconv.ParseFloat(v, 64); err == nil {
		return time.Duration(n * float64(time.Second)), nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, errors.New("duration: want e.g. 250ms, 60s or a number of seconds")
	}
	return d, nil
}

func (p *Pair) handleSignIn(w http.ResponseWriter, r *http.Request) {
	if !onlyMethod(w, r, http.MethodPost) {
		return
	}
	q := r.URL.Query()
	ready, _ := strconv.ParseBool(q.Get("ready")) // absent or malformed: NOT_READY
	ids := p.Agents()
	if id := q.Get("agent"); id != "" {
		ids = []string{id}
	}
	for _, id := range ids {
		if err := p.SignIn(id, ready); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error(), "agent": id})
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]int{"signedIn": len(ids)})
}

// handleFlood serves POST /control/flood?side=A|B|both&agent=ID&count=N
// (agent defaults to the first one, side to both).
func (p *Pair) handleFlood(w http.ResponseWriter, r *http.Request) {
	if !onlyMethod(w, r, http.MethodPost) {
		return
	}
	q := r.URL.Query()
	count, err := strconv.Atoi(q.Get("count"))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "count: want an integer"})
		return
	}
	agent := q.Get("agent")
	if agent == "" {
		agent = p.Agents()[0]
	}
	res, err := p.Flood(q.Get("side"), agent, count)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// overlayFS serves the first of its directories that has the file.
type overlayFS []http.Dir

func (o overlayFS) Open(name string) (http.File, error) {
	var firstErr error
	for _, d := range o {
		f, err := d.Open(name)
		if err == nil {
			return f, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return nil, firstErr
}
