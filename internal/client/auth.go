package client

import (
	"context"
	"errors"
	"strings"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
)

// WithTokenSource gives an SSO client a way to get fresh tokens
// (options.auth.getToken, SPEC §4.2). The engine calls get at 75% of the
// current token's lifetime when the JWT's iat/exp are readable, else once
// on the token's first 401; never twice within 10 s; a failure or a call
// that outlasts the request timeout is reported as an error event with code
// "token-refresh-failed" and asked again on the poll schedule. The token is
// the Bearer credential of REST and the SASL PLAIN password of the
// notification login.
func WithTokenSource(get func(ctx context.Context) (string, error)) Option {
	return func(s *settings) { s.getToken = get }
}

// SetAuth hands the client new credentials (client.setAuth): the next REST
// request and the next notification login use them, requests in flight keep
// the old ones, a side that refused the old ones may be tried again, and a
// client waiting in the unauthorized state resumes. Bad input is an
// *OptionError naming the field ("auth.token", "auth.password" ...); no error
// quotes a credential.
func (c *Client) SetAuth(a finesse.Auth) error {
	if err := checkAuth(&Config{Auth: a}); err != nil {
		return renameAuthField(err)
	}
	if err := c.engine.SetAuth(a); err != nil {
		// checkAuth and the engine agree on what is usable; this is a
		// safety net with a text that names no value either.
		return optErr("auth", "cannot be used")
	}
	return nil
}

// ParseAuth decodes the JSON of client.setAuth(auth): {token} or
// {username, password}. Errors are *OptionError naming the field
// ("auth.token" ...), never quoting a value.
func ParseAuth(data []byte) (finesse.Auth, error) {
	var a AuthOptions
	if err := decodeFields(data, "options.auth", &a); err != nil {
		return finesse.Auth{}, renameAuthField(err)
	}
	cfg := Config{Auth: a.auth()}
	if err := checkAuth(&cfg); err != nil {
		return finesse.Auth{}, renameAuthField(err)
	}
	return cfg.Auth, nil
}

// renameAuthField names setAuth's argument "auth", not "options.auth".
func renameAuthField(err error) error {
	var oe *OptionError
	if errors.As(err, &oe) {
		return optErr(strings.TrimPrefix(oe.Field, "options."), oe.Reason)
	}
	return err
}
