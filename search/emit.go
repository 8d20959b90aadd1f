package search

import (
	"context"
	"sync"
)

// emitter serialises matches from the workers into the caller's callback:
// as found, or (Options.Sort) in unit order. In sorted mode the unit being
// emitted (the head) streams straight through; units ahead of it buffer their
// matches until it finishes, and at most 2×workers units may run ahead of the
// head (admit blocks), which bounds what is buffered to those units'
// matches.
type emitter struct {
	mu     sync.Mutex
	sorted bool
	max    int64
	emit   func(*Match) error
	cancel func()
	count  int64
	err    error

	next    int // seq of the head unit
	pending map[int]*pending
	slots   chan struct{}
}

type pending struct {
	ms   []*Match
	done bool
}

func newEmitter(units []*unit, o Options, emit func(*Match) error, cancel func()) *emitter {
	e := &emitter{sorted: o.Sort, max: o.MaxResults, emit: emit, cancel: cancel, pending: map[int]*pending{}}
	if o.Sort {
		w := o.Workers
		if w <= 0 {
			w = 4
		}
		e.slots = make(chan struct{}, 2*w)
	}
	return e
}

// admit waits until u may start (sorted mode: inside the window).
func (e *emitter) admit(ctx context.Context, u *unit) bool {
	if !e.sorted {
		return true
	}
	select {
	case e.slots <- struct{}{}:
		return true
	case <-ctx.Done():
		return false
	}
}

// add hands over one match of unit u.
func (e *emitter) add(u *unit, m *Match) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.sorted || u.seq == e.next {
		e.deliver(m)
		return nil
	}
	p := e.pending[u.seq]
	if p == nil {
		p = &pending{}
		e.pending[u.seq] = p
	}
	p.ms = append(p.ms, m)
	return nil
}

// deliver calls the callback unless the search is over. Called with mu held.
func (e *emitter) deliver(m *Match) {
	if e.err != nil || e.max > 0 && e.count >= e.max {
		return
	}
	e.count++
	if err := e.emit(m); err != nil {
		e.err = err
		e.cancel()
		return
	}
	if e.max > 0 && e.count >= e.max {
		e.cancel()
	}
}

// done marks u finished; in sorted mode the head advances past every
// finished unit, flushing their buffers in order.
func (e *emitter) done(u *unit) {
	if !e.sorted {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	p := e.pending[u.seq]
	if p == nil {
		p = &pending{}
		e.pending[u.seq] = p
	}
	p.done = true
	for {
		h := e.pending[e.next]
		if h == nil {
			return
		}
		for _, m := range h.ms {
			e.deliver(m)
		}
		h.ms = nil
		if !h.done {
			return // the new head streams from now on
		}
		delete(e.pending, e.next)
		e.next++
		<-e.slots
	}
}
