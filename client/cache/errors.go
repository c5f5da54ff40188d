package cache

import "errors"

// The package's sentinels, unexported: a caller meets them in a Get's or a
// Put's error, and errForeignFolder also through DirOptions.OnError.
var (
	// errNotMade: a zero Dir, not made by NewDirCache.
	errNotMade = errors.New("cache: a Dir is made by NewDirCache")
	// errForeignFolder: a folder the cache will not trust.
	errForeignFolder = errors.New("not used: entries there could be forged")
)
