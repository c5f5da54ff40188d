package dataaction

import "errors"

// Sentinels for callers to branch on with errors.Is.
var (
	// ErrStatic: a built-in action (its id starts with "static"), which the
	// API does not let anybody change.
	ErrStatic = errors.New("dataaction: built-in (static) action")
	// ErrDraftPending: the action has an unpublished draft, somebody's
	// work in progress; a function action's timeout, which changes only
	// through a draft, is left as it is.
	ErrDraftPending = errors.New("dataaction: the action has an unpublished draft")
	// ErrCustomAuth: a custom authentication action, which has no timeout of
	// its own ("invalid for Custom Authentication Actions").
	ErrCustomAuth = errors.New("dataaction: custom authentication action")
	// ErrTargetTooLong: a timeout above flow.MaxDataActionTimeout: no data
	// action waits that long, so raising to it cannot help.
	ErrTargetTooLong = errors.New("dataaction: target above what any data action waits")
	// ErrMoved: SetOptions.Expect named the timeout the action should
	// have, and it has another: somebody changed it since. Nothing was
	// written.
	ErrMoved = errors.New("dataaction: the action's timeout changed since")
)
