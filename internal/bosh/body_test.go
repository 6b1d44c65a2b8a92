package bosh

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A real Prosody 0.12 creation response (research/xmpp-server.md §3).
const prosodyCreation = `<body hold='1' inactivity='60' requests='2' wait='60' secure='true' xmlns='http://jabber.org/protocol/httpbind' polling='5' xmlns:stream='http://etherx.jabber.org/streams' from='finesse.test' sid='7c3c6115-1736-4dcf-80b3-e4afa5a26635' xmpp:version='1.0' xmlns:xmpp='urn:xmpp:xbosh' ver='1.6' authid='7c3c6115'><stream:features xmlns='jabber:client'><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>SCRAM-SHA-1</mechanism><mechanism>PLAIN</mechanism></mechanisms></stream:features></body>`

func TestParseProsodyCreation(t *testing.T) {
	b, err := parseBody([]byte(prosodyCreation))
	require.NoError(t, err)
	assert.Equal(t, "7c3c6115-1736-4dcf-80b3-e4afa5a26635", b.SID)
	assert.Equal(t, "finesse.test", b.From)
	n, ok := b.attrInt("requests")
	assert.True(t, ok)
	assert.Equal(t, 2, n)
	require.Len(t, b.Elements, 1)
	// The stream prefix declared on <body> is restated on the element.
	assert.Equal(t,
		`<features xmlns="http://etherx.jabber.org/streams"><mechanisms xmlns="urn:ietf:params:xml:ns:xmpp-sasl"><mechanism xmlns="urn:ietf:params:xml:ns:xmpp-sasl">SCRAM-SHA-1</mechanism><mechanism xmlns="urn:ietf:params:xml:ns:xmpp-sasl">PLAIN</mechanism></mechanisms></features>`,
		string(b.Elements[0]))
}

func TestReencodeKeepsNamespacesLangAndEscaping(t *testing.T) {
	in := `<body xmlns='http://jabber.org/protocol/httpbind' sid='s'>` +
		`<message xmlns='jabber:client' xml:lang='en' from='pubsub.finesse.test' type='headline'><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='/finesse/api/User/1001'><item id='1'><notification xmlns='http://jabber.org/protocol/pubsub'>&lt;Update&gt;&lt;event&gt;PUT&lt;/event&gt;&lt;/Update&gt;</notification></item></items></event></message>` +
		`<presence from='finesse@finesse.test/x'/>` + // no xmlns: jabber:client per XEP-0206
		`</body>`
	b, err := parseBody([]byte(in))
	require.NoError(t, err)
	require.Len(t, b.Elements, 2)

	assert.Equal(t, `<message xmlns="jabber:client" xml:lang="en" from="pubsub.finesse.test" type="headline">`+
		`<event xmlns="http://jabber.org/protocol/pubsub#event"><items xmlns="http://jabber.org/protocol/pubsub#event" node="/finesse/api/User/1001">`+
		`<item xmlns="http://jabber.org/protocol/pubsub#event" id="1"><notification xmlns="http://jabber.org/protocol/pubsub">`+
		`&lt;Update&gt;&lt;event&gt;PUT&lt;/event&gt;&lt;/Update&gt;</notification></item></items></event></message>`,
		string(b.Elements[0]))

	var pres struct{ XMLName xml.Name }
	require.NoError(t, xml.Unmarshal(b.Elements[1], &pres))
	assert.Equal(t, xml.Name{Space: "jabber:client", Local: "presence"}, pres.XMLName)
}

func TestParseTerminateDetails(t *testing.T) {
	b, err := parseBody([]byte(`<body xmlns='http://jabber.org/protocol/httpbind' xmlns:stream='http://etherx.jabber.org/streams' type='terminate' condition='remote-stream-error'><stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/><text xmlns='urn:ietf:params:xml:ns:xmpp-streams' xml:lang='en'>Replaced by new connection</text></stream:error></body>`))
	require.NoError(t, err)
	assert.Equal(t, "terminate", b.Type)
	assert.Equal(t, "remote-stream-error", b.Condition)
	assert.Equal(t, "conflict", b.StreamError)
	assert.Equal(t, "Replaced by new connection", b.StreamText)
}

