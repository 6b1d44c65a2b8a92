package finesse

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// decoders are every exported document decoder, by the root it wants.
var decoders = map[string]func([]byte) (any, error){
	"SystemInfo": func(b []byte) (any, error) { return DecodeSystemInfo(b) },
	"User":       func(b []byte) (any, error) { return DecodeUser(b) },
	"Dialog":     func(b []byte) (any, error) { return DecodeDialog(b) },
	"Dialogs":    func(b []byte) (any, error) { return DecodeDialogs(b) },
	"ApiErrors":  func(b []byte) (any, error) { return DecodeAPIErrors(b) },
	"Update":     func(b []byte) (any, error) { return DecodeUpdate("n", b) },
}

func TestDecodersBadInput(t *testing.T) {
	html := fixture(t, "html_500.html")
	tests := []struct {
		name  string
		body  func(root string) string
		cause error // expected cause, nil when only the type matters
		root  bool  // the error names the unexpected root
	}{
		{"empty", func(string) string { return "" }, ErrEmptyBody, false},
		{"white space", func(string) string { return " \n\t " }, ErrEmptyBody, false},
		{"declaration only", func(string) string { return `<?xml version="1.0"?>` }, ErrEmptyBody, false},
		{"plain text", func(string) string { return "Service Unavailable" }, ErrNotXML, false},
		{"text before root", func(r string) string { return "oops<" + r + "/>" }, ErrNotXML, false},
		{"html page", func(string) string { return string(html) }, nil, true},
		{"html not well formed", func(string) string { return "<html><body><br><p>500</body></html>" }, nil, true},
		{"wrong root", func(string) string { return "<Other><status>IN_SERVICE</status></Other>" }, nil, true},
		{"truncated", func(r string) string { return "<" + r + "><uri>/finesse/api/x</u" }, nil, false},
		{"unclosed root", func(r string) string { return "<" + r + "><uri>x</uri>" }, nil, false},
		{"mismatched tags", func(r string) string { return "<" + r + "><uri>x</state></" + r + ">" }, nil, false},
		{"trailing element", func(r string) string { return "<" + r + "/><" + r + "/>" }, ErrTrailingData, false},
		{"trailing text", func(r string) string { return "<" + r + "/>junk" }, ErrTrailingData, false},
		{"trailing truncated", func(r string) string { return "<" + r + "/><" }, nil, false},
		{"undefined entity", func(r string) string { return "<" + r + "><uri>&secret;</uri></" + r + ">" }, nil, false},
		{"invalid utf-8", func(r string) string { return "<" + r + "><uri>\xff\xfe</uri></" + r + ">" }, nil, false},
		{"unsupported charset", func(r string) string {
			return `<?xml version="1.0" encoding="ISO-8859-1"?><` + r + "/>"
		}, nil, false},
		{"oversize", func(r string) string {
			return "<" + r + "><uri>" + strings.Repeat("x", MaxBodySize) + "</uri></" + r + ">"
		}, ErrBodyTooLarge, false},
	}
	for root, decode := range decoders {
		for _, tt := range tests {
			t.Run(root+"/"+tt.name, func(t *testing.T) {
				v, err := decode([]byte(tt.body(root)))
				require.Error(t, err)
				assert.True(t, isNilPointer(v), "no value with an error")
				var de *DecodeError
				require.ErrorAs(t, err, &de)
				assert.Equal(t, root, de.Want)
				if tt.cause != nil {
					assert.ErrorIs(t, err, tt.cause)
				}
				if tt.root {
					assert.NotEmpty(t, de.Got)
					assert.Contains(t, err.Error(), "unexpected root element")
				}
				assert.LessOrEqual(t, len(err.Error()), 300, "errors never carry the body")
			})
		}
	}
}

func isNilPointer(v any) bool {
	switch p := v.(type) {
	case *SystemInfo:
		return p == nil
	case *User:
		return p == nil
	case *Dialog:
		return p == nil
	case *Dialogs:
		return p == nil
	case *ApiErrors:
		return p == nil
	case *Update:
		return p == nil
	}
	return false
}

func TestDecodersTolerateUnknownAndMissing(t *testing.T) {
	for root, decode := range decoders {
		t.Run(root, func(t *testing.T) {
			body := `<?xml version="1.0" encoding="UTF-8"?><!-- c --><!DOCTYPE x>` +
				"<" + root + ` xmlns="urn:x" extra="1"><unknown><deep>1</deep></unknown><future/></` + root + `><!-- after -->` + "\n"
			v, err := decode([]byte(body))
			require.NoError(t, err)
			assert.False(t, isNilPointer(v))
		})
	}
}

