package finesse

import (
	"encoding/base64"
	"fmt"
	"strings"
)

// Auth holds the agent's credentials: Basic (Username = loginId, Password)
// for non-SSO agents, or Bearer (Token) for SSO agents; Token wins when both
// are set. The zero Auth sends no Authorization header.
//
// Auth never prints its secrets: String, GoString, Format (every verb) and
// MarshalText show only the scheme and user name, so an Auth that ends up in
// a log line, a %+v of a config struct or a JSON dump leaks nothing.
type Auth struct {
	Username string
	Password string
	Token    string
}

// Scheme returns "Bearer", "Basic" or "" (no credentials).
func (a Auth) Scheme() string {
	switch {
	case a.Token != "":
		return "Bearer"
	case a.Username != "" || a.Password != "":
		return "Basic"
	default:
		return ""
	}
}

// header returns the Authorization header value, or "" for none.
func (a Auth) header() string {
	switch a.Scheme() {
	case "Bearer":
		return "Bearer " + a.Token
	case "Basic":
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(a.Username+":"+a.Password))
	default:
		return ""
	}
}

// validate rejects credentials that cannot be sent as a header: a colon in a
// Basic user name, or control characters (header injection).
func (a Auth) validate() error {
	if a.Scheme() == "Basic" && strings.Contains(a.Username, ":") {
		return invalidf("auth: username contains ':'")
	}
	for _, f := range [...]struct{ name, v string }{{"username", a.Username}, {"password", a.Password}, {"token", a.Token}} {
		if strings.ContainsFunc(f.v, isControl) {
			return invalidf("auth: %s contains a control character", f.name)
		}
	}
	if a.Token != "" && strings.ContainsAny(a.Token, " \t") {
		return invalidf("auth: token contains white space")
	}
	return nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// secrets lists the strings that must never appear in an error text: the
// password, the token and the encoded Basic credentials.
func (a Auth) secrets() []string {
	var s []string
	for _, v := range [...]string{a.Password, a.Token} {
		if v != "" {
			s = append(s, v)
		}
	}
	if a.Scheme() == "Basic" {
		s = append(s, strings.TrimPrefix(a.header(), "Basic "))
	}
	return s
}

// String shows the scheme and user, never a secret: "Auth{Basic user=1001}".
func (a Auth) String() string {
	switch a.Scheme() {
	case "Bearer":
		if a.Username != "" {
			return "Auth{Bearer user=" + a.Username + "}"
		}
		return "Auth{Bearer}"
	case "Basic":
		return "Auth{Basic user=" + a.Username + "}"
	default:
		return "Auth{none}"
	}
}

// GoString is String, so that %#v shows no secret either.
func (a Auth) GoString() string { return a.String() }

// Format prints String for every verb (%v, %+v, %#v, %s, %q, %x ...).
func (a Auth) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		fmt.Fprintf(f, "%q", a.String())
		return
	}
	fmt.Fprint(f, a.String())
}

// MarshalText keeps secrets out of JSON, XML and structured logs.
func (a Auth) MarshalText() ([]byte, error) { return []byte(a.String()), nil }
