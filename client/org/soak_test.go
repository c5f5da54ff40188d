package org_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gcflow/timeouts/client"
	"github.com/gcflow/timeouts/client/clienttest"
	"github.com/gcflow/timeouts/client/dataaction"
	"github.com/gcflow/timeouts/client/org"
	"github.com/gcflow/timeouts/internal/fakeclock"
	"github.com/gcflow/timeouts/retry"
)

// outcome is one flow's result and error, as Raise yields them.
type outcome struct {
	org.Result
	Err error
}

// demoConfigs returns the demo organisation's flow documents.
func demoConfigs(t testing.TB) [][]byte {
	t.Helper()
	var out [][]byte
	require.NoError(t, fs.WalkDir(clienttest.DemoFiles(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path == "manifest.json" || strings.Contains(path, "draft") {
			return err
		}
		b, err := fs.ReadFile(clienttest.DemoFiles(), path)
		out = append(out, b)
		return err
	}))
	require.Len(t, out, 40)
	return out
}

// soakOrg fills an organisation with n flows made from the demo documents,
// with the demo's data actions.
func soakOrg(t testing.TB, n int, opts *clienttest.Options) (*clienttest.Server, []string, map[string][]byte) {
	t.Helper()
	srv := clienttest.Start(t, opts, false)
	configs := demoConfigs(t)
	originals := map[string][]byte{}
	var ids []string
	for i := range n {
		id, err := srv.AddFlow(clienttest.FlowSeed{ID: fmt.Sprintf("soak-%03d", i), Name: fmt.Sprintf("Soak %03d", i), Type: "inboundcall", Config: configs[i%len(configs)]})
		require.NoError(t, err)
		ids = append(ids, id)
		originals[id] = configs[i%len(configs)]
	}
	return srv, ids, originals
}

const soakAttempts = 15

func soakClient(t testing.TB, srv *clienttest.Server) *client.Client {
	t.Helper()
	// Waits pass at once on a fake clock; attempts and Retry-After still count.
	// 15 attempts: with 15% of requests failing, an update whose three
	// writes all must pass fails an attempt about a third of the time.
	// The fake clock is shared by every worker, so it runs four times as
	// fast as any one of them: bound attempts, not elapsed time.
	return srv.Client(t, func(cfg *client.Config) {
		cfg.Retry = retry.Policy{Clock: fakeclock.New(), MaxAttempts: soakAttempts, MaxElapsedTime: 24 * time.Hour}
	})
}

