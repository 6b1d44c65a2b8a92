package finesse

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"reflect"
	"testing"

	"github.com/finesse-ha/finesse-ha/internal/httpx"
)

// Fuzz targets for every decoder. Invariants checked on every input:
//   - no panic;
//   - exactly one of value and error;
//   - every error is a *DecodeError whose text stays short (no body in it);
//   - a decoded value re-encodes with encoding/xml (or EncodeUpdate) and
//     decodes again to an equal value, so what the simulator publishes from
//     these types is what clients read.
//
// Seeds are the realistic bodies in testdata plus a few broken ones.

// badSeeds are broken inputs every target starts from.
var badSeeds = []string{
	"", " ", "<", "</x>", "<?xml version='1.0'?>", "Service Unavailable",
	"<html><body><br></body></html>", "<User><state>REA", "<Update><data><user>",
	"<Dialogs><Dialog><mediaProperties><callvariables><CallVariable><name>user.Arr[0]</name>",
	"<SystemInfo/><SystemInfo/>", "<a:SystemInfo xmlns:a='u'><a:status>IN_SERVICE</a:status></a:SystemInfo>",
	"<User><firstName>&#xD;&#x9;&amp;&lt;</firstName></User>", "<User><firstName><![CDATA[<x>]]></firstName></User>",
}

func addSeeds(f *testing.F, patterns ...string) {
	for _, p := range patterns {
		for _, b := range fixtures(f, p) {
			f.Add(b)
		}
	}
	for _, s := range badSeeds {
		f.Add([]byte(s))
	}
}

// fuzzDocument checks the invariants for one document type.
func fuzzDocument[T any](f *testing.F, decode func([]byte) (*T, error), use func(*testing.T, *T)) {
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := decode(data)
		checkDecodeResult(t, v == nil, err)
		if err != nil {
			return
		}
		use(t, v)
		enc, err := xml.Marshal(v)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		v2, err := decode(enc)
		if err != nil {
			t.Fatalf("decode of re-encoded value: %v\n%s", err, enc)
		}
		if !reflect.DeepEqual(v, v2) {
			t.Fatalf("unstable round trip:\n%#v\n%#v\n%s", v, v2, enc)
		}
	})
}

func checkDecodeResult(t *testing.T, isNil bool, err error) {
	t.Helper()
	if isNil == (err == nil) {
		t.Fatalf("value and error disagree: nil value %v, error %v", isNil, err)
	}
	if err == nil {
		return
	}
	var de *DecodeError
	if !errors.As(err, &de) {
		t.Fatalf("error %T is not a *DecodeError: %v", err, err)
	}
	if len(err.Error()) > 400 {
		t.Fatalf("error text too long (%d bytes): the body must not leak into it", len(err.Error()))
	}
}

func FuzzDecodeSystemInfo(f *testing.F) {
	addSeeds(f, "systeminfo_*.xml", "user_*.xml")
	fuzzDocument(f, DecodeSystemInfo, func(t *testing.T, s *SystemInfo) {
		_ = s.InService()
		_ = s.InMaintenance()
		if !s.SingleNode() && s.IsPrimary() && s.AlternateHost() == "" {
			t.Fatalf("primary of a pair without an alternate host: %+v", s.SecondaryNode)
		}
	})
}

func FuzzDecodeUser(f *testing.F) {
	addSeeds(f, "user_*.xml", "update_user_put.xml")
	fuzzDocument(f, DecodeUser, func(t *testing.T, u *User) {
		if u.IsForcedLogout() && (u.ReasonCodeValue() != ForcedLogoutReasonCode || u.State != StateLogout) {
			t.Fatalf("forced logout without LOGOUT/255: %q %q", u.State, u.ReasonCodeValue())
		}
	})
}

func FuzzDecodeDialog(f *testing.F) {
	addSeeds(f, "dialog_*.xml", "dialogs_*.xml")
	fuzzDocument(f, DecodeDialog, func(t *testing.T, d *Dialog) {
		if d.CallKey() == "" {
			t.Fatal("empty call key")
		}
		if d.MediaProperties != nil {
			for _, v := range d.MediaProperties.CallVariables {
				if _, ok := d.CallVariable(v.Name); !ok {
					t.Fatalf("listed call variable %q not found", v.Name)
				}
			}
		}
		_ = DialogIDFromURI(d.URI)
		_ = d.State.Ended()
	})
}

func FuzzDecodeDialogs(f *testing.F) {
	addSeeds(f, "dialogs_*.xml", "dialog_*.xml")
	fuzzDocument(f, DecodeDialogs, func(_ *testing.T, ds *Dialogs) {
		for i := range ds.Dialogs {
			_ = ds.Dialogs[i].CallKey()
		}
	})
}

