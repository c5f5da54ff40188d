package examples_test

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gcflow/timeouts/client"
	"github.com/gcflow/timeouts/client/clienttest"
	"github.com/gcflow/timeouts/internal/syncbuf"
)

// bin is the folder of the commands TestMain builds.
var bin string

func TestMain(m *testing.M) {
	// The process tests mostly wait (on a fake organisation's latency, on a
	// lock that backs off), not compute: run more of them at once than
	// the machine has cores, unless -parallel says otherwise.
	flag.Parse()
	parallelGiven := false
	flag.Visit(func(f *flag.Flag) { parallelGiven = parallelGiven || f.Name == "test.parallel" })
	if !parallelGiven {
		_ = flag.Set("test.parallel", "8")
	}
	dir, err := os.MkdirTemp("", "gcflow-commands-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	build := exec.Command("go", "build", "-o", dir+string(os.PathSeparator), "./raise", "./restore", "./audit", "./fakeorg", "./fileaudit", "./probe")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building the commands: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	bin = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// processTest marks a test that runs the commands as processes: skipped
// with -short, and run in parallel with the others (they mostly wait).
func processTest(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs the commands as processes")
	}
	t.Parallel()
}

// org is a fakeorg process and a client that reads its state through its
// HTTP API.
type org struct {
	url string
	env []string
	c   *client.Client
}

// startOrg runs examples/fakeorg on a free loopback port, each API answer
// delayed by latency, with more flags if given, and stops it (SIGTERM) when
// the test ends.
func startOrg(t *testing.T, latency time.Duration, flags ...string) *org {
	t.Helper()
	args := append([]string{"-addr", "127.0.0.1:0", "-rpm", "-1", "-latency", latency.String()}, flags...)
	cmd := exec.Command(filepath.Join(bin, "fakeorg"), args...)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr syncbuf.Buffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			t.Errorf("fakeorg did not stop on SIGTERM; its stderr: %s", stderr.String())
		}
	})
	lines := make(chan string, 3)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	o := &org{env: []string{"GENESYS_CLOUD_REQUESTS_PER_MINUTE=-1", "PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}}
	vars := map[string]string{}
	for len(vars) < 3 {
		select {
		case line, ok := <-lines:
			require.True(t, ok, "fakeorg ended early: %s", stderr.String())
			k, v, found := strings.Cut(strings.TrimPrefix(line, "export "), "=")
			require.True(t, found, line)
			vars[k] = v
			o.env = append(o.env, k+"="+v)
		case <-time.After(10 * time.Second):
			t.Fatalf("fakeorg printed no variables: %s", stderr.String())
		}
	}
	o.url = vars[client.EnvAPIURL]
	o.c, err = client.New(client.Config{BaseURL: o.url, ClientID: vars[client.EnvClientID], ClientSecret: vars[client.EnvClientSecret], RequestsPerMinute: -1})
	require.NoError(t, err)
	return o
}

// result is how a command ended.
type result struct {
	code           int
	signaled       bool
	stdout, stderr string
}

// proc is a command running.
type proc struct {
	cmd            *exec.Cmd
	stdout, stderr syncbuf.Buffer
}

// waitStderr waits until the process's stderr contains text.
func (p *proc) waitStderr(t *testing.T, text string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(p.stderr.String(), text) {
		if time.Now().After(deadline) {
			t.Fatalf("stderr never said %q: %s", text, p.stderr.String())
		}
		runtime.Gosched()
	}
}

func (o *org) start(t *testing.T, env []string, name string, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(filepath.Join(bin, name), args...)}
	p.cmd.Env = append(append([]string{}, o.env...), env...)
	p.cmd.Dir = t.TempDir()
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	require.NoError(t, p.cmd.Start())
	return p
}

func (p *proc) wait(t *testing.T) result {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(3 * time.Minute):
		_ = p.cmd.Process.Kill()
		t.Fatalf("%v did not end", p.cmd.Args)
	}
	ws := p.cmd.ProcessState.Sys().(syscall.WaitStatus)
	return result{code: p.cmd.ProcessState.ExitCode(), signaled: ws.Signaled(), stdout: p.stdout.String(), stderr: p.stderr.String()}
}

