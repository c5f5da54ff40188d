package dataaction

// Everything in this file is a (modelled) part of the Genesys Cloud API:
// our best model of what no first-party source confirms, kept here so a
// user with a live organisation can correct it in one edit. Package probe
// settles what it can on a sandbox.

const (
	// customAuthCategory is the category that marks a custom
	// authentication action, which has no timeout to change. (modelled: no
	// first-party source showed how to tell one; a function action is told
	// by its "function" object, also modelled.)
	customAuthCategory = "Custom Authentication"

	// maxPageSize is the largest pageSize the action listing takes.
	// (modelled: 25 is the documented default; 100 is our best model of the
	// largest)
	maxPageSize = 100

	// dependencyIndexOperational is the build status of a complete
	// dependency index; any other (OPERATIONALNEEDSREBUILD,
	// BUILDINITIALIZING, BUILDINPROGRESS, NOTBUILT: the SDK's enum) means
	// its answers may be partial.
	dependencyIndexOperational = "OPERATIONAL"
)