func TestParseBodyRejects(t *testing.T) {
	cases := map[string]string{
		"empty":            ``,
		"text":             `Service Unavailable`,
		"html":             `<html><body>err</body></html>`,
		"wrong namespace":  `<body xmlns='urn:example' sid='x'/>`,
		"no namespace":     `<body sid='x'/>`,
		"unclosed":         `<body xmlns='http://jabber.org/protocol/httpbind'><message>`,
		"mismatched":       `<body xmlns='http://jabber.org/protocol/httpbind'><a></b></body>`,
		"two roots":        `<body xmlns='http://jabber.org/protocol/httpbind'/><body xmlns='http://jabber.org/protocol/httpbind'/>`,
		"trailing text":    `<body xmlns='http://jabber.org/protocol/httpbind'/>junk`,
		"bad entity":       `<body xmlns='http://jabber.org/protocol/httpbind'>&bogus;</body>`,
		"truncated attr":   `<body xmlns='http://jabber.org/protocol/httpbind' sid='`,
		"doctype bomb-ish": `<!DOCTYPE x [<!ENTITY a "aaaa">]><body xmlns='http://jabber.org/protocol/httpbind'>&a;</body>`,
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := parseBody([]byte(in))
			var be *BodyError
			require.ErrorAs(t, err, &be)
			if len(in) > 8 {
				assert.NotContains(t, err.Error(), in[len(in)-8:], "errors never quote the body")
			}
		})
	}
}

func TestRequestBodyEscapesAttributes(t *testing.T) {
	out := requestBody([][2]string{{"to", `a'b<c&`}, {"xmlns", NSHTTPBind}}, [][]byte{[]byte(`<presence xmlns='jabber:client'/>`)})
	b, err := parseBody(out)
	require.NoError(t, err)
	assert.Equal(t, `a'b<c&`, b.attrs["to"])
	require.Len(t, b.Elements, 1)
}

// FuzzParseBody: the body parser never panics, and whatever it accepts
// yields children that are each a well-formed standalone element.
func FuzzParseBody(f *testing.F) {
	f.Add([]byte(prosodyCreation))
	f.Add([]byte(`<body xmlns='http://jabber.org/protocol/httpbind' type='terminate' condition='item-not-found'/>`))
	f.Add([]byte(`<body xmlns='http://jabber.org/protocol/httpbind' xmlns:stream='http://etherx.jabber.org/streams' type='terminate' condition='remote-stream-error'><stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></body>`))
	f.Add([]byte(`<body xmlns='http://jabber.org/protocol/httpbind'><message xmlns='jabber:client' xml:lang='en'><x:y xmlns:x='urn:x' x:a='1'/></message></body>`))
	f.Add([]byte(`<body xmlns='http://jabber.org/protocol/httpbind'><uri>http://x/</uri></body>`))
	f.Add([]byte(`garbage`))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := parseBody(data)
		if err != nil {
			var be *BodyError
			if !assert.ErrorAs(t, err, &be) {
				t.FailNow()
			}
			return
		}
		for _, el := range b.Elements {
			d := xml.NewDecoder(bytes.NewReader(el))
			depth, roots := 0, 0
			for {
				tok, err := d.Token()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("re-encoded child is not well-formed: %v\n%q", err, el)
				}
				switch tok.(type) {
				case xml.StartElement:
					if depth == 0 {
						roots++
					}
					depth++
				case xml.EndElement:
					depth--
				}
			}
			if roots != 1 || !strings.HasPrefix(string(el), "<") {
				t.Fatalf("re-encoded child is not one element: %q", el)
			}
		}
	})
}
