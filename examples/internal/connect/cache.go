package connect

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/gcflow/timeouts/client/cache"
	"github.com/gcflow/timeouts/examples/internal/cli"
)

// CacheFlags are a command's -cache and -no-cache flags.
type CacheFlags struct {
	dir string
	off bool
}

// AddCacheFlags defines -cache and -no-cache on fs.
func AddCacheFlags(fs *flag.FlagSet) *CacheFlags {
	f := &CacheFlags{}
	fs.StringVar(&f.dir, "cache", "", "keep the configurations read in this folder, so that a repeat run reads only the versions it has not seen (default: "+DefaultCacheDir()+"; not with -demo)")
	fs.BoolVar(&f.off, "no-cache", false, "read every configuration from the organisation; use no cache folder")
	return f
}

// DefaultCacheDir is where the commands keep configurations unless -cache
// says otherwise: "gcflow-timeouts/configurations" under the user's cache
// folder (os.UserCacheDir), or "" when the user has none.
func DefaultCacheDir() string {
	base, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(base, "gcflow-timeouts", "configurations")
}

// DemoBackupDir is where raise -demo writes its backups:
// "gcflow-timeouts/demo-backups/<stamp>" under the user's cache folder, or ""
// when the user has none. Not a shared folder such as /tmp, where another
// user could have made the folder first.
func DemoBackupDir(stamp string) string {
	base, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(base, "gcflow-timeouts", "demo-backups", stamp)
}

// Check reports a usage error: -cache and -no-cache together, an empty
// -cache, or -cache with -demo (the demo organisation lives only for the
// run: its configurations have no place in a cache folder).
func (f *CacheFlags) Check(fs *flag.FlagSet, demo bool) error {
	given := false
	fs.Visit(func(fl *flag.Flag) { given = given || fl.Name == "cache" })
	switch {
	case given && demo:
		return fmt.Errorf("-cache %s and -demo: the demo organisation lives only for the run, and uses no cache folder", cli.Cut(f.dir))
	case given && f.off:
		return fmt.Errorf("-cache %s and -no-cache: choose one", cli.Cut(f.dir))
	case given && strings.TrimSpace(f.dir) == "":
		return fmt.Errorf("-cache: needs a folder")
	}
	return nil
}

// Open returns the cache the flags choose, or nil for none: -no-cache;
// -demo (the demo organisation lives only for the run: Check refuses
// -cache with it); or no user cache folder (one warning). A folder that turns out not to be
// writable warns once, and the run goes on without it.
func (f *CacheFlags) Open(name string, demo bool, stderr io.Writer) *cache.Dir {
	dir := f.dir
	switch {
	case f.off || demo:
		return nil
	case dir == "":
		if dir = DefaultCacheDir(); dir == "" {
			fmt.Fprintf(stderr, "%s: warning: no user cache folder ($HOME or $XDG_CACHE_HOME unset): every configuration is read; -cache DIR names one\n", name)
			return nil
		}
	}
	c, err := cache.NewDirCache(dir, &cache.DirOptions{OnError: func(err error) {
		fmt.Fprintf(stderr, "%s: warning: %v; going on without the cache (-cache DIR names another folder, -no-cache stops this warning)\n", name, err)
	}})
	if err != nil { // an empty -cache is a usage error before this
		fmt.Fprintf(stderr, "%s: warning: %v; every configuration is read\n", name, err)
		return nil
	}
	return c
}

// CacheReport writes, on stderr, how many configurations came from the
// cache and how many were read: nothing when there was no cache.
func CacheReport(stderr io.Writer, name string, c *cache.Dir, hits, total int) {
	if c == nil {
		return
	}
	fmt.Fprintf(stderr, "%s: configurations: %d from the cache, %d read (cache %s)\n", name, hits, total-hits, c.Path())
}
