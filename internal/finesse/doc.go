// Package finesse holds the Cisco Finesse REST object model (SystemInfo, User,
// Dialog, Dialogs, ApiErrors and the pubsub <Update> envelope) and a REST client
// over a minimal HTTP Doer.
//
// # Decoding
//
// The types decode what real servers send, which is looser than the documented
// schema: elements may be missing (12.5's smaller SystemInfo), the root element
// of notification payloads varies in case (<user> vs <User>, <dialogs>,
// <apiErrors>), <event> may be "put" or "PUT", and unknown elements and
// attributes are ignored. What is not XML is refused: an empty body, text
// outside the root (a plain-text error page), a wrong root (an HTML page), a
// truncated or malformed document, a second element after the root, a body
// over MaxBodySize. Decoders never panic; every failure is a *DecodeError whose
// text never quotes the body (it may hold customer call data).
//
// The model types marshal back with encoding/xml to the wire names, and
// decode(encode(decode(x))) equals decode(x) (the fuzz targets check it), so
// the simulator can publish exactly what clients read. EncodeUpdate renders an
// Update; DecodeNotification reads the <notification> element of a pubsub
// item, whose text is the XML-escaped Update.
//
// # Client
//
// Client sends requests to one side through a Doer (an *http.Client natively,
// the fetch Doer of wasm/jsfetch in the browser). The package never names
// net/http's client or transport: the wasm build links only its types.
//
//   - Auth is Basic (loginId:password) or Bearer (SSO token); it never prints
//     its secrets, and SetAuth swaps it for a refreshed token.
//   - PUT, POST and DELETE carry a random requestId header (UUID v4, as
//     finesse.js sends), returned to the caller to match the notification that
//     reports the outcome; ContextWithRequestID reuses one id across retries.
//   - Ids are path-escaped and "."/".." refused, so an id cannot walk the
//     path; Request accepts only an absolute path on the configured side.
//   - Bodies are read up to a limit (MaxBodySize by default), the rest is
//     drained a little and closed.
//   - Every error is an *APIError: a kind (errors.Is with ErrOutOfService,
//     ErrUnauthorized, ErrForbidden, ErrNotFound, ErrBadRequest, ErrServer,
//     ErrUnexpectedStatus, ErrTransport, ErrBodyTooLarge, ErrInvalidRequest),
//     the status, method and path (never the query, headers or bodies), the
//     parsed ApiErrors of the response, and the requestId. A 2xx body that does
//     not decode is KindDecode wrapping a *DecodeError. The password, token
//     and encoded Basic credentials are removed from every error text, even
//     when a server or Doer echoes them.
//
// The client does not retry and does not follow the failover policy: which
// side to use, and whether a request may be repeated (SPEC §3.6: GET and PUT
// on 503 within a bound, never a POST without opt-in), belong to the layers
// above, which get APIError.Temporary and the kinds to decide.
package finesse
