package client

import "github.com/finesse-ha/finesse-ha/internal/finesse"

// credentials is what the client derives from the page's auth: the one
// place that knows which strings are secret.
type credentials struct {
	// xmppPassword is the SASL PLAIN password of the notification login:
	// the Finesse password or, for SSO, the token (research/finesse-protocol.md §1.3).
	xmppPassword string
	// secrets are scrubbed from every error text, history entry and event.
	secrets []string
}

func credentialsOf(a finesse.Auth) credentials {
	c := credentials{xmppPassword: a.Password}
	if a.Token != "" {
		c.xmppPassword = a.Token
	}
	for _, s := range []string{a.Password, a.Token} {
		if s != "" {
			c.secrets = append(c.secrets, s)
		}
	}
	return c
}
