// Package finesse holds the Cisco Finesse REST object model (SystemInfo, User,
// Dialog, Dialogs, ApiErrors and the pubsub <Update> envelope) and a REST client
// over a minimal HTTP Doer.
//
// The types decode what real servers send, which is looser than the documented
// schema: elements may be missing (12.5's smaller SystemInfo), element names of
// notification payloads vary in case (<user> vs <User>), and unknown elements
// are ignored. Decoders never panic; every failure is a *DecodeError.
package finesse