// TestSoakRaiseUnderFaults raises 300 flows with faults on and checks that
// nothing is lost, nothing unrequested is published, no flow stays locked by
// us, and the report matches the server.
func TestSoakRaiseUnderFaults(t *testing.T) {
	srv, ids, originals := soakOrg(t, 300, &clienttest.Options{RequestsPerMinute: -1, OperationReads: 1,
		Faults: clienttest.Faults{Seed: 42, ServerErrors: 0.10, RateLimited: 0.03, RetryAfter: 2 * time.Second, Dropped: 0.02}})
	base := map[string][]byte{} // what each flow holds before our edit
	lockedAll, lockedSome, conflicted := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for i, id := range ids {
		base[id] = originals[id]
		switch {
		case i%10 == 3 && i%20 == 3: // locked by another client for the whole run
			srv.LockByClientDuring(id, "other-client", 0, 1<<30)
			lockedAll[id] = true
		case i%10 == 3: // for part of it
			srv.LockByClientDuring(id, "other-client", 0, 200+i*7)
			lockedSome[id] = true
		case i%25 == 7 && needsRaise(t, originals[id]): // another user publishes a change between our first read and our check-out
			theirs := bytes.Replace(originals[id], []byte(`"description":"Demo flow"`), []byte(`"description":"Changed by another user"`), 1)
			if bytes.Equal(theirs, originals[id]) {
				theirs = append(bytes.TrimRight(originals[id], "\n"), '\n', ' ')
			}
			base[id] = theirs
			conflicted[id] = true
			hookID := id
			// Raise reads the configuration first, then UpdateFlow reads the
			// flow: between that read and the check-out, they publish.
			srv.Before("GET", "/api/v2/flows/"+id, func(o *clienttest.Org) {
				o.Before("POST", "/api/v2/flows/actions/checkout?flow="+hookID, func(o *clienttest.Org) {
					require.NoError(t, o.CommitAsUser(hookID, "Other User", theirs, true))
				})
			})
		case i%25 == 11: // a conflict on save
			srv.FailNext("POST", "/api/v2/flows/"+id+"/versions", 1, 409)
		}
	}
	for range 3 {
		srv.LoseNextAnswer("POST", "/api/v2/flows/actions/publish", 500)
	}
	c := soakClient(t, srv)
	start := time.Now()
	results := map[string]outcome{}
	for res, err := range mustRaise(t, context.Background(), c, &org.RaiseOptions{Selection: org.Selection{Concurrency: 4}, Min: 5 * time.Second, Update: client.UpdateOptions{Publish: true}}) {
		require.NotEmpty(t, res.FlowID, "a listing failure: %v", err)
		_, twice := results[res.FlowID]
		require.False(t, twice, "one result per flow")
		results[res.FlowID] = outcome{res, err}
	}
	t.Logf("soak: 300 flows in %v, %d requests, %d faults injected", time.Since(start), srv.Counters().Requests, srv.Counters().Faults)
	require.Len(t, results, 300, "no flow skipped silently")

	changed, failed := 0, 0
	for _, id := range ids {
		res := results[id]
		if res.Err != nil {
			failed++
			// Waiting for a lock spends attempts, and the fake clock lets
			// a worker spend them as fast as it can ask: a flow locked
			// for part of the run may end on a fault with its budget
			// spent, depending on how the workers interleave.
			if !errors.Is(res.Err, client.ErrLocked) {
				assert.True(t, lockedSome[id] && res.Attempts == soakAttempts, "%s: the only failures allowed are another holder's lock, or a budget spent partly waiting for it: %v (%d attempts)", id, res.Err, res.Attempts)
			}
			assert.True(t, lockedAll[id] || lockedSome[id], "%s failed but was never locked: %v", id, res.Err)
			assert.Equal(t, string(base[id]), string(srv.Published(id)), "%s: wholly old", id)
			continue
		}
		assert.False(t, lockedAll[id], "%s was locked all along", id)
		want, n := locallyRaised(t, base[id], 5*time.Second)
		assert.Equal(t, string(want), string(srv.Published(id)), "%s: raised, every other byte as it was", id)
		assert.Equal(t, n > 0, res.Changed, "%s: the report says what happened", id)
		if res.Changed {
			changed++
		}
	}
	counters := srv.Counters()
	for _, id := range ids {
		assert.NotEqual(t, "client "+clienttest.DefaultClientID, srv.LockHolder(id), "%s locked by us", id)
		ours := 0
		for _, v := range srv.Versions(id) {
			if v.Type == "PUBLISH" && v.ByClient == clienttest.DefaultClientID {
				ours++
			}
		}
		assert.LessOrEqual(t, ours, 1, "%s published twice", id)
	}
	assert.Equal(t, changed, counters.Versions, "versions created equal flows changed")
	assert.Equal(t, changed, counters.Publishes, "publishes equal flows changed")
	assert.GreaterOrEqual(t, failed, len(lockedAll), "every flow locked all along failed")
	assert.Greater(t, counters.Faults, 300, "the faults were on")
	assert.Greater(t, changed, 200)
	require.NotEmpty(t, conflicted)
	for id := range conflicted {
		assert.True(t, strings.Contains(string(srv.Published(id)), "Changed by another user"), "%s: the other user's change survives", id)
	}
}

func needsRaise(t testing.TB, config []byte) bool {
	_, n := locallyRaised(t, config, 5*time.Second)
	return n > 0
}

