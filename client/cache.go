package client

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/url"
	"strconv"
	"strings"

	"github.com/gcflow/timeouts/flow"
)

// ConfigCache holds flow configurations by key, so that a repeat audit (or
// the first, lock-free read of a repeat raise) reads from the platform only
// the versions it has not seen. cache.Dir (package client/cache) is the one
// this module provides; a service may back the interface with Redis or S3.
//
// Keys are made by the Client (see the keys section below). A key begins
// with the organisation's scope, 16 hex digits, and a slash: entries of two
// organisations never share a key. Values are the configuration's exact
// bytes.
//
// The Client treats a Get error as a miss and ignores a Put error: a cache
// can only save requests, never fail an audit. An implementation reports its
// own errors (cache.Dir has DirOptions.OnError). Get's result is the
// caller's to keep; Put must neither modify config nor keep it after
// returning. Both are called from several goroutines at once.
//
// # Keys, and why a cached configuration is never stale
//
// A flow version's configuration never changes once written: a new save,
// check-in or publish is a new version. The key is the flow id, the version
// id, and everything the flow's listing says about that version that would
// differ if the version were re-created under the same id: dateCreated,
// generationId and configurationVersion. A saved draft re-saved under the
// same version id (the fake organisation models this) differs in dateCreated
// and generationId, so it is a new key. A version is cached only when the
// listing gives its dateCreated or its generationId.
//
// A cached read asks for that version by id
// (/versions/{versionId}/configuration), never for "the latest": the bytes
// stored under a key are always that key's version, even if a new version
// is saved between the listing and the read.
//
// What would make it unsafe: a platform that rewrote a version's
// configuration in place while keeping its id, dateCreated, generationId and
// configurationVersion. No public source shows Genesys Cloud doing so; the
// probe (issue "live conformance probe") is where to confirm it.
type ConfigCache interface {
	// Get returns the configuration stored under key; ok is false on a
	// miss.
	Get(ctx context.Context, key string) (config []byte, ok bool, err error)
	// Put stores config under key.
	Put(ctx context.Context, key string, config []byte) error
}

// cacheScope keeps organisations apart in a shared cache: the API host and
// the OAuth client id (one OAuth client belongs to one organisation),
// hashed so that neither is written out.
func (c *Client) cacheScope() string {
	sum := sha256.Sum256([]byte(c.ep.api.String() + "\n" + c.cfg.ClientID))
	return hex.EncodeToString(sum[:8])
}

// configKey is the cache key of version v of flow flowID, ok false when the
// listing says too little to tell a re-created version apart.
func (c *Client) configKey(flowID string, v *FlowVersion) (string, bool) {
	if v == nil || v.ID == "" || (v.DateCreated == 0 && v.GenerationID == "") {
		return "", false
	}
	parts := []string{c.cacheScope(), flowID, v.ID, strconv.FormatInt(v.DateCreated, 10), v.GenerationID, v.ConfigurationVersion}
	for i := 1; i < len(parts); i++ {
		parts[i] = url.PathEscape(parts[i])
	}
	return strings.Join(parts, "/"), true
}

// cachedConfiguration reads version v of flow flowID through cache: a hit
// that parses costs no request; a miss is read by version id and stored once
// it parses. fromCache says which. errNoKey when v cannot be cached.
func (c *Client) cachedConfiguration(ctx context.Context, cache ConfigCache, flowID string, v *FlowVersion) (doc *flow.Document, fromCache bool, err error) {
	key, ok := c.configKey(flowID, v)
	if !ok {
		return nil, false, errNoKey
	}
	if b, hit, gerr := cache.Get(ctx, key); gerr == nil && hit {
		if doc, perr := c.parseConfiguration(key, b); perr == nil {
			return doc, true, nil
		}
	}
	if doc, err = c.document(ctx, configurationPath(flowID, v.ID)); err != nil {
		return nil, false, err
	}
	_ = cache.Put(ctx, key, doc.Bytes()) // a cache saves requests; it never fails a read
	return doc, false, nil
}

// configurationOf reads the configuration of version v of flow f: through
// cache when there is one and v can be cached, else from the version's route
// (latest false) or the latest configuration's (latest true). A saved
// version the version route does not serve falls back to the latest route,
// uncached.
func (c *Client) configurationOf(ctx context.Context, cache ConfigCache, f *Flow, v *FlowVersion, latest bool) (*flow.Document, bool, error) {
	if cache != nil {
		doc, hit, err := c.cachedConfiguration(ctx, cache, f.ID, v)
		switch {
		case err == nil:
			return doc, hit, nil
		case !errors.Is(err, errNoKey) && !(latest && errors.Is(err, ErrNotFound)):
			return nil, false, err
		}
	}
	if latest || v == nil {
		doc, err := c.LatestConfiguration(ctx, f.ID)
		return doc, false, err
	}
	doc, err := c.Configuration(ctx, f.ID, v.ID)
	return doc, false, err
}

// ConfigurationOf reads the configuration of f's published version, or of
// its latest version with latest (a flow never published is read at its
// latest either way), through cache when it is not nil (see ConfigCache: a
// version is asked for by id, and a hit costs no request). It returns the
// document, the version read ("" when the flow names none) and whether the
// cache served it. f is the flow as a listing or Flow gave it: its version
// fields are the cache key.
func (c *Client) ConfigurationOf(ctx context.Context, f *Flow, latest bool, cache ConfigCache) (doc *flow.Document, version string, fromCache bool, err error) {
	latest = latest || f.PublishedVersion == nil
	v := f.PublishedVersion
	if latest {
		v = f.LatestVersion()
	}
	if v != nil {
		version = v.ID
	}
	doc, fromCache, err = c.configurationOf(ctx, cache, f, v, latest)
	return doc, version, fromCache, err
}
