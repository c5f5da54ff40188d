package client

import (
	"context"
	"iter"
	"sync"
)

// outcome is one item's result and error.
type outcome[R any] struct {
	r   R
	err error
}

// parallel runs work on each flow with up to n at once and yields the
// results in the flows' order as they become available.
func parallel[R any](ctx context.Context, items []Flow, n int, progress func(done, total int, current string), work func(context.Context, Flow) (R, error)) iter.Seq2[R, error] {
	if n <= 0 {
		n = 4
	}
	return func(yield func(R, error) bool) {
		ctx, cancel := context.WithCancel(ctx)
		out := make([]chan outcome[R], len(items))
		for i := range out {
			out[i] = make(chan outcome[R], 1)
		}
		next := make(chan int)
		var wg sync.WaitGroup
		var mu sync.Mutex
		done := 0
		for range min(n, len(items)) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range next {
					r, err := work(ctx, items[i])
					out[i] <- outcome[R]{r, err}
					if progress != nil {
						mu.Lock()
						done++
						progress(done, len(items), items[i].Name)
						mu.Unlock()
					}
				}
			}()
		}
		go func() {
			defer close(next)
			for i := range items {
				select {
				case next <- i:
				case <-ctx.Done():
					return
				}
			}
		}()
		// On an early stop: cancel first, so no worker takes a new item,
		// then wait for those at work.
		defer func() { cancel(); wg.Wait() }()
		for i := range items {
			select {
			case o := <-out[i]:
				if !yield(o.r, o.err) {
					return
				}
				continue
			case <-ctx.Done():
			}
			// Cancelled: the workers finish what they hold (their work sees
			// the cancelled context). Items are handed out in order, so the
			// results there are, from i on, are all of them: report each,
			// so that nothing done goes unreported.
			cancel()
			wg.Wait()
			for ; i < len(items); i++ {
				select {
				case o := <-out[i]:
					if !yield(o.r, o.err) {
						return
					}
				default:
					return
				}
			}
			return
		}
	}
}
