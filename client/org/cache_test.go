package org_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gcflow/timeouts/client"
	"github.com/gcflow/timeouts/client/clienttest"
	"github.com/gcflow/timeouts/client/org"
)

// auditAll runs an audit and returns its results with FromCache cleared
// (so that two runs compare), how many came from the cache, and the
// configurations the organisation served meanwhile.
func auditAll(t *testing.T, srv *clienttest.Server, c *client.Client, o *org.AuditOptions) (got []org.FlowAudit, hits, reads int, requests []clienttest.Request) {
	t.Helper()
	before := srv.Counters()
	nreq := len(srv.Requests())
	for a, err := range mustAudit(t, context.Background(), c, o) {
		require.NoError(t, err)
		if a.FromCache {
			hits++
		}
		a.FromCache = false
		got = append(got, a)
	}
	return got, hits, srv.Counters().ConfigReads - before.ConfigReads, srv.Requests()[nreq:]
}

// TestAuditCache: a repeat audit of an unchanged organisation reads no
// configuration (its requests are the listing and the action reads) and
// gives the same results; a version published anew is read, alone; damaged
// entries are read again; -latest is cached the same way.
func TestAuditCache(t *testing.T) {
	srv, c := demo(t, &clienttest.Options{RequestsPerMinute: -1})
	cache := mustDir(t.TempDir())
	o := &org.AuditOptions{Selection: org.Selection{Cache: cache}, Min: 5 * time.Second}
	plain, _, plainReads, _ := auditAll(t, srv, c, &org.AuditOptions{Min: 5 * time.Second})
	n := len(srv.FlowIDs())
	require.Equal(t, n, plainReads)

	first, hits, reads, _ := auditAll(t, srv, c, o)
	assert.Equal(t, plain, first, "a cached audit says what an uncached one says")
	assert.Zero(t, hits)
	assert.Equal(t, n, reads)

	second, hits, reads, reqs := auditAll(t, srv, c, o)
	assert.Equal(t, plain, second)
	assert.Equal(t, n, hits)
	assert.Zero(t, reads, "nothing changed: no configuration read")
	for _, r := range reqs {
		ok := r.Path == "/api/v2/flows" || strings.HasPrefix(r.Path, "/api/v2/integrations/actions")
		assert.True(t, ok, "a repeat audit asks only for the listing and the actions: %s %s", r.Method, r.Path)
	}

	// Another user publishes flow 02 anew: exactly one read, the new version shown.
	changed := strings.Replace(string(srv.Published("demo-flow-02")), `"P0D0H0M1S500F"`, `"P0D0H0M9S0F"`, 1)
	require.NotEqual(t, string(srv.Published("demo-flow-02")), changed)
	require.NoError(t, srv.CommitAsUser("demo-flow-02", "Jane", []byte(changed), true))
	third, hits, reads, _ := auditAll(t, srv, c, o)
	assert.Equal(t, 1, reads)
	assert.Equal(t, n-1, hits)
	for _, a := range third {
		if a.Flow.ID == "demo-flow-02" {
			assert.Equal(t, "2.0", a.Version)
		}
	}
	fresh, _, _, _ := auditAll(t, srv, c, &org.AuditOptions{Min: 5 * time.Second})
	assert.Equal(t, fresh, third)

	// Every entry damaged: the same results, every configuration read again.
	damageAll(t, cache.Path())
	fourth, hits, reads, _ := auditAll(t, srv, c, o)
	assert.Equal(t, fresh, fourth)
	assert.Zero(t, hits)
	assert.Equal(t, n, reads)

	// -latest: the saved and checked-in versions are cached the same way.
	latest := &org.AuditOptions{Selection: org.Selection{Cache: cache}, Min: 5 * time.Second, Latest: true}
	plainLatest, _, _, _ := auditAll(t, srv, c, &org.AuditOptions{Min: 5 * time.Second, Latest: true})
	l1, _, _, _ := auditAll(t, srv, c, latest)
	l2, hits, reads, _ := auditAll(t, srv, c, latest)
	assert.Equal(t, plainLatest, l1)
	assert.Equal(t, plainLatest, l2)
	assert.Equal(t, n, hits)
	assert.Zero(t, reads)
}

// damageAll flips a byte in the middle of every cache entry under dir.
func damageAll(t *testing.T, dir string) {
	t.Helper()
	n := 0
	require.NoError(t, filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		b[len(b)/2] ^= 0x20
		n++
		return os.WriteFile(p, b, 0o600)
	}))
	require.NotZero(t, n)
}

