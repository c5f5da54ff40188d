// Package cli holds what the example commands share: connecting to an
// organisation (or the demo one), exit codes, progress lines and error
// messages that say what to do. It uses the module's public API only.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
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

// EnvRequestsPerMinute paces the commands' requests (default
// client.DefaultRequestsPerMinute; negative: no pacing, for a local fake
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
			return nil, nil, fmt.Errorf("%w: %s=%s is not a non-zero whole number", client.ErrConfig, EnvRequestsPerMinute, Quote(v))
		}
		cfg.RequestsPerMinute = n
	}
	c, err = client.New(cfg)
	if err != nil {
		return nil, nil, err
	}
	return c, func() {}, nil
}

// Main runs a command as its main function does: with signals handled (see
// WithSignals), the process's arguments and standard streams, and its exit
// code.
func Main(name string, run func(ctx context.Context, args []string, stdout, stderr io.Writer) int) {
	ctx, stop := WithSignals(context.Background(), name, os.Stderr)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
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

// WithSignals returns a context that ends on the first SIGINT (Ctrl-C),
// SIGTERM (what CI runners, systemd and Kubernetes send) or SIGHUP, so that
// the command stops taking new flows, finishes or releases what it holds,
// says what happened and exits by itself. A second signal exits at once
// with ExitFailure. stop undoes it.
func WithSignals(parent context.Context, name string, stderr io.Writer) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancel(parent)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	done := make(chan struct{})
	go func() {
		select {
		case sig := <-sigs:
			fmt.Fprintf(stderr, "%s: %v: stopping; finishing or releasing the flows in hand (signal again to exit at once)\n", name, sig)
			cancel()
		case <-done:
			return
		}
		select {
		case sig := <-sigs:
			fmt.Fprintf(stderr, "%s: %v again: exiting at once; a flow in hand may stay locked (-release-stale-locks releases it)\n", name, sig)
			os.Exit(ExitFailure)
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		close(done)
		cancel()
	}
}

// Parse parses args into fs. It returns ExitOK and false after -h (the
// usage printed), ExitUsage and false after a bad flag or, unless
// positional, an argument that is not a flag (one line on stderr naming the
// flag and the value), and true when the command may go on.
func Parse(fs *flag.FlagSet, args []string, positional bool, stderr io.Writer) (int, bool) {
	usage := fs.Usage
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	err := fs.Parse(args)
	fs.SetOutput(stderr)
	fs.Usage = usage
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.Usage()
		return ExitOK, false
	case err != nil:
		fmt.Fprintf(stderr, "%s: %s (see %s -h)\n", fs.Name(), shorten(err.Error()), fs.Name())
		return ExitUsage, false
	case fs.NArg() > 0 && !positional:
		fmt.Fprintf(stderr, "%s: unexpected argument %s (flags only; see %s -h)\n", fs.Name(), Quote(fs.Arg(0)), fs.Name())
		return ExitUsage, false
	}
	return ExitOK, true
}

// Usagef writes one usage line, "name: message", and returns ExitUsage.
func Usagef(stderr io.Writer, name, format string, args ...any) int {
	fmt.Fprintf(stderr, "%s: %s\n", name, fmt.Sprintf(format, args...))
	return ExitUsage
}

// Duration is a flag.Value for a timeout: it keeps the text as given, so
// that an error can quote it.
type Duration struct {
	D   time.Duration
	Raw string
	// Given is set once the flag was given.
	Given bool
}

// NewDuration returns a Duration flag value with a default.
func NewDuration(d time.Duration) *Duration { return &Duration{D: d, Raw: d.String()} }

func (v *Duration) String() string {
	if v == nil {
		return ""
	}
	return v.Raw
}

// Set parses a duration such as 5s or 1500ms.
func (v *Duration) Set(s string) error {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return errors.New("not a duration such as 5s or 1500ms")
	}
	v.D, v.Raw, v.Given = d, s, true
	return nil
}

// CheckTimeout checks a Data Action timeout given as flag -name: above
// zero, a whole number of milliseconds, at most 60 s. The error names the
// flag and the value as given.
func CheckTimeout(name string, v *Duration) error {
	return checkTimeout("-"+name+" "+Cut(v.Raw), v.D)
}

func checkTimeout(what string, d time.Duration) error {
	switch {
	case d <= 0:
		return fmt.Errorf("%s: must be above zero", what)
	case d%time.Millisecond != 0:
		return fmt.Errorf("%s: not a whole number of milliseconds", what)
	case d > client.MaxDataActionTimeout:
		return fmt.Errorf("%s: above %v, the longest any data action waits: the action would give up first", what, client.MaxDataActionTimeout)
	}
	return nil
}

// TimeoutFromEnv reads a timeout in milliseconds from the environment
// variable env (the tutorial's TARGET_TIMEOUT_MS), checked as CheckTimeout
// checks a flag. ok is false when the variable is not set.
func TimeoutFromEnv(env string) (d time.Duration, ok bool, err error) {
	v, set := os.LookupEnv(env)
	if !set {
		return 0, false, nil
	}
	what := env + "=" + Quote(v)
	n, perr := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if perr != nil {
		return 0, true, fmt.Errorf("%s: not a whole number of milliseconds", what)
	}
	if n <= 0 || n > client.MaxDataActionTimeout.Milliseconds() {
		return 0, true, checkTimeout(what, time.Duration(n)*time.Millisecond)
	}
	return time.Duration(n) * time.Millisecond, true, nil
}

// FlowIDs splits a comma-separated list of flow ids given in what (a flag
// or a variable). A list that is empty once trimmed is an error: it never
// means every flow.
func FlowIDs(what, raw string) ([]string, error) {
	ids := SplitList(raw)
	if len(ids) == 0 {
		return nil, fmt.Errorf("%s %s: no flow id in the list; name at least one, or leave it out to select flows by -type and -name", what, Quote(raw))
	}
	return ids, nil
}

// FlowTypes splits and checks a -type value. An empty value selects every
// type; an unknown type is an error that lists the known ones.
func FlowTypes(raw string) ([]string, error) {
	if strings.TrimSpace(raw) == "" {
		return nil, nil
	}
	types := SplitList(raw)
	if len(types) == 0 {
		return nil, fmt.Errorf("-type %s: no flow type in the list", Quote(raw))
	}
	known := client.FlowTypes()
	for i, t := range types {
		types[i] = strings.ToLower(t)
		if !slices.Contains(known, types[i]) {
			return nil, fmt.Errorf("-type %s: unknown flow type; known types: %s", Cut(t), strings.Join(known, ", "))
		}
	}
	return types, nil
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

// NewProgress returns a progress line on w (beneath an Escaped writer: the
// line is drawn with control characters, its text escaped here).
func NewProgress(w io.Writer) *Progress {
	if e, ok := w.(interface{ Unwrap() io.Writer }); ok {
		w = e.Unwrap()
	}
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
	fmt.Fprint(p.w, "\r\033[K")
	fmt.Fprintf(Escaped(p.w), "%d/%d %s", done, total, current)
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
