package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gcflow/timeouts/client/org"
	"github.com/gcflow/timeouts/examples/internal/cli"
)

// ActionRow is one integration action, as -by action writes it: its own
// timeout, the nodes that rely on it, and how many of them wait less than
// -below.
type ActionRow struct {
	ActionID        string `json:"actionId"`
	ActionName      string `json:"actionName,omitempty"`
	ActionTimeoutMS *int64 `json:"actionTimeoutMs"` // null: unknown (cannot be read, or says none)
	Nodes           int    `json:"nodes"`
	Suggested       int    `json:"suggested"` // of them, those that use its suggested timeout
	Flows           int    `json:"flows"`
	Below           int    `json:"below"` // of them, those with a reason (-below)
	// Reasons counts the nodes below by reason.
	Reasons map[string]int `json:"reasons,omitempty"`
}

// actionRows gathers ActionRows from an audit's nodes.
type actionRows struct {
	m     map[string]*ActionRow
	flows map[string]map[string]bool
}

func newActionRows() *actionRows {
	return &actionRows{m: map[string]*ActionRow{}, flows: map[string]map[string]bool{}}
}

func (a *actionRows) add(fa org.FlowAudit, n org.NodeAudit) {
	id := n.ActionID
	if id == "" {
		id = "(none)" // the tutorial shape's HTTP nodes, or a node that names no action
	}
	r := a.m[id]
	if r == nil {
		r = &ActionRow{ActionID: id, Reasons: map[string]int{}}
		a.m[id] = r
		a.flows[id] = map[string]bool{}
	}
	if r.ActionName == "" {
		r.ActionName = n.ActionName
	}
	if n.ActionTimeout > 0 {
		r.ActionTimeoutMS = ms(n.ActionTimeout, true)
	}
	r.Nodes++
	if n.UseSuggested {
		r.Suggested++
	}
	a.flows[id][fa.Flow.ID] = true
	if n.Reason != "" {
		r.Below++
		r.Reasons[string(n.Reason)]++
	}
}

// rows are the actions, those with the most nodes below first.
func (a *actionRows) rows() []ActionRow {
	out := make([]ActionRow, 0, len(a.m))
	for id, r := range a.m {
		r.Flows = len(a.flows[id])
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Below != out[j].Below {
			return out[i].Below > out[j].Below
		}
		return out[i].ActionID < out[j].ActionID
	})
	return out
}

// write writes one row per action; nodes is unused (the per-node findings
// still decide -check).
func (a *actionRows) write(w io.Writer, format string, _ []Row, below time.Duration, _ bool) error {
	rows := a.rows()
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	case "csv":
		cw := csv.NewWriter(w)
		_ = cw.Write([]string{"action_id", "action_name", "action_timeout_ms", "nodes", "suggested", "flows", "below", "reasons"})
		for _, r := range rows {
			_ = cw.Write(cli.CSVRow(r.ActionID, r.ActionName, num(r.ActionTimeoutMS), strconv.Itoa(r.Nodes), strconv.Itoa(r.Suggested),
				strconv.Itoa(r.Flows), strconv.Itoa(r.Below), reasonList(r.Reasons, " ")))
		}
		cw.Flush()
		return cw.Error()
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	head := "ACTION\tNAME\tTIMEOUT\tNODES\tSUGGESTED\tFLOWS"
	if below > 0 {
		head += "\tBELOW " + below.String() + "\tREASONS"
	}
	fmt.Fprintln(tw, head)
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d", r.ActionID, r.ActionName, dur(r.ActionTimeoutMS), r.Nodes, r.Suggested, r.Flows)
		if below > 0 {
			fmt.Fprintf(tw, "\t%d\t%s", r.Below, reasonList(r.Reasons, ", "))
		}
		fmt.Fprintln(tw)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "%d actions\n", len(rows))
	return nil
}

// reasonList is "reason: n" in org.Reasons() order.
func reasonList(m map[string]int, sep string) string {
	var parts []string
	for _, r := range org.Reasons() {
		if n := m[string(r)]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s: %d", r, n))
		}
	}
	return strings.Join(parts, sep)
}
