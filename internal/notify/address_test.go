package notify

import (
	"testing"

	"mellium.im/xmpp/jid"
)

// finesseAddresses are the shapes of address Finesse and this client
// produce: login ids (numeric, or ASCII names in any case), the side's
// XMPP domain (a host name or an address), pubsub.<domain>, the finesse
// user, and resources (ours, an integrator's, mixed case).
var finesseAddresses = []string{
	"fin-a.example.com", "FIN-A.Example.COM", "finesse.test", "127.0.0.1", "[::1]", "fin-a.example.com.",
	"pubsub.fin-a.example.com", "finesse@fin-a.example.com", "Finesse@FIN-A.example.com",
	"1001001@fin-a.example.com", "Agent.Smith@fin-a.example.com", "agent_1@fin-a.example.com", "a-b@finesse.test",
	"1001001@fin-a.example.com/finesse-ha-0a1b2c3d", "1001@finesse.test/crm", "1001@finesse.test/CRM Panel",
	"1001@finesse.test/desktop", "1001@finesse.test/a/b", "JohnDoe@finesse.test/Sales-1",
	"finesse@fin-a.example.com/finesse", "pubsub.finesse.test/x",
}

// TestAddressAgreesWithMellium: on every address shape Finesse produces,
// our parser and mellium's PRECIS-based jid give the same canonical form,
// so equality (which is how stanzas are matched) agrees too.
func TestAddressAgreesWithMellium(t *testing.T) {
	for _, s := range finesseAddresses {
		want, err := jid.Parse(s)
		if err != nil {
			t.Fatalf("mellium refuses %q: %v", s, err)
		}
		got, err := parseAddress(s)
		if err != nil {
			t.Fatalf("parseAddress(%q): %v", s, err)
		}
		if got.String() != want.String() {
			t.Errorf("%q: ours %q, mellium %q", s, got.String(), want.String())
		}
		if got.bare().String() != want.Bare().String() {
			t.Errorf("%q bare: ours %q, mellium %q", s, got.bare().String(), want.Bare().String())
		}
	}
	for _, a := range finesseAddresses {
		for _, b := range finesseAddresses {
			ja, jb := jid.MustParse(a), jid.MustParse(b)
			if (ja.Equal(jb)) != mustAddress(t, a).sameAs(b) {
				t.Errorf("%q vs %q: mellium Equal=%v, ours differs", a, b, ja.Equal(jb))
			}
		}
	}
}

func TestAddressRefusesWhatMelliumRefuses(t *testing.T) {
	for _, s := range []string{"", "@fin-a", "a@", "a@b/", "a b@fin-a", "a\"b@fin-a", "a:b@fin-a", "a<b@fin-a",
		"a@fin a", "a@b\x00", "a@b/\x01", "[::1@x"} {
		if _, err := jid.Parse(s); err == nil {
			t.Fatalf("mellium accepts %q: fix the table", s)
		}
		if a, err := parseAddress(s); err == nil {
			t.Errorf("parseAddress(%q) = %q, want an error", s, a)
		}
	}
}

func mustAddress(t *testing.T, s string) address {
	t.Helper()
	a, err := parseAddress(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// FuzzAddress: no input panics; an ASCII address both parsers accept has
// the same canonical form in both.
func FuzzAddress(f *testing.F) {
	for _, s := range finesseAddresses {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseAddress(s)
		if err != nil {
			return
		}
		if again, err := parseAddress(got.String()); err != nil || again != got {
			t.Fatalf("%q -> %q does not parse back to itself", s, got.String())
		}
		for i := 0; i < len(s); i++ {
			if s[i] >= 0x80 {
				return // PRECIS differs beyond ASCII, on purpose
			}
		}
		want, err := jid.Parse(s)
		if err != nil {
			return
		}
		if got.String() != want.String() {
			t.Fatalf("%q: ours %q, mellium %q", s, got.String(), want.String())
		}
	})
}
