//go:build js && wasm

package jsfetch

import (
	"context"
	"io"
	"sync"

	"github.com/finesse-ha/finesse-ha/wasm/jsutil"
	"github.com/hack-pad/safejs"
)

// bodyReader is a response body read chunk by chunk from the
// ReadableStreamDefaultReader of a fetch Response.
//
// Each Read that has no buffered bytes awaits one reader.read(). The
// request's AbortController ends a pending read: on context cancel or
// deadline (the read fails with the context's error) and on Close (it fails
// with ErrBodyClosed). Close may be called from another goroutine while a
// Read is blocked, which is how a BOSH client gives up a long-poll.
type bodyReader struct {
	ctx       context.Context
	reader    safejs.Value // ReadableStreamDefaultReader
	ac        safejs.Value // the request's AbortController
	stopAbort func() bool  // detaches ctx from ac

	readMu  sync.Mutex // one Read at a time, as io.Reader callers expect
	pending []byte     // bytes of the current chunk not yet returned

	mu     sync.Mutex
	err    error // sticky: io.EOF, ErrBodyClosed, ctx error or read failure
	closed bool
}

func newBodyReader(ctx context.Context, reader, ac safejs.Value, stopAbort func() bool) *bodyReader {
	return &bodyReader{ctx: ctx, reader: reader, ac: ac, stopAbort: stopAbort}
}

func (b *bodyReader) Read(p []byte) (n int, err error) {
	defer jsutil.Recover(&err)
	b.readMu.Lock()
	defer b.readMu.Unlock()
	if len(p) == 0 {
		return 0, b.stickyErr()
	}
	for len(b.pending) == 0 {
		if err := b.stickyErr(); err != nil {
			return 0, err
		}
		chunk, err := b.readChunk()
		if err != nil {
			return 0, b.fail(err)
		}
		b.pending = chunk
	}
	n = copy(p, b.pending)
	b.pending = b.pending[n:]
	return n, nil
}

// readChunk awaits one reader.read(): a chunk, io.EOF at the end, or the
// reason the stream failed.
func (b *bodyReader) readChunk() ([]byte, error) {
	p, err := b.reader.Call("read")
	if err != nil {
		return nil, err
	}
	value, done, err := iterResult(jsutil.Await(p))
	if err != nil {
		return nil, err
	}
	if done {
		return nil, io.EOF
	}
	size, err := intProp(value, "byteLength")
	if err != nil {
		return nil, err
	}
	chunk := make([]byte, size)
	if _, err := safejs.CopyBytesToGo(chunk, value); err != nil {
		return nil, err
	}
	return chunk, nil
}

// fail records why reading stopped and returns the error Read reports: the
// cause the caller can act on (Close, the context) wins over the browser's
// AbortError it produced.
func (b *bodyReader) fail(err error) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case b.closed:
		err = ErrBodyClosed
	case err == io.EOF:
	case b.ctx.Err() != nil:
		err = b.ctx.Err()
	default:
		if rej, ok := err.(*jsutil.RejectedError); ok {
			// A network failure mid-body is a transport error too.
			err = &FetchError{Reason: reason(rej)}
		}
	}
	if b.err == nil {
		b.err = err
		b.stopAbort()
	}
	return b.err
}

func (b *bodyReader) stickyErr() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.err
}

// Close aborts the download if the body was not read to the end (the server
// sees the connection close) and makes later Reads fail with ErrBodyClosed.
func (b *bodyReader) Close() (err error) {
	defer jsutil.Recover(&err)
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	finished := b.err != nil
	if b.err == nil || b.err == io.EOF {
		b.err = ErrBodyClosed
	}
	b.mu.Unlock()
	b.stopAbort()
	if !finished {
		// abort() errors the body stream: a pending read rejects with
		// AbortError, so a Read blocked in another goroutine returns
		// ErrBodyClosed, and the browser drops the connection. (reader.cancel
		// is not needed on top, and on an errored stream it would only add an
		// unhandled rejection to the console.)
		abort(b.ac)
	}
	return nil
}
