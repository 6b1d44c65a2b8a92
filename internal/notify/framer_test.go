package notify

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type gotFrame struct {
	kind  frameKind
	frame string
}

func feed(t *testing.T, chunks []string) []gotFrame {
	t.Helper()
	var f framer
	var out []gotFrame
	for _, c := range chunks {
		require.NoError(t, f.write([]byte(c)))
		for {
			kind, frame, ok, err := f.next()
			require.NoError(t, err)
			if !ok {
				break
			}
			out = append(out, gotFrame{kind, string(frame)})
		}
	}
	return out
}

// What mellium writes during a login, plus a large stanza and the close.
func melliumStream() ([]string, []gotFrame) {
	big := `<message xmlns="jabber:client" id="big"><body>` + strings.Repeat("é&amp;&lt;x", 3000) + `</body></message>`
	parts := []gotFrame{
		{frameOpen, `<open xmlns="urn:ietf:params:xml:ns:xmpp-framing" version='1.0' to='finesse.test' from='1001@finesse.test'/>`},
		{frameElement, `<auth xmlns="urn:ietf:params:xml:ns:xmpp-sasl" mechanism="PLAIN">ADEwMDEAYWdlbnRwdw==</auth>`},
		{frameOpen, `<open xmlns="urn:ietf:params:xml:ns:xmpp-framing" version='1.0' to='finesse.test' from='1001@finesse.test'/>`},
		{frameElement, `<iq xmlns="jabber:client" type="set" id="b1"><bind xmlns="urn:ietf:params:xml:ns:xmpp-bind"><resource>crm</resource></bind></iq>`},
		{frameElement, `<presence xmlns="jabber:client" id="p1"><priority>0</priority></presence>`},
		{frameElement, big},
		{frameElement, `<iq xmlns="jabber:client" type="get" id="x"/>`},
	}
	var all strings.Builder
	for _, p := range parts {
		all.WriteString(p.frame)
	}
	all.WriteString(`</stream:stream>`)
	parts = append(parts, gotFrame{kind: frameClose})
	return []string{all.String()}, parts
}

func TestFramerCutsAtElementBoundariesWhateverTheWrites(t *testing.T) {
	whole, want := melliumStream()
	s := whole[0]
	splits := map[string][]string{
		"one write":                          {s},
		"4096-byte writes (mellium's bufio)": chunk(s, 4096),
		"byte by byte":                       chunk(s, 1),
		"odd sizes":                          chunk(s, 7),
	}
	for name, chunks := range splits {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, want, feed(t, chunks))
		})
	}
}

func chunk(s string, n int) []string {
	var out []string
	for len(s) > n {
		out = append(out, s[:n])
		s = s[n:]
	}
	return append(out, s)
}

func TestFramerAcceptsFramingCloseAndDeclarations(t *testing.T) {
	got := feed(t, []string{`<?xml version='1.0'?>`, "\n ", `<close xmlns="urn:ietf:params:xml:ns:xmpp-framing"/>`})
	require.Len(t, got, 1)
	assert.Equal(t, frameClose, got[0].kind)
}

func TestFramerRejectsMalformedOutput(t *testing.T) {
	for _, in := range []string{`<a></b>`, `text<a/>`, `<a x=1/>`} {
		var f framer
		require.NoError(t, f.write([]byte(in)))
		_, _, _, err := f.next()
		assert.Error(t, err, in)
	}
}

func TestFramerBoundsBufferedBytes(t *testing.T) {
	var f framer
	require.NoError(t, f.write([]byte("<a>")))
	assert.ErrorIs(t, f.write(make([]byte, maxFrame)), errFrameTooLarge)
}