func (o *org) run(t *testing.T, env []string, name string, args ...string) result {
	t.Helper()
	return o.start(t, env, name, args...).wait(t)
}

// flowState is what a flow listing says of one flow.
type flowState struct {
	Name, Lock                  string
	Published, CheckedIn, Saved string
	OurLock, Draft              bool
	// Running: a check-in or publish is in flight on the platform, which
	// finishes it whatever becomes of the client that started it.
	Running bool
}

func (o *org) state(t *testing.T) map[string]flowState {
	t.Helper()
	out := map[string]flowState{}
	v := func(fv *client.FlowVersion) string {
		if fv == nil {
			return ""
		}
		return fv.ID
	}
	for f, err := range o.c.Flows(context.Background(), &client.ListFlowsOptions{PageSize: client.MaxPageSize}) {
		require.NoError(t, err)
		out[f.ID] = flowState{Name: f.Name, Lock: f.LockHolder(), Published: v(f.PublishedVersion), CheckedIn: v(f.CheckedInVersion),
			Saved: v(f.SavedVersion), OurLock: f.LockedClient != nil && f.LockedClient.ID == clienttest.DefaultClientID, Draft: f.HasDraft(),
			Running: f.CurrentOperation != nil && !f.CurrentOperation.Complete}
	}
	require.Len(t, out, 40, "the demo organisation")
	return out
}

// settled is the organisation's state once it stops changing. A request
// the killed process sent last may still be on its way (behind the org's
// latency, or a busy machine's scheduler), and the platform finishes it
// whatever became of its client: three listings in a row that agree,
// each behind the latency.
func (o *org) settled(t *testing.T) map[string]flowState {
	t.Helper()
	s, same := o.state(t), 0
	deadline := time.Now().Add(30 * time.Second)
	for same < 2 {
		if time.Now().After(deadline) {
			t.Fatal("the organisation never stopped changing")
		}
		next := o.state(t)
		if reflect.DeepEqual(next, s) {
			same++
		} else {
			same = 0
		}
		s = next
	}
	return s
}

// ourLocks lists the flows locked by our OAuth client.
func ourLocks(s map[string]flowState) []string {
	var ids []string
	for id, f := range s {
		if f.OurLock {
			ids = append(ids, id)
		}
	}
	return ids
}

// staleLocks lists the flows locked by our OAuth client with no operation in
// flight: what a crashed run leaves.
func staleLocks(s map[string]flowState) []string {
	var ids []string
	for id, f := range s {
		if f.OurLock && !f.Running {
			ids = append(ids, id)
		}
	}
	return ids
}

// waitFor polls the organisation until cond holds.
func (o *org) waitFor(t *testing.T, what string, cond func(map[string]flowState) bool) map[string]flowState {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if s := o.state(t); cond(s) {
			return s
		}
	}
	t.Fatalf("gave up waiting for %s", what)
	return nil
}

// waitFile waits until the file at path holds text: a line another
// process writes (fakeorg's -requests log), not a guess at a duration.
func waitFile(t *testing.T, path, text string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(path); err == nil && strings.Contains(string(b), text) {
			return
		}
		runtime.Gosched()
	}
	t.Fatalf("%s never said %q", path, text)
}

// versionsByUs counts the versions our OAuth client committed, per flow.
func (o *org) versionsByUs(t *testing.T) map[string]int {
	t.Helper()
	out := map[string]int{}
	for id := range o.state(t) {
		for v, err := range o.c.FlowVersions(context.Background(), id) {
			require.NoError(t, err)
			if v.CreatedByClient != nil && v.CreatedByClient.ID == clienttest.DefaultClientID && v.Type != "SAVE" {
				out[id]++
			}
		}
	}
	return out
}

// nothingLeft checks, with a dry run as a user would, that nothing is left
// to raise but the two flows the demo keeps from us (locked by Jane Doe, and
// a draft pending).
func (o *org) nothingLeft(t *testing.T) {
	t.Helper()
	r := o.run(t, nil, "raise")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "dry run, nothing written: 40 flows: would raise 0 Data Action(s) in 0, 38 unchanged, 2 skipped")
}