// countingCache is an in-memory ConfigCache that counts its calls.
type countingCache struct {
	mu        sync.Mutex
	m         map[string][]byte
	gets, put int
}

func (m *countingCache) Get(_ context.Context, key string) ([]byte, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.gets++
	b, ok := m.m[key]
	return append([]byte(nil), b...), ok, nil
}

func (m *countingCache) Put(_ context.Context, key string, config []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.put++
	if m.m == nil {
		m.m = map[string][]byte{}
	}
	m.m[key] = append([]byte(nil), config...)
	return nil
}

// TestRaiseCache: the lock-free first read of each flow comes from the
// cache; the read under the lock never does; a repeat raise with nothing
// left to change reads no configuration.
func TestRaiseCache(t *testing.T) {
	srv, c := demo(t, &clienttest.Options{RequestsPerMinute: -1})
	cache := &countingCache{}
	opts := &org.RaiseOptions{Selection: org.Selection{Cache: cache}, Min: 5 * time.Second, Update: client.UpdateOptions{Publish: true}}

	// A dry run fills the cache and writes nothing to the organisation.
	before := srv.Counters()
	planned := 0
	for res, err := range mustRaise(t, context.Background(), c, &org.RaiseOptions{Selection: org.Selection{Cache: cache}, Min: 5 * time.Second, Update: client.UpdateOptions{DryRun: true, Publish: true}}) {
		if err == nil && len(res.Changes) > 0 {
			planned++
		}
	}
	require.NotZero(t, planned)
	assert.Equal(t, before.Versions, srv.Counters().Versions)
	readsBefore := srv.Counters().ConfigReads

	// The apply run: every first read is a hit; each flow changed reads
	// under the lock (and once more to verify).
	changed, hits, ok := 0, 0, 0
	for res, err := range mustRaise(t, context.Background(), c, opts) {
		if err != nil {
			continue // the locked flow
		}
		ok++
		if res.FromCache {
			hits++
		}
		if res.Changed {
			changed++
		}
	}
	assert.Equal(t, planned, changed)
	assert.Equal(t, ok, hits, "the dry run cached every flow it read")
	assert.Equal(t, 2*changed, srv.Counters().ConfigReads-readsBefore, "per flow changed: the read under the lock and the read-back; no other")

	// Nothing left to change: no configuration read at all.
	readsBefore, putsBefore := srv.Counters().ConfigReads, cache.put
	for res, err := range mustRaise(t, context.Background(), c, opts) {
		if err == nil {
			assert.False(t, res.Changed)
		}
	}
	assert.Equal(t, changed, cache.put-putsBefore, "the versions the apply run made are read once, then cached")
	assert.Equal(t, changed, srv.Counters().ConfigReads-readsBefore)
	readsBefore = srv.Counters().ConfigReads
	for res, err := range mustRaise(t, context.Background(), c, opts) {
		if err == nil {
			assert.False(t, res.Changed)
			assert.True(t, res.FromCache, res.FlowID)
		}
	}
	assert.Zero(t, srv.Counters().ConfigReads-readsBefore)
}

// TestCacheLatestFallback: a saved draft that its version's own route does
// not serve (404) is read from latestconfiguration, and not cached: what
// is stored under a key must be that key's version.
func TestCacheLatestFallback(t *testing.T) {
	srv, c := demo(t, &clienttest.Options{RequestsPerMinute: -1})
	draft := strings.Replace(string(srv.Published("demo-flow-01")), `"Demo flow"`, `"Demo flow, edited"`, 1)
	id, err := srv.AddFlow(clienttest.FlowSeed{Name: "Saved draft", Type: "inboundcall", Config: srv.Published("demo-flow-01"), Draft: []byte(draft), DraftSavedOnly: true})
	require.NoError(t, err)
	cache := &countingCache{}
	o := &org.AuditOptions{Selection: org.Selection{FlowIDs: []string{id}, Cache: cache}, Latest: true}
	for range 2 {
		srv.FailNext("GET", "/api/v2/flows/"+id+"/versions/2.0/configuration", 1, 404)
		before := srv.Counters().ConfigReads
		for a, err := range mustAudit(t, context.Background(), c, o) {
			require.NoError(t, err)
			assert.False(t, a.FromCache)
			assert.Equal(t, "2.0", a.Version)
		}
		assert.Equal(t, 1, srv.Counters().ConfigReads-before, "read from latestconfiguration")
		assert.Zero(t, cache.put, "not cached")
	}
	// Served by its version route, it is cached like any other.
	for range 2 {
		for _, err := range mustAudit(t, context.Background(), c, o) {
			require.NoError(t, err)
		}
	}
	assert.Equal(t, 1, cache.put)
}
