package client

import (
	"context"
	"errors"
	"net/http"
	"sync"
)

// actionCache reads each data action once a run, however many flows name
// it. It keeps a success and an answer that would be the same for every
// caller (a 4xx: the action does not exist, or may not be read); it does not
// keep a failure that belongs to one caller (its cancelled context) or to
// one moment (a 5xx, a 429, a lost connection): the next caller reads again.
// A caller waiting for another's read gives up when its own context ends.
type actionCache struct {
	c  *Client
	mu sync.Mutex
	m  map[string]*actionEntry
}

type actionEntry struct {
	done chan struct{} // closed when a and err are set
	a    *DataAction
	err  error
}

func newActionCache(c *Client) *actionCache {
	return &actionCache{c: c, m: map[string]*actionEntry{}}
}

func (ac *actionCache) get(ctx context.Context, id string) (*DataAction, error) {
	for {
		ac.mu.Lock()
		e, ok := ac.m[id]
		if !ok {
			e = &actionEntry{done: make(chan struct{})}
			ac.m[id] = e
			ac.mu.Unlock()
			e.a, e.err = ac.c.DataAction(ctx, id)
			if e.err != nil && !lasting(e.err) {
				ac.mu.Lock()
				delete(ac.m, id)
				ac.mu.Unlock()
			}
			close(e.done)
			return e.a, e.err
		}
		ac.mu.Unlock()
		select {
		case <-e.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if e.err == nil || lasting(e.err) {
			return e.a, e.err
		}
		// The reader's failure was its own: read again.
	}
}

// lasting reports whether an error is an answer every caller would get.
func lasting(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Status >= 400 && ae.Status < 500 &&
		ae.Status != http.StatusRequestTimeout && ae.Status != http.StatusTooManyRequests
}