func TestDecodersDeepNesting(t *testing.T) {
	// Well formed but absurd: decoding must neither panic nor recurse without
	// bound (encoding/xml stops unmarshalling at depth 10,000). Either outcome is acceptable; a value and an error never both.
	for root, decode := range decoders {
		for _, inner := range []string{"uri", "unknown", "data", "mediaProperties", "ApiError"} {
			body := "<" + root + ">" + strings.Repeat("<"+inner+">", 11000) + strings.Repeat("</"+inner+">", 11000) + "</" + root + ">"
			v, err := decode([]byte(body))
			assert.True(t, (err == nil) != isNilPointer(v), "%s/%s: %v", root, inner, err)
		}
	}
}

func TestDecodeErrorText(t *testing.T) {
	long := strings.Repeat("é", 100)
	e := &DecodeError{Want: "User", Got: long}
	assert.Contains(t, e.Error(), "unexpected root element")
	assert.Less(t, len(e.Error()), 120, "root names are clipped")
	assert.True(t, strings.HasSuffix(e.Error(), "…>"), "clipped on a rune boundary: %q", e.Error())
	assert.Equal(t, "finesse: decode User: failed", (&DecodeError{Want: "User"}).Error())

	// Syntax errors quote names from the body; they are clipped.
	name := strings.Repeat("n", 10000)
	_, err := DecodeUser([]byte("<User><" + name + "></x></User>"))
	require.Error(t, err)
	assert.Less(t, len(err.Error()), 250)
	_, err = DecodeUser([]byte("<User>&" + name + ";</User>"))
	require.Error(t, err)
	assert.Less(t, len(err.Error()), 250)
	cause := errors.New("boom")
	e = &DecodeError{Want: "User", Got: "user", Err: cause}
	assert.Equal(t, "finesse: decode User: boom", e.Error())
	assert.ErrorIs(t, e, cause)
}

func TestDecodeAPIErrors(t *testing.T) {
	e, err := DecodeAPIErrors(fixture(t, "apierrors_503.xml"))
	require.NoError(t, err)
	assert.Equal(t, []ApiError{{Type: "Service Unavailable", Message: "SERVER_OUT_OF_SERVICE"}}, e.Errors)
	assert.Equal(t, "SERVER_OUT_OF_SERVICE", e.First().Message)

	e, err = DecodeAPIErrors(fixture(t, "apierrors_400.xml"))
	require.NoError(t, err)
	require.Len(t, e.Errors, 2)
	assert.Equal(t, ApiError{Type: "Parameter Missing", Message: "Extension is required", Data: "extension"}, e.Errors[1])

	// Notification spelling, unknown children ignored.
	e, err = DecodeAPIErrors([]byte(`<apiErrors><apiError><errorType>T</errorType><peripheralErrorCode>9</peripheralErrorCode><errorMessage>M</errorMessage></apiError><other/></apiErrors>`))
	require.NoError(t, err)
	assert.Equal(t, []ApiError{{Type: "T", Message: "M"}}, e.Errors)

	var none *ApiErrors
	assert.Equal(t, ApiError{}, none.First())
	assert.Equal(t, ApiError{}, (&ApiErrors{}).First())
}

func TestMarshalModelsRoundTrip(t *testing.T) {
	// The model types encode back to the wire names, which the simulator uses.
	for _, tt := range []struct{ file, root string }{
		{"systeminfo_ucce_126.xml", "SystemInfo"},
		{"user_not_ready.xml", "User"},
		{"dialog_ecc.xml", "Dialog"},
		{"dialogs_2.xml", "Dialogs"},
		{"apierrors_400.xml", "ApiErrors"},
	} {
		t.Run(tt.file, func(t *testing.T) {
			v1, err := decoders[tt.root](fixture(t, tt.file))
			require.NoError(t, err)
			enc := mustMarshal(t, v1)
			assert.True(t, bytes.HasPrefix(enc, []byte("<"+tt.root+">")), "%.40s", enc)
			v2, err := decoders[tt.root](enc)
			require.NoError(t, err)
			assert.Equal(t, v1, v2)
		})
	}
}
