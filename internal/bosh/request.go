package bosh

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/finesse-ha/finesse-ha/internal/httpx"
)

// TransportError is a request that got no HTTP response: connection
// refused or reset, DNS, CORS or fetch failure (the browser's "status 0"),
// or no answer within the request timeout. The request is retransmitted.
type TransportError struct {
	Err error
}

func (e *TransportError) Error() string { return "bosh: transport: " + e.Err.Error() }
func (e *TransportError) Unwrap() error { return e.Err }

// timeout is how long one request may take: the server may legitimately
// hold it for the whole wait.
func (s *Session) timeout() time.Duration { return s.wait + s.cfg.RequestMargin }

// send posts data until it gets a usable response, retransmitting the same
// bytes (hence the same rid) after a failed attempt, as XEP-0124 §14
// requires, at most cfg.Attempts times.
func (s *Session) send(ctx context.Context, data []byte) (*body, error) {
	for attempt := 1; ; attempt++ {
		b, err := s.post(ctx, data)
		if err == nil {
			err = s.check(b)
		}
		if err == nil {
			return b, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if isTerminal(err) {
			return nil, err
		}
		if attempt >= s.cfg.Attempts {
			return nil, &AttemptsError{Attempts: attempt, Last: err}
		}
		t := time.NewTimer(s.cfg.RetryBackoff << (attempt - 1))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

// check turns the binding conditions a 200 body can carry into errors.
func (s *Session) check(b *body) error {
	switch b.Type {
	case "terminate":
		return &TerminateError{
			Condition:   Condition(b.Condition),
			StreamError: b.StreamError,
			Text:        b.StreamText,
			URI:         b.URI,
		}
	case "error":
		// Legacy recoverable binding condition: resend.
		return &BodyError{Err: ErrRecoverable}
	}
	if s.sid != "" && b.SID != "" && b.SID != s.sid {
		return &BodyError{Err: ErrSIDMismatch}
	}
	return nil
}

// post makes one HTTP exchange and parses the answer.
func (s *Session) post(ctx context.Context, data []byte) (*body, error) {
	timeout := s.timeout()
	rctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req := httpx.NewRequest(rctx, httpx.MethodPost, s.cfg.URL, data)
	for k, v := range s.cfg.Header {
		req.Header[k] = append([]string(nil), v...)
	}
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	resp, err := s.doer.Do(req)
	if err != nil {
		return nil, transportError(rctx, ctx, timeout, err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case httpx.StatusOK:
	case httpx.StatusBadRequest:
		return nil, &TerminateError{Condition: BadRequest, HTTPStatus: resp.StatusCode}
	case httpx.StatusForbidden:
		return nil, &TerminateError{Condition: PolicyViolation, HTTPStatus: resp.StatusCode}
	case httpx.StatusNotFound:
		return nil, &TerminateError{Condition: ItemNotFound, HTTPStatus: resp.StatusCode}
	default:
		return nil, &HTTPError{Status: resp.StatusCode}
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, s.cfg.MaxBodySize+1))
	if err != nil {
		return nil, transportError(rctx, ctx, timeout, err)
	}
	if int64(len(raw)) > s.cfg.MaxBodySize {
		return nil, &BodyError{Err: ErrBodyTooLarge}
	}
	return parseBody(raw)
}

func transportError(rctx, parent context.Context, timeout time.Duration, err error) error {
	if parent.Err() == nil && errors.Is(rctx.Err(), context.DeadlineExceeded) {
		return &TransportError{Err: fmt.Errorf("no response within %v: %w", timeout, context.DeadlineExceeded)}
	}
	return &TransportError{Err: err}
}
