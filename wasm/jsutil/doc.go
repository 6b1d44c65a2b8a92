//go:build js && wasm

// Package jsutil holds the few helpers every piece of Go that talks to the
// browser needs: awaiting a JS Promise from a goroutine, answering JS with a
// Promise backed by a goroutine, and making sure no Go panic ever crosses into
// JavaScript.
//
// Two rules of syscall/js shape this package (research/go-wasm.md):
//   - A Go panic in WebAssembly ends the whole runtime, so every function JS
//     can call, and every goroutine started for JS, recovers and turns the
//     panic into an error ([Recover], [FuncOf], [Go], [NewPromise]).
//   - A JS callback runs on the event loop and must not block; [Await] is for
//     goroutines only, and [NewPromise] moves blocking work off the loop.
//
// Every js.Func handle made here is released once it can no longer be called.
package jsutil
