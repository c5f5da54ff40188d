// Command fakeorg serves the demo organisation of client/clienttest on a
// loopback port and prints the variables that point the other commands at it:
//
//	go run ./examples/fakeorg &
//	export GENESYS_CLOUD_API_URL=http://127.0.0.1:8089 GENESYS_CLOUD_CLIENT_ID=... GENESYS_CLOUD_CLIENT_SECRET=...
//	go run ./examples/audit -below 5s
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
	"time"

	"github.com/gcflow/timeouts/client"
	"github.com/gcflow/timeouts/client/clienttest"
	"github.com/gcflow/timeouts/examples/internal/cli"
)

func main() {
	cli.Main("fakeorg", func(ctx context.Context, args []string, stdout, stderr io.Writer) int {
		return run(ctx, args, stdout, stderr, nil)
	})
}

// run serves until ctx ends. ready, when set, receives the base URL once
// the server listens.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, ready chan<- string) int {
	fs := flag.NewFlagSet("fakeorg", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8089", "the loopback address to listen on (port 0 picks one)")
	rpm := fs.Int("rpm", 300, "requests per minute per token (negative: no limit)")
	opReads := fs.Int("operation-reads", 1, "reads of a flow that a check-in or publish stays running for")
	latency := fs.Duration("latency", 0, "delay every API answer by this much (to watch or interrupt a run mid-way)")
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
		return cli.Usagef(stderr, "fakeorg", "-addr %s: not host:port (%v)", *addr, err)
	}
	if *latency < 0 {
		return cli.Usagef(stderr, "fakeorg", "-latency %v: must not be negative", *latency)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		fmt.Fprintf(stderr, "fakeorg: %s is not a loopback address; the fake organisation serves this machine only\n", host)
		return cli.ExitUsage
	}
	org := clienttest.NewOrg(&clienttest.Options{RequestsPerMinute: *rpm, OperationReads: *opReads, RateLimitHeaders: true,
		Faults: clienttest.Faults{Latency: *latency}})
	if err := org.AddDemo(); err != nil {
		fmt.Fprintln(stderr, "fakeorg:", err)
		return cli.ExitFailure
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(stderr, "fakeorg: %v (is another fakeorg running? try -addr 127.0.0.1:0)\n", err)
		return cli.ExitFailure
	}
	base := "http://" + ln.Addr().String()
	srv := &http.Server{Handler: org, ReadHeaderTimeout: 10 * time.Second}
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