// TestSoakCancelled cancels raises at random moments and checks after each
// that no flow is locked by us and every flow is wholly old or wholly new.
func TestSoakCancelled(t *testing.T) {
	srv, ids, originals := soakOrg(t, 60, &clienttest.Options{RequestsPerMinute: -1, OperationReads: 1,
		Faults: clienttest.Faults{Seed: 7, ServerErrors: 0.05, Dropped: 0.01}})
	c := soakClient(t, srv)
	rnd := rand.New(rand.NewPCG(1, 2))
	for round := range 12 {
		ctx, cancel := context.WithCancel(context.Background())
		stopAfter := srv.Counters().Requests + 5 + rnd.IntN(120)
		// Cancel from inside the server when its request count passes a
		// random point: a random moment of the client's work.
		for _, id := range ids {
			for _, p := range []string{"/api/v2/flows/" + id, "/api/v2/flows/" + id + "/latestconfiguration"} {
				srv.Before("GET", p, func(o *clienttest.Org) {
					if o.Counters().Requests >= stopAfter {
						cancel()
					}
				})
			}
		}
		publishedBefore := map[string]string{}
		for _, id := range ids {
			publishedBefore[id] = string(srv.Published(id))
		}
		reported := map[string]bool{}
		for res := range mustRaise(t, ctx, c, &org.RaiseOptions{Selection: org.Selection{Concurrency: 4}, Min: 5 * time.Second, Update: client.UpdateOptions{Publish: true}}) {
			if res.Changed {
				reported[res.FlowID] = true
			}
		}
		cancel()
		for _, id := range ids {
			if string(srv.Published(id)) != publishedBefore[id] {
				require.True(t, reported[id], "round %d: %s was changed but not reported", round, id)
			}
		}
		for _, id := range ids {
			want, _ := locallyRaised(t, originals[id], 5*time.Second)
			pub := string(srv.Published(id))
			require.NotEqual(t, "client "+clienttest.DefaultClientID, srv.LockHolder(id), "round %d: %s locked by us", round, id)
			require.True(t, pub == string(originals[id]) || pub == string(want), "round %d: %s is neither wholly old nor wholly new", round, id)
			require.Equal(t, pub, string(srv.Latest(id)), "round %d: %s has a draft left", round, id)
		}
	}
	// A last run without cancellation finishes the job.
	for res, err := range mustRaise(t, context.Background(), c, &org.RaiseOptions{Min: 5 * time.Second, Update: client.UpdateOptions{Publish: true}}) {
		require.NoError(t, err, res.FlowID)
	}
	for _, id := range ids {
		want, _ := locallyRaised(t, originals[id], 5*time.Second)
		assert.Equal(t, string(want), string(srv.Published(id)))
	}
}

// TestSoakTwoRunsSameCredentials raises one organisation with two Clients
// that share one set of credentials (to the platform, one holder), at once,
// under faults. Neither may break the other's work: no verification alarm,
// no original published over a raise, no lock or draft left, and every flow
// that needed it published with the raise.
func TestSoakTwoRunsSameCredentials(t *testing.T) {
	for _, seed := range []int64{99, 7, 2026} {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) { twoRunsSameCredentials(t, seed) })
	}
}

