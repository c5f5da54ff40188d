package client

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/gcflow/timeouts/flow"
)

// FlowTypes returns the flow types the platform knows, lower case, as the
// type filter of GET /api/v2/flows takes them.
//
// Deprecated: use flow.Types, the same list, which code that reads flow
// documents without the client (a policy file, fileaudit) can use too.
func FlowTypes() []string { return flow.Types() }

// Ref names an entity: a user, an OAuth client, a division.
type Ref struct {
	ID      string `json:"id,omitempty"`
	Name    string `json:"name,omitempty"`
	SelfURI string `json:"selfUri,omitempty"`
}

// Flow is an Architect flow as GET /api/v2/flows/{flowId} describes it.
type Flow struct {
	ID               string       `json:"id"`
	Name             string       `json:"name,omitempty"`
	Description      string       `json:"description,omitempty"`
	Type             string       `json:"type,omitempty"` // upper case: INBOUNDCALL, WORKFLOW, ...
	Division         *Ref         `json:"division,omitempty"`
	Active           bool         `json:"active,omitempty"`
	System           bool         `json:"system,omitempty"`
	Deleted          bool         `json:"deleted,omitempty"`
	LockedUser       *Ref         `json:"lockedUser,omitempty"`
	LockedClient     *Ref         `json:"lockedClient,omitempty"`
	PublishedVersion *FlowVersion `json:"publishedVersion,omitempty"`
	CheckedInVersion *FlowVersion `json:"checkedInVersion,omitempty"`
	SavedVersion     *FlowVersion `json:"savedVersion,omitempty"`
	DebugVersion     *FlowVersion `json:"debugVersion,omitempty"`
	CurrentOperation *Operation   `json:"currentOperation,omitempty"`
	SelfURI          string       `json:"selfUri,omitempty"`
}

// LockHolder describes who holds the lock ("user Jane Doe", "client
// Nightly export (id)"), or "" when nobody does.
func (f *Flow) LockHolder() string {
	describe := func(kind string, r *Ref) string {
		switch {
		case r.Name != "" && r.ID != "":
			return kind + " " + r.Name + " (" + r.ID + ")"
		case r.Name != "":
			return kind + " " + r.Name
		default:
			return kind + " " + r.ID
		}
	}
	switch {
	case f.LockedUser != nil:
		return describe("user", f.LockedUser)
	case f.LockedClient != nil:
		return describe("OAuth client", f.LockedClient)
	}
	return ""
}

// HasDraft reports whether the flow has a saved or checked-in version newer
// than its published one: publishing it now would also publish that work.
func (f *Flow) HasDraft() bool {
	for _, v := range []*FlowVersion{f.SavedVersion, f.CheckedInVersion} {
		if v != nil && v.newerThan(f.PublishedVersion) {
			return true
		}
	}
	return false
}

// LatestVersion is the version the latest configuration is: the newest of
// the saved, checked-in and published versions (on a tie, in that order);
// nil when none is named.
func (f *Flow) LatestVersion() *FlowVersion {
	var latest *FlowVersion
	for _, v := range []*FlowVersion{f.SavedVersion, f.CheckedInVersion, f.PublishedVersion} {
		if v != nil && v.newerThan(latest) {
			latest = v
		}
	}
	return latest
}

// FlowVersion is one version of a flow.
type FlowVersion struct {
	ID                   string `json:"id"`
	Name                 string `json:"name,omitempty"`
	CommitVersion        string `json:"commitVersion,omitempty"`
	ConfigurationVersion string `json:"configurationVersion,omitempty"`
	Type                 string `json:"type,omitempty"` // PUBLISH, CHECKIN or SAVE
	Secure               bool   `json:"secure,omitempty"`
	Debug                bool   `json:"debug,omitempty"`
	CreatedBy            *Ref   `json:"createdBy,omitempty"`
	CreatedByClient      *Ref   `json:"createdByClient,omitempty"`
	ConfigurationURI     string `json:"configurationUri,omitempty"`
	DateCreated          int64  `json:"dateCreated,omitempty"` // epoch milliseconds
	GenerationID         string `json:"generationId,omitempty"`
	PublishResultURI     string `json:"publishResultUri,omitempty"`
	SelfURI              string `json:"selfUri,omitempty"`
}

// newerThan compares version ids numerically ("10.0" after "9.0"), and
// creation times where the ids do not parse.
func (v *FlowVersion) newerThan(o *FlowVersion) bool {
	if o == nil {
		return true
	}
	a, errA := strconv.ParseFloat(strings.TrimSpace(v.ID), 64)
	b, errB := strconv.ParseFloat(strings.TrimSpace(o.ID), 64)
	if errA == nil && errB == nil {
		return a > b
	}
	if v.ID == o.ID {
		return false
	}
	return v.DateCreated > o.DateCreated
}

// Operation is an asynchronous action on a flow (check-in, publish, ...).
type Operation struct {
	ID           string          `json:"id"`
	Complete     bool            `json:"complete"`
	User         *Ref            `json:"user,omitempty"`
	Client       *Ref            `json:"client,omitempty"`
	ErrorMessage string          `json:"errorMessage,omitempty"`
	ErrorCode    string          `json:"errorCode,omitempty"`
	ErrorDetails json.RawMessage `json:"errorDetails,omitempty"`
	ActionName   string          `json:"actionName,omitempty"`   // CHECKIN, PUBLISH, ...
	ActionStatus string          `json:"actionStatus,omitempty"` // STARTED, SUCCESS, FAILURE, ...
}

// page is the listing envelope.
type page[T any] struct {
	Entities   []T    `json:"entities"`
	PageSize   int    `json:"pageSize"`
	PageNumber int    `json:"pageNumber"`
	Total      int    `json:"total"`
	PageCount  int    `json:"pageCount"`
	NextURI    string `json:"nextUri,omitempty"`
}
