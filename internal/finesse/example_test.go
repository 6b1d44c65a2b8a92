package finesse_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
	"github.com/finesse-ha/finesse-ha/internal/httpx/nethttp"
)

// A fake Finesse side: SystemInfo, a User, a sign-in that answers 202, and
// a 503 while "CTI failover" is in progress.
func fakeSide() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method + " " + r.URL.Path {
		case "GET /finesse/api/SystemInfo":
			io.WriteString(w, `<SystemInfo><deploymentType>UCCE</deploymentType><status>IN_SERVICE</status>
				<primaryNode><host>fin-a</host></primaryNode><secondaryNode><host>fin-b</host></secondaryNode>
				<xmppDomain>fin-a</xmppDomain></SystemInfo>`)
		case "GET /finesse/api/User/1001":
			io.WriteString(w, `<User><loginId>1001</loginId><state>NOT_READY</state><reasonCodeId>16</reasonCodeId></User>`)
		case "PUT /finesse/api/User/1001":
			// The outcome arrives later as a notification carrying this id.
			fmt.Println("server got requestId:", r.Header.Get("requestId"))
			w.WriteHeader(http.StatusAccepted)
		default:
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, `<ApiErrors><ApiError><ErrorType>Service Unavailable</ErrorType>`+
				`<ErrorMessage>SERVER_OUT_OF_SERVICE</ErrorMessage></ApiError></ApiErrors>`)
		}
	}))
}

func Example() {
	srv := fakeSide()
	defer srv.Close()

	// Natively the Doer is an *http.Client; in the browser, wasm/jsfetch.
	c, err := finesse.NewClient(srv.URL, nethttp.New(srv.Client()),
		finesse.Auth{Username: "1001", Password: "secret"},
		finesse.WithRequestIDFunc(func() string { return "req-1" }))
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()

	info, err := c.GetSystemInfo(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("in service:", info.InService(), "primary:", info.IsPrimary(), "other side:", info.AlternateHost())

	user, err := c.GetUser(ctx, "1001")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("agent", user.LoginID, "is", user.State)

	id, err := c.SignIn(ctx, "1001", "1001")
	fmt.Println("sign-in requestId:", id, "error:", err)

	_, err = c.GetDialogs(ctx, "1001")
	var apiErr *finesse.APIError
	if errors.As(err, &apiErr) {
		fmt.Println("out of service:", errors.Is(err, finesse.ErrOutOfService), "retry later:", apiErr.Temporary())
	}
	fmt.Println(err)

	// Credentials never print.
	fmt.Println(c.Auth())

	// Output:
	// in service: true primary: true other side: fin-b
	// agent 1001 is NOT_READY
	// server got requestId: req-1
	// sign-in requestId: req-1 error: <nil>
	// out of service: true retry later: true
	// finesse: GET /finesse/api/User/1001/Dialogs: 503 out of service: SERVER_OUT_OF_SERVICE
	// Auth{Basic user=1001}
}

func ExampleDecodeNotification() {
	// The <notification> element of a pubsub event, as Finesse publishes it.
	el := []byte(`<notification xmlns='http://jabber.org/protocol/pubsub'>&lt;Update&gt;&lt;data&gt;&lt;user&gt;` +
		`&lt;loginId&gt;1001&lt;/loginId&gt;&lt;state&gt;READY&lt;/state&gt;&lt;/user&gt;&lt;/data&gt;` +
		`&lt;event&gt;put&lt;/event&gt;&lt;requestId&gt;req-1&lt;/requestId&gt;` +
		`&lt;source&gt;/finesse/api/User/1001&lt;/source&gt;&lt;/Update&gt;</notification>`)
	u, err := finesse.DecodeNotification("/finesse/api/User/1001", el)
	if err != nil {
		fmt.Println(err)
		return
	}
	user, err := u.User()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(u.Event, u.RequestID, u.DataRoot(), user.State)
	// Output: PUT req-1 user READY
}
