package examples_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	orgpkg "github.com/gcflow/timeouts/client/org"
)

// TestBadInputCommands runs each command with bad input, as a user would,
// against fakeorg, and checks the exit code, the one line that says what was
// wrong, and, through the organisation's HTTP API, that nothing was written.
func TestBadInputCommands(t *testing.T) {
	processTest(t)
	o := startOrg(t, 0)
	// Backups to restore from: a flow of each type.
	backups := t.TempDir()
	r := o.run(t, nil, "raise", "-publish", "-flows", "demo-flow-01,demo-flow-06", "-backup-dir", backups)
	require.Equal(t, 0, r.code, r.stderr)
	copyFile := func(from, to string) {
		t.Helper()
		b, err := os.ReadFile(from)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(to, b, 0o644))
	}
	folder := func(files map[string]string) string { // name in the folder -> file in backups
		dir := t.TempDir()
		for name, from := range files {
			copyFile(filepath.Join(backups, from), filepath.Join(dir, name))
		}
		return dir
	}
	// demo-flow-01's backup under demo-flow-02's name, manifest and all.
	renamed := folder(map[string]string{"demo-flow-02.json": "demo-flow-01.json", "demo-flow-02.manifest.json": "demo-flow-01.manifest.json"})
	// demo-flow-01's backup under demo-flow-02's name, its manifest edited
	// to claim demo-flow-02 by id and name: the bytes still name their flow.
	disguised := folder(map[string]string{"demo-flow-02.json": "demo-flow-01.json"})
	m01, err := os.ReadFile(filepath.Join(backups, "demo-flow-01.manifest.json"))
	require.NoError(t, err)
	m02 := strings.Replace(strings.Replace(string(m01), "demo-flow-01", "demo-flow-02", 1), "Main IVR Inbound 1", "Billing Inbound 1", 1)
	require.NoError(t, os.WriteFile(filepath.Join(disguised, "demo-flow-02.manifest.json"), []byte(m02), 0o644))
	// demo-flow-01's backup with one byte changed.
	altered := folder(map[string]string{"demo-flow-01.json": "demo-flow-01.json", "demo-flow-01.manifest.json": "demo-flow-01.manifest.json"})
	b, err := os.ReadFile(filepath.Join(altered, "demo-flow-01.json"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(altered, "demo-flow-01.json"), []byte(strings.Replace(string(b), "Demo flow", "Demo flaw", 1)), 0o644))
	// demo-flow-01's backup without its manifest.
	bare := folder(map[string]string{"demo-flow-01.json": "demo-flow-01.json"})
	// demo-flow-06 (a workflow) put over demo-flow-01 (an inbound call
	// flow), its manifest edited to claim demo-flow-01.
	retyped := folder(map[string]string{"demo-flow-01.json": "demo-flow-06.json"})
	m, err := os.ReadFile(filepath.Join(backups, "demo-flow-06.manifest.json"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(retyped, "demo-flow-01.manifest.json"), []byte(strings.Replace(string(m), "demo-flow-06", "demo-flow-01", 1)), 0o644))

	// A backup folder whose backup is a symlink to a file elsewhere.
	linked := t.TempDir()
	require.NoError(t, os.Symlink(filepath.Join(backups, "demo-flow-01.json"), filepath.Join(linked, "demo-flow-01.json")))
	copyFile(filepath.Join(backups, "demo-flow-01.manifest.json"), filepath.Join(linked, "demo-flow-01.manifest.json"))
	// A -log path with a symlink planted at it, to a file that must stay
	// as it is.
	victim := filepath.Join(t.TempDir(), "victim.txt")
	require.NoError(t, os.WriteFile(victim, []byte("precious"), 0o644))
	plantedLog := filepath.Join(t.TempDir(), "run.log")
	require.NoError(t, os.Symlink(victim, plantedLog))
	// The right secret, in a file every user of the machine can read.
	worldReadable := filepath.Join(t.TempDir(), "secret")
	for _, kv := range o.env {
		if v, ok := strings.CutPrefix(kv, "GENESYS_CLOUD_CLIENT_SECRET="); ok {
			require.NoError(t, os.WriteFile(worldReadable, []byte(v+"\n"), 0o644))
			require.NoError(t, os.Chmod(worldReadable, 0o644))
		}
	}

	// Plan files: a good one, then one of another organisation, of another
	// format, one that is not JSON, and one that is not there.
	goodPlan := filepath.Join(t.TempDir(), "plan.json")
	r = o.run(t, nil, "raise", "-out", goodPlan, "-no-cache")
	require.Equal(t, 0, r.code, r.stderr)
	plan := readPlan(t, goodPlan)
	otherOrg := writePlanFile(t, plan, func(p *orgpkg.Plan) { p.Organization = "ffffffffffffffff" })
	otherFormat := writePlanFile(t, plan, func(p *orgpkg.Plan) { p.Format = "gcflow-timeouts/plan/v2" })
	notJSON := filepath.Join(t.TempDir(), "plan.json")
	require.NoError(t, os.WriteFile(notJSON, []byte("flows: all\n"), 0o600))
	missingPlan := filepath.Join(t.TempDir(), "nope.json")

	before := o.state(t)
	versions := o.versionsByUs(t)
	// The three demo actions that -actions raises.
	raisable := []string{"custom_-_0a1b2c3d-0001-4000-8000-000000000001", "custom_-_0a1b2c3d-0002-4000-8000-000000000002", "custom_-_0a1b2c3d-0011-4000-8000-000000000011"}
	actionsBefore := actionVersions(t, o, raisable...)
	noBackups := filepath.Join(t.TempDir(), "never-made")
	for _, c := range []struct {
		name    string
		env     []string
		command string
		args    []string
		code    int
		says    string
	}{
		{"an empty -flows", nil, "raise", []string{"-apply", "-flows", ","}, 2, `raise: -flows ",": no flow id in the list`},
		{"an empty TARGET_FLOW_IDS", []string{"TARGET_FLOW_IDS= , "}, "raise", []string{"-apply"}, 2, `raise: TARGET_FLOW_IDS " , ": no flow id in the list`},
		{"a flow that does not exist", nil, "raise", []string{"-apply", "-flows", "does-not-exist"}, 1, "raise: client: not found: flow does-not-exist does not exist, or this OAuth client cannot see it; nothing was written\n"},
		{"flows that exist beside one that does not", nil, "raise", []string{"-apply", "-flows", "demo-flow-07,demo-flow-12,no-such-flow", "-backup-dir", noBackups}, 1,
			"raise: client: not found: flow no-such-flow does not exist, or this OAuth client cannot see it; nothing was written\n"},
		{"an audit gate that selects no flow by name", nil, "audit", []string{"-check", "-name", "nomatch"}, 3, "audit: org: no flow matched the selection (name \"nomatch\")\n"},
		{"an audit gate that selects no flow by type", nil, "audit", []string{"-check", "-type", "voicemail"}, 3, "audit: org: no flow matched the selection (types voicemail)\n"},
		{"a raise that selects no flow", nil, "raise", []string{"-publish", "-name", "nomatch", "-backup-dir", noBackups}, 1, "raise: org: no flow matched the selection (name \"nomatch\")\n"},
		{"-cache with -demo", nil, "audit", []string{"-demo", "-cache", noBackups}, 2, "audit: -cache " + noBackups + " and -demo: the demo organisation lives only for the run, and uses no cache folder"},
		{"an empty -type (an unset variable)", nil, "raise", []string{"-publish", "-type", "", "-backup-dir", noBackups}, 2, `raise: -type "": empty; leave it out to select every type`},
		{"an empty -name", nil, "audit", []string{"-check", "-name", " "}, 2, `audit: -name " ": empty; leave it out to select every flow`},
		{"an empty -name to raise", nil, "raise", []string{"-publish", "-name", "", "-backup-dir", noBackups}, 2, `raise: -name "": empty; leave it out to select every flow`},
		{"an unknown -type", nil, "raise", []string{"-type", "nosuchtype"}, 2, "raise: -type nosuchtype: unknown flow type; known types: bot, commonmodule,"},
		{"-min below a millisecond's step", nil, "raise", []string{"-min", "1500us"}, 2, "raise: -min 1500us: not a whole number of milliseconds"},
		{"-min zero", nil, "raise", []string{"-min", "0s"}, 2, "raise: -min 0s: must be above zero"},
		{"-min negative", nil, "raise", []string{"-min", "-1s"}, 2, "raise: -min -1s: must be above zero"},
		{"-min above 60 s", nil, "raise", []string{"-min", "61s"}, 2, "raise: -min 61s: above 1m0s, the longest any data action waits"},
		{"-min not a duration", nil, "raise", []string{"-min", "soon"}, 2, `raise: invalid value "soon" for flag -min: not a duration such as 5s or 1500ms`},
		{"TARGET_TIMEOUT_MS not a number", []string{"TARGET_TIMEOUT_MS=5s"}, "raise", nil, 2, `raise: TARGET_TIMEOUT_MS="5s": not a whole number of milliseconds`},
		{"TARGET_TIMEOUT_MS zero", []string{"TARGET_TIMEOUT_MS=0"}, "raise", nil, 2, `raise: TARGET_TIMEOUT_MS="0": must be above zero`},
		{"an unknown flag", nil, "raise", []string{"-publsh"}, 2, "raise: flag provided but not defined: -publsh"},
		{"an argument that is not a flag", nil, "raise", []string{"demo-flow-01"}, 2, `raise: unexpected argument "demo-flow-01"`},
		{"-below zero", nil, "audit", []string{"-below", "0s"}, 2, "audit: -below 0s: must be above zero"},
		{"-below not whole milliseconds", nil, "audit", []string{"-below", "2.0005s"}, 2, "audit: -below 2.0005s: not a whole number of milliseconds"},
		{"-below above 60 s", nil, "audit", []string{"-below", "2m"}, 2, "audit: -below 2m: above 1m0s"},
		{"an unknown audit -type", nil, "audit", []string{"-type", "inboundcall,ivr"}, 2, "audit: -type ivr: unknown flow type"},
		{"an unknown -format", nil, "audit", []string{"-format", "xml"}, 2, "audit: -format xml: not one of text, json, csv, junit and sarif"},
		{"fileaudit -min zero", nil, "fileaudit", []string{"-min", "0ms", "x.json"}, 2, "fileaudit: -min 0ms: must be above zero"},
		{"a wrong secret", []string{"GENESYS_CLOUD_CLIENT_SECRET=wrong"}, "raise", []string{"-publish", "-backup-dir", noBackups}, 1,
			"(check GENESYS_CLOUD_CLIENT_ID, GENESYS_CLOUD_CLIENT_SECRET and GENESYS_CLOUD_API_URL (set, so it replaces GENESYS_CLOUD_REGION))"},
		{"a backup under another flow's name", nil, "restore", []string{"-dir", renamed, "-publish"}, 1,
			"restore: refused: " + filepath.Join(renamed, "demo-flow-02.json") + " holds flow demo-flow-01 (Main IVR Inbound 1), not flow demo-flow-02 (Billing Inbound 1) (-force restores it anyway)"},
		{"a backup whose manifest was edited to name another flow", nil, "restore", []string{"-dir", disguised, "-publish"}, 1,
			"restore: refused: " + filepath.Join(disguised, "demo-flow-02.json") + `: the configuration names itself "Main IVR Inbound 1", but flow demo-flow-02 is named "Billing Inbound 1" (-force restores it anyway)`},
		{"restore -flows naming a flow the folder has no backup of", nil, "restore", []string{"-dir", backups, "-flows", "demo-flow-01,demo-flow-02", "-publish"}, 2,
			`restore: -flows demo-flow-01,demo-flow-02: no backup of flow "demo-flow-02" in the folder`},
		{"restore -flows without -dir", nil, "restore", []string{"-file", filepath.Join(backups, "demo-flow-01.json"), "-flows", "demo-flow-01"}, 2,
			"restore: -flows chooses among the backups of a folder: give -dir"},
		{"a backup whose bytes changed", nil, "restore", []string{"-dir", altered, "-publish"}, 1, "demo-flow-01.json: its bytes are not the ones backed up"},
		{"a backup without a manifest", nil, "restore", []string{"-dir", bare, "-publish"}, 1, "demo-flow-01.json has no manifest (demo-flow-01.manifest.json)"},
		{"a backup of another type", nil, "restore", []string{"-dir", retyped, "-publish"}, 1, "holds a workflow flow, but flow demo-flow-01 (Main IVR Inbound 1) is a inboundcall flow"},
		{"-actions with -min above 60 s", nil, "raise", []string{"-actions", "-publish", "-min", "61s"}, 2, "raise: -min 61s: above 1m0s"},
		{"-actions with a flow that does not exist", nil, "raise", []string{"-actions", "-publish", "-flows", "does-not-exist", "-backup-dir", noBackups}, 1, "flow does-not-exist does not exist"},
		{"-actions with a wrong secret", []string{"GENESYS_CLOUD_CLIENT_SECRET=wrong"}, "raise", []string{"-actions", "-publish", "-backup-dir", noBackups}, 1, "(check GENESYS_CLOUD_CLIENT_ID"},
		{"a plan file that is not there", nil, "raise", []string{"-plan", missingPlan, "-publish", "-backup-dir", noBackups}, 1, "raise: -plan: "},
		{"a plan file that is not JSON", nil, "raise", []string{"-plan", notJSON, "-publish", "-backup-dir", noBackups}, 1, "org: invalid plan: not a plan: invalid character"},
		{"a plan of another format", nil, "raise", []string{"-plan", otherFormat, "-publish", "-backup-dir", noBackups}, 1, `org: invalid plan: format "gcflow-timeouts/plan/v2", not "gcflow-timeouts/plan/v1"`},
		{"a plan of another organisation", nil, "raise", []string{"-plan", otherOrg, "-publish", "-backup-dir", noBackups}, 1, "raise: org: the plan belongs to another organisation: it was made for organization ffffffffffffffff"},
		{"-out with -apply", nil, "raise", []string{"-out", goodPlan, "-apply"}, 2, "raise: -out " + goodPlan + ": a plan is made by a dry run, not with -apply or -publish"},
		{"-plan with -min", nil, "raise", []string{"-plan", goodPlan, "-min", "6s", "-publish"}, 2, "raise: -plan " + goodPlan + " and -min: the plan holds its own flows, actions and target"},
		{"-plan with -out", nil, "raise", []string{"-plan", goodPlan, "-out", goodPlan}, 2, "raise: -out and -plan: -out writes a plan, -plan applies one; choose one"},
		{"an unknown audit -by", nil, "audit", []string{"-by", "flow"}, 2, "audit: -by flow: not node or action"},
		{"nothing to raise makes no backup folder", nil, "raise", []string{"-publish", "-flows", "demo-flow-01", "-backup-dir", noBackups}, 0, ""},
		{"-cache and -no-cache", nil, "audit", []string{"-cache", noBackups, "-no-cache"}, 2, "audit: -cache " + noBackups + " and -no-cache: choose one"},
		{"an empty -cache", nil, "raise", []string{"-cache", " "}, 2, "raise: -cache: needs a folder"},
		{"probe without -sandbox", nil, "probe", nil, 2, "probe: -sandbox is required: the probe creates one scratch workflow"},
		{"probe with a data action that does not exist", nil, "probe", []string{"-sandbox", "-action", "nope"}, 1, "probe: data action nope: client: GET /api/v2/integrations/actions/nope: 404 Not Found"},
		{"a cache folder that cannot be made", nil, "audit", []string{"-below", "5s", "-cache", "/dev/null/cache"}, 0, "audit: warning: configuration cache /dev/null/cache: "},
		{"a backup that is a symlink", nil, "restore", []string{"-dir", linked, "-publish"}, 1, "demo-flow-01.json is a symbolic link, not a regular file"},
		{"a -log path that is a symlink", nil, "raise", []string{"-publish", "-log", plantedLog, "-backup-dir", noBackups}, 1, "run.log is a symbolic link, not a regular file"},
		{"a secret file every user can read", []string{"GENESYS_CLOUD_CLIENT_SECRET=", "GENESYS_CLOUD_CLIENT_SECRET_FILE=" + worldReadable}, "audit", nil, 1,
			" (GENESYS_CLOUD_CLIENT_SECRET_FILE) can be read by every user of this machine (mode -rw-r--r--)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := o.run(t, c.env, c.command, c.args...)
			assert.Equal(t, c.code, r.code, "stdout: %s\nstderr: %s", r.stdout, r.stderr)
			assert.Contains(t, r.stderr, c.says)
			if c.code == 2 {
				assert.Equal(t, 1, strings.Count(r.stderr, "\n"), "a usage error is one line: %q", r.stderr)
			}
			assert.Equal(t, before, o.state(t), "nothing written")
			assert.NoDirExists(t, noBackups, "no empty backup folder")
		})
	}
	assert.Equal(t, versions, o.versionsByUs(t), "no version made by the bad runs")
	b, err = os.ReadFile(victim)
	require.NoError(t, err)
	assert.Equal(t, "precious", string(b), "nothing written through the planted link")
	assert.Equal(t, actionsBefore, actionVersions(t, o, raisable...), "no action changed by the bad runs")

	// Every id is resolved before the first write: a flow that does not
	// exist stops the run before the ones that do are touched.
	r = o.run(t, nil, "raise", "-publish", "-flows", "does-not-exist,demo-flow-02", "-backup-dir", noBackups)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "flow does-not-exist does not exist")
	assert.Empty(t, r.stdout)
	assert.Equal(t, before, o.state(t), "nothing written")
	assert.NoDirExists(t, noBackups, "no backup")
	// And -force restores what the checks refuse.
	r = o.run(t, nil, "restore", "-dir", renamed, "-publish", "-force")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "restoring anyway (-force)")
}