func twoRunsSameCredentials(t *testing.T, seed int64) {
	srv, ids, originals := soakOrg(t, 120, &clienttest.Options{RequestsPerMinute: -1, OperationReads: 1,
		Faults: clienttest.Faults{Seed: seed, ServerErrors: 0.05, RateLimited: 0.02, RetryAfter: time.Second, Dropped: 0.01}})
	runs := [2]map[string]outcome{{}, {}}
	done := make(chan int)
	for r := range runs {
		c := soakClient(t, srv)
		go func() {
			for res, err := range mustRaise(t, context.Background(), c, &org.RaiseOptions{Selection: org.Selection{Concurrency: 4}, Min: 5 * time.Second, Update: client.UpdateOptions{Publish: true}}) {
				runs[r][res.FlowID] = outcome{res, err}
			}
			done <- r
		}()
	}
	<-done
	<-done
	t.Logf("two runs: %d requests, %d faults", srv.Counters().Requests, srv.Counters().Faults)
	duplicates, reported, bothFailed := 0, 0, 0
	for _, id := range ids {
		a, b := runs[0][id], runs[1][id]
		for _, res := range []outcome{a, b} {
			assert.NotErrorIs(t, res.Err, client.ErrVerify, "%s: no verification alarm", id)
			if res.Err != nil {
				assert.ErrorIs(t, res.Err, client.ErrLocked, "%s: the only failure allowed is the other run's lock", id)
			}
			if res.DuplicateOf != "" {
				reported++
			}
		}
		want, n := locallyRaised(t, originals[id], 5*time.Second)
		// describe says what happened to a flow, when an assertion fails.
		describe := func() string {
			var sb strings.Builder
			for r, res := range []outcome{a, b} {
				fmt.Fprintf(&sb, "\nrun %d: changed=%v new=%s dup=%s attempts=%d err=%v warnings=%q", r, res.Changed, res.NewVersion, res.DuplicateOf, res.Attempts, res.Err, res.Warnings)
			}
			for _, v := range srv.Versions(id) {
				fmt.Fprintf(&sb, "\nversion %s %s by %q: raised=%v original=%v", v.ID, v.Type, v.ByClient, bytes.Equal(v.Config, want), bytes.Equal(v.Config, originals[id]))
			}
			return sb.String()
		}
		if a.Err != nil && b.Err != nil {
			bothFailed++
			assert.True(t, bytes.Equal(originals[id], srv.Published(id)), "%s: wholly old when both runs skipped it%s", id, describe())
		} else {
			assert.True(t, bytes.Equal(want, srv.Published(id)), "%s: published with the raise, every other byte as it was%s", id, describe())
		}
		assert.Empty(t, srv.LockHolder(id), "%s: no lock left%s", id, describe())
		assert.True(t, bytes.Equal(srv.Published(id), srv.Latest(id)), "%s: no draft left%s", id, describe())
		ours := 0
		for _, v := range srv.Versions(id) {
			if v.ByClient == clienttest.DefaultClientID {
				ours++
				assert.True(t, bytes.Equal(want, v.Config), "%s: every version we made holds the raise, never the original%s", id, describe())
			}
		}
		if n == 0 {
			assert.Zero(t, ours, "%s needed nothing", id)
		}
		if ours > 1 {
			duplicates += ours - 1
		}
	}
	t.Logf("two runs: %d second versions made, %d reported as duplicates, %d flows skipped by both", duplicates, reported, bothFailed)
	assert.LessOrEqual(t, bothFailed, 2, "nearly every flow gets done by one run or the other")
}