// assertDemoKept checks the work of others that the demo holds: demo-flow-05
// locked by Jane Doe, demo-flow-08's unpublished draft.
func assertDemoKept(t *testing.T, before, after map[string]flowState) {
	t.Helper()
	assert.Equal(t, before["demo-flow-05"], after["demo-flow-05"], "Jane Doe's lock untouched")
	assert.Equal(t, before["demo-flow-08"], after["demo-flow-08"], "the pending draft untouched")
	assert.True(t, after["demo-flow-08"].Draft)
}

var raisedIn = regexp.MustCompile(`raised \d+ Data Action\(s\) in (\d+),`)
var secondVersions = regexp.MustCompile(`(\d+) flow\(s\) got a second, identical version`)

func count(re *regexp.Regexp, s string) int {
	m := re.FindStringSubmatch(s)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// TestTwoApplyRunsAtOnce: two raise -publish runs with the same credentials,
// started together. Both exit 0, neither raises a false alarm, nobody's work
// is lost, everything is raised and no lock is left; second versions are
// reported exactly.
func TestTwoApplyRunsAtOnce(t *testing.T) {
	processTest(t)
	o := startOrg(t, 5*time.Millisecond)
	before := o.state(t)
	a := o.start(t, nil, "raise", "-publish", "-backup-dir", t.TempDir())
	b := o.start(t, nil, "raise", "-publish", "-backup-dir", t.TempDir())
	ra, rb := a.wait(t), b.wait(t)
	for _, r := range []result{ra, rb} {
		require.Equal(t, 0, r.code, "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
		assert.NotContains(t, r.stderr, "verification failed")
	}
	after := o.state(t)
	assert.Empty(t, ourLocks(after), "no lock left")
	assertDemoKept(t, before, after)
	o.nothingLeft(t)

	ours := o.versionsByUs(t)
	made := 0
	for _, n := range ours {
		made += n
	}
	changed := count(raisedIn, ra.stdout) + count(raisedIn, rb.stdout)
	reported := count(secondVersions, ra.stdout) + count(secondVersions, rb.stdout)
	t.Logf("two runs: %d versions made for 36 flows, %d flows reported changed, %d second versions reported", made, changed, reported)
	assert.Len(t, ours, 36, "every flow that needed it was changed")
	assert.Equal(t, made-36, reported, "each second version is reported")
	assert.Equal(t, made, changed, "each version is reported by the run that made it")
}

// TestDryRunDuringApply: a dry run started while an apply run holds locks
// writes nothing, reports those flows as locked at once, and the apply run
// finishes untroubled.
func TestDryRunDuringApply(t *testing.T) {
	processTest(t)
	o := startOrg(t, 20*time.Millisecond)
	before := o.state(t)
	apply := o.start(t, nil, "raise", "-publish", "-backup-dir", t.TempDir())
	o.waitFor(t, "the apply run to hold a lock", func(s map[string]flowState) bool { return len(ourLocks(s)) > 0 })
	// Dry runs, one after another, for as long as the apply run works:
	// whether one reaches a flow while the apply run holds it is a matter
	// of timing, so at least one of them must.
	done := make(chan result, 1)
	go func() { done <- apply.wait(t) }()
	var ra result
	dries, sawLock := 0, false
	for finished := false; !finished; {
		dry := o.run(t, nil, "raise")
		dries++
		require.Equal(t, 0, dry.code, dry.stderr)
		assert.Contains(t, dry.stdout, "dry run, nothing written: 40 flows:")
		sawLock = sawLock || strings.Contains(dry.stderr, "the OAuth client this run uses, but not by this run")
		select {
		case ra = <-done:
			finished = true
		default:
		}
	}
	t.Logf("%d dry runs during the apply run", dries)
	require.Equal(t, 0, ra.code, ra.stderr)
	assert.NotContains(t, ra.stderr, "verification failed")
	assert.Contains(t, ra.stdout, "40 flows: raised 70 Data Action(s) in 36, 2 unchanged, 2 skipped")
	assert.True(t, sawLock, "a dry run reports the apply run's locks, and touches none")
	after := o.state(t)
	assert.Empty(t, ourLocks(after))
	assertDemoKept(t, before, after)
	for id, n := range o.versionsByUs(t) {
		assert.Equal(t, 1, n, "%s: one version, from the apply run", id)
	}
	o.nothingLeft(t)
}

// TestKillThenRecover: kill -9 leaves locks and saved drafts of our OAuth
// client. A dry run reports them and writes nothing; an apply run skips
// them, names the flag, and exits 0; an apply run with
// -release-stale-locks releases them and finishes the job.
func TestKillThenRecover(t *testing.T) {
	processTest(t)
	o := startOrg(t, 40*time.Millisecond)
	before := o.state(t)
	var crashed map[string]flowState
	var stale []string
	// kill -9 lands wherever the run is: a flow whose publish was already
	// sent is finished by the platform, so only locks with nothing in
	// flight are left over. Try until the kill leaves at least one.
	for try := 0; len(stale) == 0; try++ {
		require.Less(t, try, 5, "kill -9 never left a lock behind")
		apply := o.start(t, nil, "raise", "-publish", "-backup-dir", t.TempDir())
		o.waitFor(t, "a lock of the apply run", func(s map[string]flowState) bool { return len(staleLocks(s)) > 0 })
		require.NoError(t, apply.cmd.Process.Kill())
		r := apply.wait(t)
		require.True(t, r.signaled, "killed")
		crashed = o.settled(t)
		stale = staleLocks(crashed)
	}
	t.Logf("kill -9 left %d flows locked: %v", len(stale), stale)

	dry := o.run(t, nil, "raise")
	require.Equal(t, 0, dry.code, dry.stderr)
	for _, id := range stale {
		assert.Contains(t, dry.stderr, "update of flow "+id+" ("+crashed[id].Name+"): client: flow locked by OAuth client clienttest (clienttest-client), the OAuth client this run uses, but not by this run")
	}
	assert.Contains(t, dry.stderr, "run again with -release-stale-locks")
	now := o.state(t)
	for _, id := range stale {
		assert.Equal(t, crashed[id], now[id], "%s: the dry run changed nothing", id)
	}

	plain := o.run(t, nil, "raise", "-publish", "-backup-dir", t.TempDir())
	require.Equal(t, 0, plain.code, "locked flows are skipped, not failures: %s", plain.stderr)
	assert.Contains(t, plain.stderr, "-release-stale-locks")
	assert.NotContains(t, plain.stderr, "verification failed")
	after := o.state(t)
	for _, id := range stale {
		assert.Equal(t, crashed[id], after[id], "%s: the crashed run's lock and draft are not ours to touch", id)
		assert.Contains(t, plain.stdout, "skipped: "+crashed[id].Name+" ("+id+")")
	}

	release := o.run(t, nil, "raise", "-publish", "-release-stale-locks", "-backup-dir", t.TempDir())
	require.Equal(t, 0, release.code, release.stderr)
	assert.Contains(t, release.stderr, "released a stale lock of this OAuth client")
	final := o.state(t)
	assert.Empty(t, ourLocks(final))
	assertDemoKept(t, before, final)
	o.nothingLeft(t)
}

// startHolding starts a slow organisation and an apply run, and returns
// once the run holds a lock: the moment to interrupt it.
func startHolding(t *testing.T) (*org, map[string]flowState, *proc) {
	t.Helper()
	o := startOrg(t, 40*time.Millisecond)
	before := o.state(t)
	apply := o.start(t, nil, "raise", "-publish", "-backup-dir", t.TempDir())
	o.waitFor(t, "a lock of the run", func(s map[string]flowState) bool { return len(ourLocks(s)) > 0 })
	return o, before, apply
}

// TestSignalsStopCleanly: SIGTERM and SIGHUP stop a run like Ctrl-C: the
// flows in hand are finished or released, the summary is printed, and the
// process exits 1 by itself. A second signal exits at once.
func TestSignalsStopCleanly(t *testing.T) {
	processTest(t)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			o, before, apply := startHolding(t)
			require.NoError(t, apply.cmd.Process.Signal(sig))
			r := apply.wait(t)
			assert.False(t, r.signaled, "it exits by itself")
			assert.Equal(t, 1, r.code)
			assert.Contains(t, r.stderr, "raise: "+sig.String()+": stopping; finishing or releasing the flows in hand")
			assert.Contains(t, r.stdout, "stopped before the end (flows not started are not counted); no lock of this run left;")
			assertEachFlowCountedOnce(t, r.stdout)
			after := o.state(t)
			assert.Empty(t, ourLocks(after), "no lock left")
			for id, f := range after {
				if id != "demo-flow-08" {
					assert.False(t, f.Draft, "%s: no draft left", id)
				}
			}
			assertDemoKept(t, before, after)
		})
	}
	t.Run("twice", func(t *testing.T) {
		t.Parallel()
		_, _, apply := startHolding(t)
		require.NoError(t, apply.cmd.Process.Signal(syscall.SIGTERM))
		// The kernel merges a signal sent before the first is taken.
		apply.waitStderr(t, "stopping;")
		require.NoError(t, apply.cmd.Process.Signal(syscall.SIGTERM))
		r := apply.wait(t)
		assert.False(t, r.signaled)
		assert.Equal(t, 1, r.code)
		assert.Contains(t, r.stderr, "again: exiting at once")
	})
}

