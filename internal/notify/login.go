package notify

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
)

const nsBind = "urn:ietf:params:xml:ns:xmpp-bind"

// BindError is a refused resource binding (RFC 6120 §7.6.2), e.g. conflict
// or not-allowed.
type BindError struct {
	Condition string
}

func (e *BindError) Error() string { return "notify: resource binding refused: " + e.Condition }

// login negotiates the stream up to a bound resource: stream open, SASL
// PLAIN, stream restart, resource binding, and the legacy session when a
// server insists on it. It returns the bound address.
//
// PLAIN is the only mechanism: it is what Finesse offers, and it carries
// an SSO agent's bearer token as the password. The username goes exactly
// as configured: the localpart of our address is lower-cased, and Finesse
// login ids are not always lower case.
func login(x *xmlStream, username, password, resource string) (address, error) {
	f, err := x.open()
	if err != nil {
		return address{}, err
	}
	if !slices.Contains(f.Mechanisms, "PLAIN") {
		return address{}, fmt.Errorf("notify: the server offers no SASL PLAIN (offers %v): %w", f.Mechanisms, errBadFormat)
	}
	if err := authenticate(x, username, password); err != nil {
		return address{}, err
	}
	if f, err = x.open(); err != nil {
		return address{}, err
	}
	if f.Bind == nil {
		return address{}, fmt.Errorf("notify: the server offers no resource binding: %w", errBadFormat)
	}
	bound, err := bind(x, resource)
	if err != nil {
		return address{}, err
	}
	if f.Session != nil && f.Session.Optional == nil {
		// RFC 3921 §3: servers older than RFC 6121 want a session.
		r, err := x.syncIQ("set", "", `<session xmlns='`+nsSession+`'/>`)
		if err != nil {
			return address{}, err
		}
		if r.Type == "error" {
			return address{}, fmt.Errorf("notify: session refused: %w", r.err())
		}
	}
	return bound, nil
}

// authenticate is SASL PLAIN (RFC 4616) with an empty authzid.
func authenticate(x *xmlStream, username, password string) error {
	resp := make([]byte, 0, len(username)+len(password)+2)
	resp = append(resp, 0)
	resp = append(resp, username...)
	resp = append(resp, 0)
	resp = append(resp, password...)
	var b bytes.Buffer
	b.WriteString(`<auth xmlns="` + nsSASL + `" mechanism="PLAIN">`)
	b.WriteString(base64.StdEncoding.EncodeToString(resp))
	b.WriteString(`</auth>`)
	clear(resp)
	if err := x.send(b.Bytes()); err != nil {
		return err
	}
	start, err := x.next()
	if err != nil {
		return err
	}
	if start.Name.Space != nsSASL {
		return fmt.Errorf("notify: <%s/> where the SASL outcome was due: %w", start.Name.Local, errBadFormat)
	}
	switch start.Name.Local {
	case "success":
		return x.d.Skip()
	case "failure":
		var fl struct {
			Conds []struct{ XMLName xml.Name } `xml:",any"`
		}
		if err := x.d.DecodeElement(&fl, &start); err != nil {
			return err
		}
		cond := "not-authorized" // RFC 6120 §6.5: a failure must name one; assume the usual
		for _, c := range fl.Conds {
			if c.XMLName.Local != "text" {
				cond = c.XMLName.Local
				break
			}
		}
		return &AuthError{Condition: cond}
	}
	// A challenge: PLAIN has none.
	return fmt.Errorf("notify: SASL PLAIN got <%s/>: %w", start.Name.Local, errBadFormat)
}

// bind asks for resource (RFC 6120 §7): Finesse needs the configured
// resource, never one the server invents, and never "desktop".
func bind(x *xmlStream, resource string) (address, error) {
	var p bytes.Buffer
	p.WriteString(`<bind xmlns='` + nsBind + `'><resource>`)
	escapeTo(&p, resource)
	p.WriteString(`</resource></bind>`)
	r, err := x.syncIQ("set", "", p.String())
	if err != nil {
		return address{}, err
	}
	switch r.Type {
	case "error":
		cond := "undefined-condition"
		if r.Error != nil {
			cond = r.Error.condition()
		}
		return address{}, &BindError{Condition: cond}
	case "result":
	default:
		return address{}, fmt.Errorf("notify: bind answered with type %q: %w", r.Type, errBadFormat)
	}
	bound, err := parseAddress(r.Bind.JID)
	if err != nil || bound.resource == "" {
		return address{}, &StreamError{Condition: "improper-addressing", Text: "bound JID " + r.Bind.JID}
	}
	return bound, nil
}

// syncIQ sends an IQ and reads the stream until its answer, before the
// receive loop runs (negotiation); anything else arriving meanwhile is
// skipped.
func (x *xmlStream) syncIQ(typ, to, payload string) (*iqIn, error) {
	id := newID("n")
	if err := x.send(iqElement(id, typ, to, payload)); err != nil {
		return nil, err
	}
	for {
		start, err := x.next()
		if err != nil {
			return nil, err
		}
		if start.Name.Local != "iq" {
			if err := x.d.Skip(); err != nil {
				return nil, err
			}
			continue
		}
		var r iqIn
		if err := x.d.DecodeElement(&r, &start); err != nil {
			return nil, err
		}
		if r.ID == id && (r.Type == "result" || r.Type == "error") {
			return &r, nil
		}
	}
}

// newID returns a random stanza id with prefix. Ids must be unique within
// the stream, not secret: math/rand/v2 (seeded by the runtime) rather than
// crypto/rand, whose FIPS 140 module would weigh about 50 KB gzip in the
// browser build.
func newID(prefix string) string {
	return prefix + "-" + strconv.FormatUint(rand.Uint64(), 36)
}
