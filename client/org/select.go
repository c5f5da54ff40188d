package org

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/gcflow/timeouts/client"
)

// selectFlows lists the flows that ids (when not nil), or else types and
// name, select, and the named ids that do not exist. A selection of nothing
// at all is ErrEmptySelection.
func selectFlows(ctx context.Context, c *client.Client, s *Selection) (flows []client.Flow, missing []string, err error) {
	ids := s.FlowIDs
	asked := map[string]bool{}
	if ids != nil {
		if len(ids) == 0 {
			return nil, nil, fmt.Errorf("%w: the list of flow ids is empty (nil selects every flow; an empty list selects none)", client.ErrInvalidArgument)
		}
		uniq := ids[:0:0]
		for i, id := range ids {
			if strings.TrimSpace(id) == "" {
				return nil, nil, fmt.Errorf("%w: flow id %d of %d is empty", client.ErrInvalidArgument, i+1, len(ids))
			}
			if !asked[id] {
				asked[id] = true
				uniq = append(uniq, id)
			}
		}
		ids = uniq
	}
	if flows, err = listAll(ctx, c, s.Types, s.Name, ids); err != nil {
		return nil, nil, err
	}
	found := map[string]bool{}
	if ids != nil {
		// A listing by ids that answers other flows too: those were not
		// asked for, and are not touched.
		flows = slices.DeleteFunc(flows, func(f client.Flow) bool { return !asked[f.ID] })
	}
	for _, f := range flows {
		found[f.ID] = true
	}
	for _, id := range ids {
		if !found[id] {
			missing = append(missing, id)
		}
	}
	if len(flows) == 0 && len(missing) == 0 {
		return nil, nil, emptySelection(s)
	}
	return flows, missing, nil
}

func missingFlow(id string) error {
	return fmt.Errorf("%w: flow %s does not exist, or this OAuth client cannot see it", client.ErrNotFound, id)
}

// missingFlows is Raise's error when named flows do not exist: all of them,
// before anything is written.
func missingFlows(ids []string) error {
	if len(ids) == 1 {
		return fmt.Errorf("%w; nothing was written", missingFlow(ids[0]))
	}
	return fmt.Errorf("%w: flows %s do not exist, or this OAuth client cannot see them; nothing was written", client.ErrNotFound, strings.Join(ids, ", "))
}

// emptySelection says what selected nothing.
func emptySelection(s *Selection) error {
	var what []string
	if len(s.Types) > 0 {
		what = append(what, "types "+strings.Join(s.Types, ","))
	}
	if s.Name != "" {
		what = append(what, "name "+strconv.Quote(s.Name))
	}
	if len(what) == 0 {
		return fmt.Errorf("%w: the organisation lists no flow", ErrEmptySelection)
	}
	return fmt.Errorf("%w (%s)", ErrEmptySelection, strings.Join(what, ", "))
}

// listAll reads a whole listing, 500 flows a page.
func listAll(ctx context.Context, c *client.Client, types []string, name string, ids []string) ([]client.Flow, error) {
	var out []client.Flow
	for f, err := range c.Flows(ctx, &client.ListFlowsOptions{Types: types, Name: name, FlowIDs: ids, PageSize: client.MaxPageSize}) {
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// outcome is one item's result and error.
type outcome[R any] struct {
	r   R
	err error
}

// parallel runs work on each flow with up to n at once and yields the
// results in the flows' order as they become available.
func parallel[R any](ctx context.Context, items []client.Flow, n int, progress func(done, total int, current string), work func(context.Context, client.Flow) (R, error)) iter.Seq2[R, error] {
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
