package xmlutil

import (
	"encoding/xml"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEachChildVisitsChildrenAndStopsAtEnd(t *testing.T) {
	d := xml.NewDecoder(strings.NewReader(`<r>text<a>1</a><b><c/></b></r><after/>`))
	_, err := d.Token() // <r>
	require.NoError(t, err)
	var names []string
	require.NoError(t, EachChild(d, func(s xml.StartElement) error {
		names = append(names, s.Name.Local)
		return d.Skip()
	}))
	assert.Equal(t, []string{"a", "b"}, names)
	tok, err := d.Token()
	require.NoError(t, err)
	assert.Equal(t, "after", tok.(xml.StartElement).Name.Local, "the end tag of <r> was consumed, nothing more")
}

func TestEachChildReportsTruncationAndCallbackErrors(t *testing.T) {
	d := xml.NewDecoder(strings.NewReader(`<r><a>`))
	_, _ = d.Token()
	assert.Error(t, EachChild(d, func(xml.StartElement) error { return d.Skip() }))

	d = xml.NewDecoder(strings.NewReader(`<r><a/></r>`))
	_, _ = d.Token()
	stop := assert.AnError
	assert.ErrorIs(t, EachChild(d, func(xml.StartElement) error { return stop }), stop)
}

func TestExpectEnd(t *testing.T) {
	for doc, want := range map[string]error{
		`<r/>`:                      nil,
		"<r/> \n<!-- c --><?pi x?>": nil,
		`<r/><r/>`:                  ErrTrailingData,
		`<r/>junk`:                  ErrTrailingData,
	} {
		d := xml.NewDecoder(strings.NewReader(doc))
		_, err := d.Token()
		require.NoError(t, err, doc)
		require.NoError(t, d.Skip(), doc) // the whole root element
		assert.Equal(t, want, ExpectEnd(d), doc)
	}
	d := xml.NewDecoder(strings.NewReader(`<r/></x>`))
	_, _ = d.Token()
	_ = d.Skip()
	var se *xml.SyntaxError
	assert.ErrorAs(t, ExpectEnd(d), &se, "a decoder error is returned as it is")
}
