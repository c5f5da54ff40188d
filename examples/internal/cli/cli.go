// Package cli holds what the example commands share: connecting to an
// organisation (or the demo one), exit codes, progress lines and error
// messages that say what to do. It uses the module's public API only.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/gcflow/timeouts/client"
	"github.com/gcflow/timeouts/client/clienttest"
	"github.com/gcflow/timeouts/flow"
	"github.com/gcflow/timeouts/retry"
)

// Exit codes of every command.
const (
	ExitOK       = 0
	ExitFailure  = 1
	ExitUsage    = 2
	ExitFindings = 3
)

// ConnectFunc is Connect's type: commands take one so that tests can hand
// them a client for an organisation the test looks into.
type ConnectFunc func(demo bool) (*client.Client, func(), error)

// Connect returns a client for the organisation named by the GENESYS_CLOUD_*
// environment variables, or, with demo, for an in-process demo organisation
// (no credentials, no network). close releases what Connect started.
func Connect(demo bool) (c *client.Client, closeFn func(), err error) {
	if demo {
		srv, err := clienttest.NewDemoServer(&clienttest.Options{RequestsPerMinute: -1})
		if err != nil {
			return nil, nil, err
		}
		cfg := srv.ClientConfig()
		// The demo's locked flow stays locked: do not wait long for it.
		cfg.Retry = retry.Policy{InitialInterval: 50 * time.Millisecond, MaxInterval: 200 * time.Millisecond, MaxAttempts: 3}
		c, err := client.New(cfg)
		if err != nil {
			srv.Close()
			return nil, nil, err
		}
		return c, srv.Close, nil
	}
	c, err = client.New(client.ConfigFromEnv())
	if err != nil {
		return nil, nil, err
	}
	return c, func() {}, nil
}

// SplitList splits a comma-separated flag value, dropping empty items.
func SplitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Explain turns an error into one line that says what went wrong and what
// to do about it.
func Explain(err error, permissions string) string {
	msg := err.Error()
	var ae *client.APIError
	switch {
	case errors.Is(err, context.Canceled):
		return "cancelled: " + msg
	case errors.Is(err, client.ErrConfig):
		return msg + " (set GENESYS_CLOUD_REGION, GENESYS_CLOUD_CLIENT_ID and GENESYS_CLOUD_CLIENT_SECRET, or try -demo)"
	case errors.Is(err, client.ErrUnauthorized):
		return msg + " (check GENESYS_CLOUD_CLIENT_ID, GENESYS_CLOUD_CLIENT_SECRET and GENESYS_CLOUD_REGION)"
	case errors.Is(err, client.ErrForbidden):
		return msg + " (give the OAuth client's role " + permissions + ")"
	case errors.Is(err, client.ErrLocked):
		return msg + " (ask them to check it in or publish, or use -force-unlock, which checks in their saved work)"
	case errors.Is(err, client.ErrDraftPending):
		return msg + " (or use -allow-draft, which publishes that draft too)"
	case errors.Is(err, client.ErrTooLarge):
		return msg + " (edit this flow in Architect)"
	case errors.Is(err, flow.ErrInvalidJSON), errors.Is(err, flow.ErrUnknownShape):
		return msg + " (is this a flow configuration?)"
	case errors.As(err, &ae) && ae.Status >= 500:
		return msg + " (Genesys Cloud is failing; try again later, and quote the correlation id to Genesys support if it persists)"
	}
	return msg
}

// IsTerminal reports whether w is a terminal.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// Progress draws "done/total current" on one line of w, when w is a
// terminal and the run has lasted more than a second. Done clears it.
type Progress struct {
	w     io.Writer
	on    bool
	start time.Time
	mu    sync.Mutex
	drawn bool
}

// NewProgress returns a progress line on w.
func NewProgress(w io.Writer) *Progress {
	return &Progress{w: w, on: IsTerminal(w), start: time.Now()}
}

// Update is a progress callback for client.AuditOptions and RaiseOptions.
func (p *Progress) Update(done, total int, current string) {
	if !p.on || time.Since(p.start) < time.Second {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(current) > 40 {
		current = current[:37] + "..."
	}
	fmt.Fprintf(p.w, "\r\033[K%d/%d %s", done, total, current)
	p.drawn = true
}

// Done clears the progress line.
func (p *Progress) Done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
		p.drawn = false
	}
}
