package finesse

import (
	"context"
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

// Validate reports whether a can be sent: Basic or Bearer, and nothing that
// cannot go into a header (see validate). Its errors name the field, never
// a value.
func (a Auth) Validate() error {
	if a.Scheme() == "" {
		return invalidf("auth: no credentials")
	}
	return a.validate()
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

type authKey struct{}

// ContextWithAuth makes the Client send a, instead of its own credentials,
// with every request made with the returned context. The failover engine
// decides per request which credential a side gets (a side that refused one
// is never sent it again), so the credential travels with the request and
// a 401 is attributed to exactly the credential that was sent. An Auth that
// fails validation is ignored.
func ContextWithAuth(ctx context.Context, a Auth) context.Context {
	if a.validate() != nil {
		return ctx
	}
	return context.WithValue(ctx, authKey{}, a)
}

func authFrom(ctx context.Context) (Auth, bool) {
	if ctx == nil {
		return Auth{}, false
	}
	a, ok := ctx.Value(authKey{}).(Auth)
	return a, ok
}