// TestTwoActionRunsAtOnce: two raise -actions -publish runs with the same
// credentials, started together: each action is raised once (the function
// action through one draft, the other run waiting out that draft or
// finding it raised), neither run refuses an action it could raise, and no
// draft is left.
func TestTwoActionRunsAtOnce(t *testing.T) {
	processTest(t)
	o := startOrg(t, 5*time.Millisecond)
	a := o.start(t, nil, "raise", "-publish", "-actions", "-no-cache", "-backup-dir", t.TempDir())
	b := o.start(t, nil, "raise", "-publish", "-actions", "-no-cache", "-backup-dir", t.TempDir())
	for _, r := range []result{a.wait(t), b.wait(t)} {
		require.Equal(t, 0, r.code, "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
		refused := regexp.MustCompile(`(?m)^raise: action not raised: .*$`).FindAllString(r.stderr, -1)
		require.Len(t, refused, 1, r.stderr)
		assert.Contains(t, refused[0], "static_-_", "the built-in action alone is refused")
	}
	timeouts := o.actionTimeouts(t)
	const fn = "custom_-_0a1b2c3d-0014-4000-8000-000000000014"
	assert.Equal(t, 5, timeouts[fn], "the function action raised")
	var a1 struct{ Version int }
	require.NoError(t, o.c.Do(context.Background(), &client.Request{Method: http.MethodGet, Path: "/api/v2/integrations/actions/" + fn}, &a1))
	assert.Equal(t, 2, a1.Version, "published once")
	err := o.c.Do(context.Background(), &client.Request{Method: http.MethodGet, Path: "/api/v2/integrations/actions/" + fn + "/draft"}, nil)
	assert.ErrorIs(t, err, client.ErrNotFound, "no draft left")
}

// TestStoppedActionRaiseSummary: Ctrl-C after an action was raised ends
// with the summary, which says the dependency index was not asked rather
// than quoting a cancelled request's URL for each action raised; no lock
// and no function draft of the run is left.
func TestStoppedActionRaiseSummary(t *testing.T) {
	processTest(t)
	requests := filepath.Join(t.TempDir(), "requests.log")
	o := startOrg(t, 100*time.Millisecond, "-requests", requests)
	p := o.start(t, nil, "raise", "-actions", "-publish", "-backup-dir", t.TempDir())
	waitFile(t, requests, "PATCH /api/v2/integrations/actions/")
	require.NoError(t, p.cmd.Process.Signal(os.Interrupt))
	r := p.wait(t)
	assert.Equal(t, 1, r.code, r.stderr)
	assert.Contains(t, r.stdout, "(dependency tracking: not asked, the run was stopped)\n")
	assert.NotContains(t, r.stdout, "context canceled")
	assert.NotContains(t, r.stdout, "is used by 0 flow(s)", "an action raised for flows stopped before their results says so")
	assert.Empty(t, ourLocks(o.settled(t)), "no lock left")
}
