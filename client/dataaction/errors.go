package dataaction

import "errors"

// Sentinels for callers to branch on with errors.Is.
var (
	// ErrStatic: a built-in action (its id starts with "static"), which the
	// API does not let anybody change.
	ErrStatic = errors.New("dataaction: built-in (static) action")
	// ErrFunction: a function data action, whose limit is its own
	// function.timeoutSeconds, 1 to 15 s, changed with the function.
	ErrFunction = errors.New("dataaction: function data action")
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
