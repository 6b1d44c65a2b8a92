// Package xmpptest starts a real XMPP server (Prosody, or with
// Options.Kind = Ejabberd ejabberd 23.01, both from Debian's packages) on
// loopback for integration tests of the notification client:
// BOSH and RFC 7395 WebSocket on one HTTP port, c2s on TCP, and a XEP-0060
// pubsub component named like Finesse's (pubsub.<domain>).
//
// Each Start gets a fresh temporary directory (Prosody persists nodes,
// subscriptions and items in it) and free ports, writes the config and the
// accounts directly as Prosody's data files, starts `prosody -F`, polls until
// BOSH answers and c2s accepts, and checks Prosody's log for "Failed to open
// server port" (Prosody does not exit when a port is taken; it keeps running,
// listening on nothing). The process is stopped by PID in t.Cleanup.
//
// Launch does the same without a testing.TB, for build/wasmtest, which runs
// one Prosody for the browser tests: it returns errors instead of failing,
// Relaunch replaces Restart, and Close kills Prosody and removes the
// directory. mod_websocket 0.12 checks no Origin, so a browser page on
// another loopback port may connect (see the config in files.go).
//
// Who is who:
//   - agents (Options.Agents, default 1001/agentpw and 1002/agentpw2) are the
//     users the client under test logs in as;
//   - admin (AdminUser/AdminPassword) is in Prosody's admins list, so it owns
//     the pubsub service: it plays Finesse's publisher (create nodes,
//     subscribe agents the way Finesse auto-subscribes them, publish
//     escaped <Update> documents);
//   - finesse (FinesseUser/FinessePassword) is the user whose presence tells
//     the agent whether the Finesse webapp is connected. Every agent and the
//     finesse user have each other in their rosters with subscription
//     "both", written into the roster data files before Prosody starts. So
//     when an agent sends its initial presence Prosody probes finesse and
//     answers with finesse's presence (available, or unavailable when it is
//     offline), and every later presence change of finesse is broadcast to
//     the agents: the same path Finesse uses.
//
// The admin and finesse clients (Login) speak XMPP over TCP with mellium, a
// transport independent of the BOSH code under test.
//
// ejabberd runs without ejabberdctl (which wants its system user, /var/lib
// and an Erlang distribution daemon): erl with -s ejabberd, the config,
// Mnesia spool and log in the test's directory, no node name, in its own
// process group so that Kill ends erl's helpers too. Accounts and rosters
// are made through mod_http_api on loopback once it is up. Two differences
// from Prosody matter to tests: nobody may subscribe another JID to a node,
// so SubscribeOther logs the agent in to subscribe itself; and the login's
// presence probe of a contact that was never online gets no answer.
//
// If the server is not installed the test is skipped, unless CI=true or
// FINESSE_HA_REQUIRE_DEPS=1, where it fails and names the package to install.
package xmpptest