// TestSoakRaiseActionsUnderFaults raises actions and flows together, with
// faults on, a lost answer to an action's PATCH, and another user editing an
// action between our read and our PATCH: each short action is raised once,
// changed at timeoutSeconds only (bar the other user's edit), the function
// action raised through its draft, the built-in action refused once, and an
// audit afterwards finds only expressions and the built-in's nodes short.
func TestSoakRaiseActionsUnderFaults(t *testing.T) {
	srv, ids, _ := soakOrg(t, 120, &clienttest.Options{RequestsPerMinute: -1, OperationReads: 1,
		Faults: clienttest.Faults{Seed: 7, ServerErrors: 0.10, RateLimited: 0.03, RetryAfter: 2 * time.Second, Dropped: 0.02}})
	require.NoError(t, srv.AddDemoActions())
	b, err := fs.ReadFile(clienttest.DemoFiles(), "manifest.json")
	require.NoError(t, err)
	var m struct {
		Actions []struct {
			ID             string `json:"id"`
			TimeoutSeconds int    `json:"timeoutSeconds"`
			Kind           string `json:"kind"`
		} `json:"actions"`
	}
	require.NoError(t, json.Unmarshal(b, &m))
	short := map[string][]byte{} // the config of each action below 5 s that a raise can change, before
	for _, a := range m.Actions {
		if a.TimeoutSeconds < 5 && a.Kind == "" {
			short[a.ID], _, _ = srv.ActionConfig(a.ID)
		}
	}
	require.Len(t, short, 3)
	const lost, edited = "custom_-_0a1b2c3d-0001-4000-8000-000000000001", "custom_-_0a1b2c3d-0002-4000-8000-000000000002"
	srv.LoseNextAnswer("PATCH", "/api/v2/integrations/actions/"+lost, 500)
	theirs := bytes.Replace(short[edited], []byte(`"headers":{`), []byte(`"headers":{"X-Edited":"by someone else",`), 1)
	require.NotEqual(t, string(short[edited]), string(theirs))
	srv.Before("PATCH", "/api/v2/integrations/actions/"+edited, func(o *clienttest.Org) {
		require.NoError(t, o.EditAction(edited, theirs))
	})
	short[edited] = theirs

	c := soakClient(t, srv)
	raised := map[string]int{}
	var refused []error
	failed := 0
	for res, err := range mustRaise(t, context.Background(), c, &org.RaiseOptions{Selection: org.Selection{Concurrency: 4}, Min: 5 * time.Second, Actions: true, OnAction: func(ch *dataaction.Change, err error) {
		if err != nil {
			refused = append(refused, err)
			return
		}
		raised[ch.ActionID]++
	}, Update: client.UpdateOptions{Publish: true}}) {
		require.NotEmpty(t, res.FlowID, "a listing failure: %v", err)
		if err != nil {
			failed++
			t.Logf("%s: %v", res.FlowID, err)
		}
	}
	assert.Zero(t, failed, "nothing is locked: every flow gets through the faults")
	assert.Len(t, raised, 4, "three actions, and the function action through its draft")
	require.Len(t, refused, 1, "the built-in action, once")
	assert.ErrorIs(t, refused[0], dataaction.ErrStatic)
	for id, before := range short {
		assert.Equal(t, 1, raised[id], "%s raised once", id)
		after, _, _ := srv.ActionConfig(id)
		var was struct {
			TimeoutSeconds int `json:"timeoutSeconds"`
		}
		require.NoError(t, json.Unmarshal(before, &was))
		want := strings.Replace(string(before), fmt.Sprintf(`"timeoutSeconds":%d`, was.TimeoutSeconds), `"timeoutSeconds":5`, 1)
		assert.Equal(t, want, string(after), "%s changed at timeoutSeconds only, the other user's edit kept", id)
	}
	assert.Equal(t, 4, srv.Counters().ActionPatches, "one PATCH (or publish) landed per action, the lost one confirmed by reading")
	lostSeen := false
	for _, r := range srv.Requests() {
		lostSeen = lostSeen || (r.Method == "PATCH" && r.Path == "/api/v2/integrations/actions/"+lost && r.Status == 500)
	}
	assert.True(t, lostSeen, "the PATCH whose answer was lost was sent")

	left := map[org.Reason]int{}
	for a, err := range mustAudit(t, context.Background(), c, &org.AuditOptions{Min: 5 * time.Second}) {
		require.NoError(t, err)
		for _, n := range a.Nodes {
			if n.Reason != "" {
				left[n.Reason]++
			}
		}
	}
	require.NotEmpty(t, left)
	got := slices.Sorted(maps.Keys(left))
	assert.Equal(t, []org.Reason{org.ReasonExpression, org.ReasonStaticAction}, got,
		"only expressions and the nodes of actions no raise can change are left")
	for _, id := range ids {
		assert.NotEqual(t, "client "+clienttest.DefaultClientID, srv.LockHolder(id), "%s locked by us", id)
	}
}
