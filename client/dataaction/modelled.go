package dataaction

// Everything in this file is a (modelled) part of the Genesys Cloud API:
// our best model of what no first-party source confirms, kept here so a
// user with a live organisation can correct it in one edit. Package probe
// settles what it can on a sandbox.

const (
	// customAuthCategory is the category that marks a custom
	// authentication action, which has no timeout to change. (modelled: no
	// first-party source showed how to tell one)
	customAuthCategory = "Custom Authentication"

	// functionCategoryMark is what the category of a function data action
	// holds, lower case, with "_" and "-" read as spaces: the Terraform
	// provider's test (containsFunctionDataAction). (modelled: the action
	// body has no other mark; the probe's function-route row checks it)
	functionCategoryMark = "function data action"

	// The draft path of a function action (modelled, beyond the SDK's
	// routes): a new draft has the published version and a PUT of its
	// function leaves that version as it is, so the draft is published
	// with the version POST .../draft answered; a second draft is 409.

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
