//go:build !unix

package cache

import "io/fs"

// ownedByMe cannot tell an owner here; the mode check still applies.
func ownedByMe(fs.FileInfo) bool { return true }
