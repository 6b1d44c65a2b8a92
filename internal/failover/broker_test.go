package failover

import (
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBrokerBookkeeping(t *testing.T) {
	b := newBroker(rand.New(rand.NewPCG(1, 2)))
	p1, p2, p3 := newPendingRequest(" put ", " /finesse/api/User/1 ", []byte("x")), newPendingRequest("GET", "/a", nil), newPendingRequest("GET", "/b", nil)
	assert.Equal(t, "PUT", p1.method)
	assert.Equal(t, "/finesse/api/User/1", p1.path)
	for _, p := range []*pendingRequest{p1, p2, p3} {
		b.admit(p)
		b.wait(p)
	}
	assert.NotEqual(t, p1.id, p2.id)
	assert.Regexp(t, `^fha-1-[0-9a-f]{8}$`, p1.id)

	// The queue comes out oldest first; what cannot be sent goes back.
	q := b.takeQueue()
	require.Equal(t, []*pendingRequest{p1, p2, p3}, q)
	assert.Empty(t, b.takeQueue())
	b.requeue(q[1:])
	assert.Equal(t, []*pendingRequest{p2, p3}, b.takeQueue())

	// Only a sent request is found by its requestId.
	assert.Nil(t, b.match(p1.id))
	b.sending(p1, 1)
	assert.Equal(t, reqSending, p1.state)
	assert.Equal(t, 1, p1.side)
	assert.Same(t, p1, b.match(p1.id))

	// A request is resolved once; then it is found no more.
	err := errors.New("first")
	assert.True(t, b.finish(p1, nil, err))
	assert.False(t, b.finish(p1, &Response{}, nil))
	<-p1.done
	assert.Same(t, err, p1.err)
	assert.Nil(t, p1.resp)
	assert.Nil(t, b.match(p1.id))

	assert.ElementsMatch(t, []*pendingRequest{p2, p3}, b.drain())
	b.wait(p2)
	b.drain()
	assert.Empty(t, b.takeQueue(), "drain forgets the queue")
}

func TestPendingRequestRules(t *testing.T) {
	for _, c := range []struct{ method, path, refusal string }{
		{"GET", "/finesse/api/User/1", ""},
		{"delete", "/x", ""},
		{"PATCH", "/x", "unsupported method"},
		{"GET", "finesse/api", "path must be absolute, below the side's base URL"},
		{"GET", "/redirect?to=https://elsewhere", "path must be absolute, below the side's base URL"},
	} {
		assert.Equal(t, c.refusal, newPendingRequest(c.method, c.path, nil).refusal(), c.method+" "+c.path)
	}
	assert.True(t, newPendingRequest("PUT", "/x", nil).retryable(false))
	assert.False(t, newPendingRequest("POST", "/x", nil).retryable(false))
	assert.True(t, newPendingRequest("POST", "/x", nil).retryable(true))
	assert.False(t, newPendingRequest("DELETE", "/x", nil).retryable(true))
}
