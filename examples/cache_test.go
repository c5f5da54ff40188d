package examples_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// requestLog is fakeorg's -requests file, read from a line on.
type requestLog struct {
	path string
	seen int
}

// next returns the requests logged since the last call.
func (l *requestLog) next(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(l.path)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	out := lines[l.seen:]
	l.seen = len(lines)
	return out
}

// configReads counts the configuration reads among logged requests.
func configReads(lines []string) int {
	n := 0
	for _, l := range lines {
		if strings.HasPrefix(l, "GET ") && (strings.Contains(l, "/configuration ") || strings.Contains(l, "/latestconfiguration ")) {
			n++
		}
	}
	return n
}

var cacheLine = regexp.MustCompile(`(?m)^audit: configurations: (\d+) from the cache, (\d+) read \(cache (.+)\)$`)

// TestAuditCacheCommands runs audit as a user would, against fakeorg, and
// counts what the organisation served (its -requests log): a repeat audit
// of an unchanged organisation asks for the listing, the actions and a
// token, and reads no configuration, with the same output byte for byte; a
// flow published anew is read alone; damaged entries, an unwritable folder
// and two audits sharing a folder change nothing in the output.
func TestAuditCacheCommands(t *testing.T) {
	processTest(t)
	log := &requestLog{path: filepath.Join(t.TempDir(), "requests.log")}
	o := startOrg(t, 0, "-requests", log.path)
	audit := func(args ...string) result {
		t.Helper()
		r := o.run(t, nil, "audit", append([]string{"-below", "5s"}, args...)...)
		require.Equal(t, 0, r.code, r.stderr)
		return r
	}
	plain := audit("-no-cache")
	assert.NotContains(t, plain.stderr, "configurations:")
	assert.Equal(t, 40, configReads(log.next(t)))

	// The default folder, under the user's cache folder ($HOME/.cache here).
	first := audit()
	assert.Equal(t, plain.stdout, first.stdout)
	m := cacheLine.FindStringSubmatch(first.stderr)
	require.NotNil(t, m, first.stderr)
	assert.Equal(t, []string{"0", "40"}, m[1:3])
	assert.Equal(t, filepath.Join("gcflow-timeouts", "configurations"), filepath.Join(filepath.Base(filepath.Dir(m[3])), filepath.Base(m[3])))
	assert.DirExists(t, m[3])
	assert.Equal(t, 40, configReads(log.next(t)))

	second := audit()
	assert.Equal(t, plain.stdout, second.stdout, "byte for byte")
	assert.Contains(t, second.stderr, "audit: configurations: 40 from the cache, 0 read")
	for _, l := range log.next(t) {
		ok := strings.HasPrefix(l, "POST /oauth/token ") || strings.HasPrefix(l, "GET /api/v2/flows 200") ||
			strings.HasPrefix(l, "GET /api/v2/integrations/actions")
		assert.True(t, ok, "a repeat audit asks for the token, the listing and the actions only: %s", l)
	}

	// raise publishes demo-flow-02 anew; the next audit reads it alone.
	r := o.run(t, nil, "raise", "-publish", "-flows", "demo-flow-02")
	require.Equal(t, 0, r.code, r.stderr)
	log.next(t)
	third := audit()
	assert.Equal(t, 1, configReads(log.next(t)))
	assert.Contains(t, third.stderr, "audit: configurations: 39 from the cache, 1 read")
	assert.Equal(t, audit("-no-cache").stdout, third.stdout)
	named := o.run(t, nil, "audit", "-name", "Billing Inbound 1", "-format", "csv")
	require.Equal(t, 0, named.code, named.stderr)
	assert.Contains(t, named.stderr, "audit: configurations: 1 from the cache, 0 read")
	assert.Contains(t, named.stdout, "\ndemo-flow-02,Billing Inbound 1,inboundcall,2.0,", "the new version shown")
	assert.NotContains(t, named.stdout, ",1.0,")
	log.next(t)
	assert.NotEqual(t, plain.stdout, third.stdout)
	fresh := third.stdout

	// Every entry damaged: the same output, exit 0, everything read again.
	damageEntries(t, m[3], 41) // and the version demo-flow-02 had
	log.next(t)
	fourth := audit()
	assert.Equal(t, fresh, fourth.stdout)
	assert.Equal(t, 40, configReads(log.next(t)))
	assert.Contains(t, fourth.stderr, "audit: configurations: 0 from the cache, 40 read")

	// A folder that cannot be written: one warning, the same output.
	blocker := filepath.Join(t.TempDir(), "a-file")
	require.NoError(t, os.WriteFile(blocker, nil, 0o600))
	fifth := audit("-cache", blocker)
	assert.Equal(t, fresh, fifth.stdout)
	assert.Equal(t, 1, strings.Count(fifth.stderr, "warning:"), fifth.stderr)
	assert.Contains(t, fifth.stderr, "audit: warning: configuration cache "+blocker+": ")

	// Two audits at once, one new folder.
	shared := filepath.Join(t.TempDir(), "shared")
	a := o.start(t, nil, "audit", "-below", "5s", "-cache", shared)
	b := o.start(t, nil, "audit", "-below", "5s", "-cache", shared)
	for _, p := range []*proc{a, b} {
		r := p.wait(t)
		require.Equal(t, 0, r.code, r.stderr)
		assert.Equal(t, fresh, r.stdout)
		assert.NotContains(t, r.stderr, "warning")
	}
	assert.Contains(t, audit("-cache", shared).stderr, "audit: configurations: 40 from the cache, 0 read")
}

// damageEntries changes one byte in every file under dir.
func damageEntries(t *testing.T, dir string, want int) {
	t.Helper()
	n := 0
	require.NoError(t, filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		b[len(b)-2] ^= 0x01
		n++
		return os.WriteFile(p, b, 0o600)
	}))
	require.Equal(t, want, n)
}

// TestRaiseCacheCommands: a raise with nothing left to change reads no
// configuration; the raise before it read only the versions the one before
// it made.
func TestRaiseCacheCommands(t *testing.T) {
	processTest(t)
	log := &requestLog{path: filepath.Join(t.TempDir(), "requests.log")}
	o := startOrg(t, 0, "-requests", log.path)
	r := o.run(t, nil, "raise", "-publish")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "raise: configurations: 0 from the cache, 38 read")
	log.next(t)
	r = o.run(t, nil, "raise", "-publish")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "raised 0 Data Action(s)")
	changed := configReads(log.next(t))
	assert.Equal(t, 36, changed, "the 36 versions the first run made, once each")
	r = o.run(t, nil, "raise", "-publish")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Zero(t, configReads(log.next(t)), "nothing to change, nothing new: no configuration read")
	assert.Contains(t, r.stderr, "raise: configurations: 38 from the cache, 0 read")
}
