// Package connect holds what the example commands that talk to an
// organisation share: connecting (or serving the demo organisation, for
// -demo), the read-only view of a dry run, the configuration cache's flags,
// and error lines that say what to do. It uses the module's public API
// only.
package connect

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gcflow/timeouts/client"
	"github.com/gcflow/timeouts/client/clienttest"
	"github.com/gcflow/timeouts/examples/internal/cli"
	"github.com/gcflow/timeouts/flow"
	"github.com/gcflow/timeouts/retry"
)

// ConnectFunc is Connect's type: commands take one so that tests can hand
// them a client for an organisation the test looks into.
type ConnectFunc func(demo bool) (*client.Client, func(), error)

// EnvRequestsPerMinute paces the commands' requests (default
// 300, the platform's budget per token; negative: no pacing, for a local fake
// organisation).
const EnvRequestsPerMinute = "GENESYS_CLOUD_REQUESTS_PER_MINUTE"

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
	cfg, err := client.ConfigFromEnv()
	if err != nil {
		return nil, nil, err
	}
	if v := os.Getenv(EnvRequestsPerMinute); v != "" {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n == 0 {
			return nil, nil, fmt.Errorf("%w: %s=%s is not a non-zero whole number", client.ErrConfig, EnvRequestsPerMinute, cli.Quote(v))
		}
		cfg.RequestsPerMinute = n
	}
	c, err = client.New(cfg)
	if err != nil {
		return nil, nil, err
	}
	return c, func() {}, nil
}

// Open connects through connect and, unless write, returns the client's
// ReadOnly view: a dry run cannot write, whatever happens after. On failure
// it writes one line, "name: what to do", and returns a nil client.
func Open(connect ConnectFunc, demo, write bool, name, permissions string, stderr io.Writer) (*client.Client, func()) {
	c, closeFn, err := connect(demo)
	if err != nil {
		fmt.Fprintln(stderr, name+":", Explain(err, permissions))
		return nil, nil
	}
	if !write {
		c = c.ReadOnly()
	}
	return c, closeFn
}

// Filters checks the -type and -name flags of fs and returns -type's
// list. A flag left out selects every flow; one given empty (-type "" from
// an unset variable, say) is an error, never "every flow", as is an
// unknown type (the error lists the known ones).
func Filters(fs *flag.FlagSet, types, name string) ([]string, error) {
	given := cli.Given(fs)
	switch {
	case given["type"] && strings.TrimSpace(types) == "":
		return nil, fmt.Errorf("-type %s: empty; leave it out to select every type", cli.Quote(types))
	case given["name"] && strings.TrimSpace(name) == "":
		return nil, fmt.Errorf("-name %s: empty; leave it out to select every flow", cli.Quote(name))
	}
	return flowTypes(types)
}

// flowTypes splits and checks a -type value; "" selects every type.
func flowTypes(raw string) ([]string, error) {
	if strings.TrimSpace(raw) == "" {
		return nil, nil
	}
	types := cli.SplitList(raw)
	if len(types) == 0 {
		return nil, fmt.Errorf("-type %s: no flow type in the list", cli.Quote(raw))
	}
	known := flow.Types()
	for i, t := range types {
		types[i] = strings.ToLower(t)
		if !slices.Contains(known, types[i]) {
			return nil, fmt.Errorf("-type %s: unknown flow type; known types: %s", cli.Cut(t), strings.Join(known, ", "))
		}
	}
	return types, nil
}

// Explain turns an error into one line that says what went wrong and what
// to do about it.
func Explain(err error, permissions string) string {
	msg := err.Error()
	var ae *client.APIError
	var le *client.LockError
	place := client.EnvRegion
	if os.Getenv(client.EnvAPIURL) != "" {
		place = client.EnvAPIURL + " (set, so it replaces " + client.EnvRegion + ")"
	}
	switch {
	case errors.Is(err, context.Canceled):
		return "cancelled: " + msg
	case errors.Is(err, client.ErrConfig):
		return msg + " (set " + client.EnvClientID + ", " + client.EnvClientSecret + " and " + place + ", or try -demo)"
	case errors.Is(err, client.ErrUnauthorized):
		return msg + " (check " + client.EnvClientID + ", " + client.EnvClientSecret + " and " + place + ")"
	case errors.Is(err, client.ErrForbidden):
		return msg + " (give the OAuth client's role " + permissions + ")"
	case errors.As(err, &le) && le.SameClient:
		return msg + " (if no other run is working on it, run again with -release-stale-locks)"
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

// SkipReason says in a few words why a flow was skipped: who holds its lock,
// or that it has a draft pending.
func SkipReason(err error) string {
	var le *client.LockError
	switch {
	case errors.As(err, &le) && le.SameClient:
		return "locked by another run of this OAuth client, or a crashed one"
	case errors.As(err, &le):
		return "locked by " + le.Holder
	case errors.Is(err, client.ErrDraftPending):
		return "unpublished draft pending"
	}
	return "locked"
}