func FuzzDecodeAPIErrors(f *testing.F) {
	addSeeds(f, "apierrors_*.xml", "html_500.html")
	f.Add([]byte(`<apiErrors><apiError><errorType>CTI Error</errorType><errorMessage>CF_INVALID_OBJECT_STATE</errorMessage></apiError></apiErrors>`))
	fuzzDocument(f, DecodeAPIErrors, func(_ *testing.T, e *ApiErrors) { _ = e.First() })
}

func FuzzDecodeUpdate(f *testing.F) {
	addSeeds(f, "update_*.xml")
	f.Fuzz(func(t *testing.T, data []byte) {
		u, err := DecodeUpdate("/finesse/api/User/1001", data)
		checkDecodeResult(t, u == nil, err)
		if err != nil {
			return
		}
		exerciseUpdate(t, u)
		enc, err := EncodeUpdate(u)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		u2, err := DecodeUpdate(u.Node, enc)
		if err != nil {
			t.Fatalf("decode of re-encoded update: %v\n%s", err, enc)
		}
		if u2.Event != u.Event || u2.RequestID != u.RequestID || u2.Source != u.Source || !bytes.Equal(u2.Data, u.Data) {
			t.Fatalf("unstable round trip:\n%+v\n%+v", u, u2)
		}
	})
}

// exerciseUpdate reads the data every way a consumer might; each must give a
// value or a *DecodeError.
func exerciseUpdate(t *testing.T, u *Update) {
	t.Helper()
	_ = u.DataRoot()
	user, err := u.User()
	checkDecodeResult(t, user == nil, err)
	d, err := u.Dialog()
	checkDecodeResult(t, d == nil, err)
	ds, err := u.Dialogs()
	checkDecodeResult(t, ds == nil, err)
	s, err := u.SystemInfo()
	checkDecodeResult(t, s == nil, err)
	ae, err := u.APIErrors()
	if err != nil {
		checkDecodeResult(t, ae == nil, err)
	}
}

func FuzzDecodeNotification(f *testing.F) {
	addSeeds(f, "notification_*.xml")
	for _, b := range fixtures(f, "update_*.xml") {
		var esc bytes.Buffer
		esc.WriteString("<notification xmlns='http://jabber.org/protocol/pubsub'>")
		_ = xml.EscapeText(&esc, b)
		esc.WriteString("</notification>")
		f.Add(esc.Bytes())
		f.Add(append(append([]byte("<notification>"), b...), "</notification>"...))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		u, err := DecodeNotification("/finesse/api/User/1001", data)
		checkDecodeResult(t, u == nil, err)
		if err != nil {
			return
		}
		exerciseUpdate(t, u)
		// Raw is the Update document itself: decoding it directly agrees.
		u2, err := DecodeUpdate(u.Node, []byte(u.Raw))
		if err != nil {
			t.Fatalf("Raw does not decode: %v", err)
		}
		if u2.Event != u.Event || u2.RequestID != u.RequestID || u2.Source != u.Source || !bytes.Equal(u2.Data, u.Data) {
			t.Fatalf("Raw disagrees:\n%+v\n%+v", u, u2)
		}
	})
}

// FuzzClientResponse feeds arbitrary statuses and bodies through the Client:
// every outcome is a value or an *APIError, never a panic or a secret.
func FuzzClientResponse(f *testing.F) {
	for _, b := range fixtures(f, "*.xml") {
		f.Add(200, b)
		f.Add(503, b)
	}
	f.Add(500, fixture(f, "html_500.html"))
	f.Add(401, []byte(""))
	f.Add(302, []byte("<ApiErrors><ApiError><ErrorMessage>"+testPassword+"</ErrorMessage></ApiError></ApiErrors>"))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 100 || status > 999 {
			status = 200 + (status%800+800)%800
		}
		d := fakeDoer{resp: &httpx.Response{StatusCode: status, Header: httpx.Header{},
			Body: io.NopCloser(bytes.NewReader(body))}}
		c, err := NewClient("https://fin-a:8445", d, basicAuth, WithMaxBody(64<<10))
		if err != nil {
			t.Fatal(err)
		}
		s, err := c.GetSystemInfo(context.Background())
		if (s == nil) == (err == nil) {
			t.Fatalf("value and error disagree: %v, %v", s, err)
		}
		if err != nil {
			var ae *APIError
			if !errors.As(err, &ae) {
				t.Fatalf("error %T is not an *APIError", err)
			}
			if bytes.Contains([]byte(err.Error()), []byte(testPassword)) {
				t.Fatalf("secret in error: %v", err)
			}
			for _, e := range ae.Errors {
				if bytes.Contains([]byte(e.Message+e.Type+e.Data), []byte(testPassword)) {
					t.Fatalf("secret in ApiErrors: %+v", e)
				}
			}
		}
	})
}
