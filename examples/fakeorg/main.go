// Command fakeorg serves the demo organisation of client/clienttest on a
// loopback port and prints the variables that point the other commands at it:
//
//	go run ./examples/fakeorg &
//	export GENESYS_CLOUD_API_URL=http://127.0.0.1:8089 GENESYS_CLOUD_CLIENT_ID=... GENESYS_CLOUD_CLIENT_SECRET=...
//	go run ./examples/audit -below 5s
//
// -flows 500 makes a large organisation (published copies of the demo's
// flows); -requests FILE logs each request; -deviate NAME (repeatable) makes
// it behave unlike the modelled platform in one way, to see examples/probe
// notice.
//
// Its state lives in memory until it stops (Ctrl-C, SIGTERM or SIGHUP).
// Read it back through the same HTTP API, as the commands do.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gcflow/timeouts/client"
	"github.com/gcflow/timeouts/client/clienttest"
	"github.com/gcflow/timeouts/examples/internal/cli"
	"github.com/gcflow/timeouts/internal/safefile"
)

func main() {
	cli.Main("fakeorg", func(ctx context.Context, args []string, stdout, stderr io.Writer) int {
		return run(ctx, args, stdout, stderr, nil)
	})
}

// run serves until ctx ends. ready, when set, receives the base URL once
// the server listens.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, ready chan<- string) int {
	stdout, stderr = cli.Escaped(stdout), cli.Escaped(stderr) // names from a server or a file never drive the terminal
	fs := flag.NewFlagSet("fakeorg", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8089", "the loopback address to listen on (port 0 picks one)")
	rpm := fs.Int("rpm", 300, "requests per minute per token (negative: no limit)")
	opReads := fs.Int("operation-reads", 1, "reads of a flow that a check-in or publish stays running for")
	latency := fs.Duration("latency", 0, "delay every API answer by this much (to watch or interrupt a run mid-way)")
	flows := fs.Int("flows", 40, "how many flows: above the demo's 40, published copies of its flows are added (a large organisation)")
	requests := fs.String("requests", "", "append a line per request to this file: method, path and status (token requests too)")
	var deviations deviationFlag
	fs.Var(&deviations, "deviate", "behave unlike the modelled platform in this way (repeatable): "+deviationNames())
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: fakeorg [-addr 127.0.0.1:8089]\n\nServes the demo organisation and prints the GENESYS_CLOUD_* variables for it.")
		fs.SetOutput(stderr)
		fs.PrintDefaults()
	}
	if code, ok := cli.Parse(fs, args, false, stderr); !ok {
		return code
	}
	host, _, err := net.SplitHostPort(*addr)
	if err != nil {
		return cli.Usagef(stderr, "fakeorg", "-addr %s: not host:port", cli.Cut(*addr))
	}
	if *latency < 0 {
		return cli.Usagef(stderr, "fakeorg", "-latency %v: must not be negative", *latency)
	}
	if *flows < 40 || *flows > 100_000 {
		return cli.Usagef(stderr, "fakeorg", "-flows %d: from 40 (the demo) to 100000", *flows)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		fmt.Fprintf(stderr, "fakeorg: %s is not a loopback address; the fake organisation serves this machine only\n", host)
		return cli.ExitUsage
	}
	org, handler, closeLog, err := newOrg(&clienttest.Options{RequestsPerMinute: *rpm, OperationReads: *opReads, RateLimitHeaders: true,
		Faults: clienttest.Faults{Latency: *latency}, Deviations: deviations}, *flows, *requests)
	if err != nil {
		fmt.Fprintln(stderr, "fakeorg:", err)
		return cli.ExitFailure
	}
	defer closeLog()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(stderr, "fakeorg: %v (is another fakeorg running? try -addr 127.0.0.1:0)\n", err)
		return cli.ExitFailure
	}
	base := "http://" + ln.Addr().String()
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stdout, "export %s=%s\nexport %s=%s\nexport %s=%s\n",
		client.EnvAPIURL, base, client.EnvClientID, clienttest.DefaultClientID, client.EnvClientSecret, clienttest.DefaultClientSecret)
	fmt.Fprintf(stderr, "fakeorg: serving the demo organisation (%d flows) at %s; Ctrl-C stops it\n", len(org.FlowIDs()), base)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if ready != nil {
		ready <- base
	}
	select {
	case <-ctx.Done():
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
		return cli.ExitOK
	case err := <-errc:
		fmt.Fprintln(stderr, "fakeorg:", err)
		return cli.ExitFailure
	}
}

// newOrg makes the organisation: the demo grown to n flows, its handler
// logging each request to the file requests when that is set.
func newOrg(opts *clienttest.Options, n int, requests string) (*clienttest.Org, http.Handler, func(), error) {
	org := clienttest.NewOrg(opts)
	if err := org.AddDemo(); err != nil {
		return nil, nil, nil, err
	}
	if err := org.GrowDemo(n); err != nil { // nothing to add at 40
		return nil, nil, nil, err
	}
	if requests == "" {
		return org, org, func() {}, nil
	}
	f, err := safefile.OpenAppend(requests) // 0600, and never through a planted symlink
	if err != nil {
		return nil, nil, nil, err
	}
	return org, requestLog(org, f), func() { f.Close() }, nil
}

// requestLog writes a line per request to w, "METHOD PATH STATUS", once
// the answer is written: what a test or a benchmark counts.
func requestLog(next http.Handler, w io.Writer) http.Handler {
	var mu sync.Mutex
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: rw, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(w, "%s %s %d\n", r.Method, r.URL.Path, sw.status)
	})
}

// statusWriter remembers the status written.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// deviationFlag is -deviate, repeatable.
type deviationFlag []clienttest.Deviation

func (d *deviationFlag) String() string { return fmt.Sprint([]clienttest.Deviation(*d)) }

func (d *deviationFlag) Set(s string) error {
	dev, err := clienttest.ParseDeviation(s)
	if err != nil {
		return fmt.Errorf("%s: not one of %s", cli.Cut(s), deviationNames())
	}
	*d = append(*d, dev)
	return nil
}

func deviationNames() string {
	var names []string
	for _, d := range clienttest.Deviations() {
		names = append(names, string(d))
	}
	return strings.Join(names, ", ")
}
