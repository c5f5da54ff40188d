// Package cache keeps flow configurations on disk by version, so that a
// repeat audit, or the first, lock-free read of a repeat raise, reads from
// the platform only the versions it has not seen. Dir implements
// client.ConfigCache; the client makes the keys (see client.ConfigCache for
// why a version-keyed entry is never stale).
//
//	c, _ := cache.NewDirCache(filepath.Join(userCache, "gcflow-timeouts", "configurations"), nil)
//	opts := &org.AuditOptions{Selection: org.Selection{Cache: c}, Min: 5 * time.Second}
//
// The cache owns a subfolder per organisation and nothing else: a folder
// that holds other files keeps them, whatever the cache evicts. It trusts
// only folders of its own user that nobody else can write.
//
// A Dir is safe for concurrent use, and by several processes at once.
package cache
