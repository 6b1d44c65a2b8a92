package failover

// history is a ring of the last cap entries: a long-running softphone must
// not grow without bound however often the network flaps.
type history struct {
	buf   []HistoryEntry
	start int
	n     int
}

func newHistory(capacity int) *history { return &history{buf: make([]HistoryEntry, capacity)} }

func (h *history) add(e HistoryEntry) {
	if len(h.buf) == 0 {
		return
	}
	if h.n < len(h.buf) {
		h.buf[(h.start+h.n)%len(h.buf)] = e
		h.n++
		return
	}
	h.buf[h.start] = e
	h.start = (h.start + 1) % len(h.buf)
}

func (h *history) list() []HistoryEntry {
	out := make([]HistoryEntry, h.n)
	for i := range out {
		out[i] = h.buf[(h.start+i)%len(h.buf)]
	}
	return out
}
