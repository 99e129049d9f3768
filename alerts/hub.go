package alerts

import "sync"

// Hub wakes the live streams of this process when an alert changes. It
// carries no data: a woken stream reads the alert_events table, which is
// also what it polls, so replicas that cannot wake each other still see
// every event within one poll interval.
type Hub struct {
	mu     sync.Mutex
	ch     chan struct{}
	done   chan struct{}
	closed bool
}

// NewHub returns a hub with no listeners.
func NewHub() *Hub {
	return &Hub{ch: make(chan struct{}), done: make(chan struct{})}
}

// Notify wakes every current waiter. A nil hub does nothing.
func (h *Hub) Notify() {
	if h == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	close(h.ch)
	h.ch = make(chan struct{})
}

// Wait returns a channel that is closed at the next Notify. A nil hub's
// channel never closes.
func (h *Hub) Wait() <-chan struct{} {
	if h == nil {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.ch
}

// Close ends every stream that watches Done (server shutdown).
func (h *Hub) Close() {
	if h == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.closed {
		h.closed = true
		close(h.done)
	}
}

// Done is closed when the hub is closed. A nil hub's channel never closes.
func (h *Hub) Done() <-chan struct{} {
	if h == nil {
		return nil
	}
	return h.done
}
