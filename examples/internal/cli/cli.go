// Package cli holds what every example command shares, fileaudit
// included: exit codes, signals, flag parsing with one-line usage errors,
// timeout flags, output that escapes control characters, CSV cells safe in
// a spreadsheet, and the progress line. It links no HTTP client: what
// connects to an organisation is package connect.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gcflow/timeouts/flow"
)

// Exit codes of every command.
const (
	ExitOK       = 0
	ExitFailure  = 1
	ExitUsage    = 2
	ExitFindings = 3
)

// Main runs a command as its main function does: with signals handled (see
// WithSignals), the process's arguments and standard streams, and its exit
// code.
func Main(name string, run func(ctx context.Context, args []string, stdout, stderr io.Writer) int) {
	ctx, stop := WithSignals(context.Background(), name, os.Stderr)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
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

// Given reports the flags that were given on the command line.
func Given(fs *flag.FlagSet) map[string]bool {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	return given
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
	case d > flow.MaxDataActionTimeout:
		return fmt.Errorf("%s: above %v, the longest any data action waits: the action would give up first", what, flow.MaxDataActionTimeout)
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
	if n <= 0 || n > flow.MaxDataActionTimeout.Milliseconds() {
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

// Update is a progress callback for org.Selection.Progress.
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
