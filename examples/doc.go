// Package examples holds the module's commands, each a thin main package
// over the public API, with the flags, output and exit codes they share in
// examples/internal/cli and the way to an organisation in
// examples/internal/connect:
//
//   - audit: every Data Action of every flow, with what it really waits;
//   - raise: raise the timeouts below a minimum, dry run first;
//   - restore: put backed-up originals back, checked against their manifests;
//   - probe: settle the modelled behaviours on a sandbox organisation, with
//     one scratch flow it deletes;
//   - fakeorg: serve the demo organisation of client/clienttest on a
//     loopback port, for trying the others without credentials;
//   - fileaudit: the Data Actions of flow documents on disk.
//
// This package itself holds no code: its tests build the commands and run
// them as users do, as separate processes against fakeorg, two at once,
// interrupted by signals and by kill -9, and read the organisation's state
// back through its HTTP API.
package examples
