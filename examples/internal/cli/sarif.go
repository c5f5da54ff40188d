package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/url"
	"path/filepath"
	"runtime/debug"

	"github.com/gcflow/timeouts/internal/safefile"
)

// SARIF 2.1.0, as code scanning (GitHub, GitLab) reads it: one run of one
// tool, a rule per finding kind, a result per finding with where it is.

// SARIFRule is one kind of finding the tool reports.
type SARIFRule struct {
	ID               string       `json:"id"`
	ShortDescription SARIFMessage `json:"shortDescription"`
	Help             SARIFMessage `json:"help"`
}

// SARIFMessage is a text.
type SARIFMessage struct {
	Text string `json:"text"`
}

// SARIFResult is one finding.
type SARIFResult struct {
	RuleID    string          `json:"ruleId"`
	Level     string          `json:"level"`
	Message   SARIFMessage    `json:"message"`
	Locations []SARIFLocation `json:"locations"`
	// PartialFingerprints tell one finding from another across runs
	// where the location's file cannot (see OrgLocation).
	PartialFingerprints map[string]string `json:"partialFingerprints,omitempty"`
	Properties          map[string]any    `json:"properties,omitempty"`
}

// SARIFLocation is where a finding is: a place in a file, or a named
// thing (a flow's node) where there is no file.
type SARIFLocation struct {
	Physical *SARIFPhysical `json:"physicalLocation,omitempty"`
	Logical  []SARIFLogical `json:"logicalLocations,omitempty"`
	Props    map[string]any `json:"properties,omitempty"`
}

// SARIFPhysical is a file and a place in it (1-based line and column,
// columns counted in Unicode code points).
type SARIFPhysical struct {
	Artifact struct {
		URI string `json:"uri"`
	} `json:"artifactLocation"`
	Region struct {
		StartLine   int `json:"startLine"`
		StartColumn int `json:"startColumn"`
	} `json:"region"`
}

// SARIFLogical names a thing: "<flow id>/<node id>", kind "member".
type SARIFLogical struct {
	FullyQualifiedName string         `json:"fullyQualifiedName"`
	Kind               string         `json:"kind"`
	Properties         map[string]any `json:"properties,omitempty"`
}

// NewPhysical is a location at line and column of the file at path, as the
// command line named it: its uri is that path as a URI reference (slashes,
// percent-encoded where a URI needs it: "my flows/a b.json" is
// "my%20flows/a%20b.json"), relative when the path is.
func NewPhysical(path string, line, column int) *SARIFPhysical {
	p := &SARIFPhysical{}
	p.Artifact.URI = FileURI(path)
	p.Region.StartLine, p.Region.StartColumn = line, column
	return p
}

// OrgLocation is where a finding of an organisation's flow is, for code
// scanning: GitHub refuses a whole SARIF file when one result has no
// physical location ("expected a physical location"), and a flow on the
// platform has no file. So the location is the flow as a path that names
// no file of the repository, "genesys-cloud/flows/<flow id>" at line 1 (as
// scanners of container images name an image), with the logical location
// "<flow id>[/<node id>]" the finding is about. A fingerprint computed
// from that path's content cannot tell findings apart, so each result
// gets its own, from the flow, the node and the finding kind: the same
// finding keeps its alert from run to run.
func OrgLocation(flowID, nodeID, kind string, logical SARIFLogical) ([]SARIFLocation, map[string]string) {
	p := &SARIFPhysical{}
	p.Artifact.URI = "genesys-cloud/flows/" + pathSegment(flowID)
	p.Region.StartLine, p.Region.StartColumn = 1, 1
	return []SARIFLocation{{Physical: p, Logical: []SARIFLogical{logical}}}, Fingerprint(flowID, nodeID, kind)
}

// pathSegment is a flow id as one segment of a URI path: the id as a file
// name would be (safefile.Name: percent-escaped, never "..", a separator
// or a control character), or, for an id a server should never send, its
// sha256. Code scanning decodes the uri and reads the file it names, if
// any, to fingerprint it: an id must not lead it out of its folder.
func pathSegment(id string) string {
	if name, err := safefile.Name(id); err == nil {
		return name
	}
	sum := sha256.Sum256([]byte(id))
	return "id-sha256-" + hex.EncodeToString(sum[:8])
}

// Fingerprint is a result's own partialFingerprints, from where it is (a
// flow id or a file's path), its node and its kind, in the form code
// scanning computes from a line ("<16 hex>:1"): the same finding, the
// same fingerprint, run after run. GitHub's upload keeps one that is
// there (and says so when it would have computed another).
func Fingerprint(where, nodeID, kind string) map[string]string {
	sum := sha256.Sum256([]byte(where + "\x00" + nodeID + "\x00" + kind))
	return map[string]string{"primaryLocationLineHash": hex.EncodeToString(sum[:8]) + ":1"}
}

// FileURI is a file path as a SARIF artifact uri: the path as named, as a
// URI reference (relative stays relative, absolute stays an absolute
// path), percent-encoded where a URI needs it.
func FileURI(path string) string {
	return (&url.URL{Path: filepath.ToSlash(path)}).String() // "./" before a first segment with a colon
}

// WriteSARIF writes a SARIF 2.1.0 log of one run of tool (its version from
// the build info), with rules and results, indented.
func WriteSARIF(w io.Writer, tool string, rules []SARIFRule, results []SARIFResult) error {
	version := "devel"
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		version = bi.Main.Version
	}
	if results == nil {
		results = []SARIFResult{}
	}
	type driver struct {
		Name           string      `json:"name"`
		Version        string      `json:"version"`
		InformationURI string      `json:"informationUri"`
		Rules          []SARIFRule `json:"rules"`
	}
	log := map[string]any{
		"$schema": "https://json.schemastore.org/sarif-2.1.0.json",
		"version": "2.1.0",
		"runs": []map[string]any{{
			"tool":       map[string]any{"driver": driver{Name: tool, Version: version, InformationURI: "https://github.com/gcflow/timeouts", Rules: rules}},
			"columnKind": "unicodeCodePoints",
			"results":    results,
		}},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(log)
}
