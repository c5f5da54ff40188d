// Package demogen writes the demo organisation's flow documents: about forty
// flows in the real Architect shape (and a few in the tutorial's), with a
// realistic mix of Data Action timeouts. Its output is embedded in
// clienttest; a test there checks that the embedded files are its output.
package demogen

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// Action is a demo data action with its own timeout.
type Action struct {
	ID             string `json:"id"`
	Name           string `json:"name"`
	TimeoutSeconds int    `json:"timeoutSeconds"`
	// Kind is "" for an ordinary action, "static" for a built-in one (its
	// id starts with static) and "function" for a function action, whose
	// TimeoutSeconds is its function's.
	Kind string `json:"kind,omitempty"`
}

// Flow is a demo flow: its configuration is in File.
type Flow struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Type      string `json:"type"`
	File      string `json:"file"`
	DraftFile string `json:"draftFile,omitempty"`
	LockedBy  string `json:"lockedBy,omitempty"`
}

// Two actions that no raise can change, used only by the nodes that
// fixedNodes adds: a built-in one and a function action, both below 5 s.
var (
	staticAction   = Action{"static_-_0a1b2c3d-0013-4000-8000-000000000013", "Get interaction details (built in)", 2, "static"}
	functionAction = Action{"custom_-_0a1b2c3d-0014-4000-8000-000000000014", "Score risk (function)", 3, "function"}
)

// Manifest lists the demo's actions and flows.
type Manifest struct {
	Actions []Action `json:"actions"`
	Flows   []Flow   `json:"flows"`
}

var actions = []Action{
	{"custom_-_0a1b2c3d-0001-4000-8000-000000000001", "Get account by phone", 3, ""},
	{"custom_-_0a1b2c3d-0002-4000-8000-000000000002", "Check payment status", 4, ""},
	{"custom_-_0a1b2c3d-0003-4000-8000-000000000003", "Look up order", 5, ""},
	{"custom_-_0a1b2c3d-0004-4000-8000-000000000004", "Create callback", 8, ""},
	{"custom_-_0a1b2c3d-0005-4000-8000-000000000005", "Get customer tier", 10, ""},
	{"custom_-_0a1b2c3d-0006-4000-8000-000000000006", "Fraud score", 15, ""},
	{"custom_-_0a1b2c3d-0007-4000-8000-000000000007", "Open case in CRM", 20, ""},
	{"custom_-_0a1b2c3d-0008-4000-8000-000000000008", "Send SMS", 30, ""},
	{"custom_-_0a1b2c3d-0009-4000-8000-000000000009", "Verify identity", 45, ""},
	{"custom_-_0a1b2c3d-0010-4000-8000-000000000010", "Nightly report", 60, ""},
	{"custom_-_0a1b2c3d-0011-4000-8000-000000000011", "Get queue estimate", 3, ""},
	{"custom_-_0a1b2c3d-0012-4000-8000-000000000012", "Disconnect interaction", 6, ""},
}

var flowTypes = []string{
	"inboundcall", "inboundcall", "inboundcall", "inqueuecall", "workflow", "workflow",
	"inboundcall", "outboundcall", "inboundshortmessage", "workflow",
}

var topics = []string{
	"Main IVR", "Billing", "Payments", "Support", "Sales", "Claims", "Appointments", "Collections",
	"Retention", "Onboarding", "Orders", "Returns", "Fraud", "Callbacks", "VIP", "Surveys",
	"Outage", "Renewals", "Roadside", "Pharmacy",
}

// Files returns every file of the demo folder: manifest.json and one
// document per flow (and per draft), by name.
func Files() map[string][]byte {
	rnd := rand.New(rand.NewPCG(2026, 11))
	files := map[string][]byte{}
	var m Manifest
	m.Actions = append(append([]Action(nil), actions...), staticAction, functionAction)
	for i := range 40 {
		typ := flowTypes[i%len(flowTypes)]
		name := fmt.Sprintf("%s %s %d", topics[i%len(topics)], strings.TrimSuffix(typeLabel(typ), " flow"), i/len(topics)+1)
		f := Flow{ID: fmt.Sprintf("demo-flow-%02d", i+1), Name: name, Type: typ, File: fmt.Sprintf("flow-%02d.json", i+1)}
		var doc []byte
		if i%10 == 9 { // four in the tutorial's shape
			doc = tutorial(rnd, f)
		} else {
			doc = architect(rnd, f, i)
		}
		files[f.File] = doc
		switch i {
		case 4:
			f.LockedBy = "Jane Doe"
		case 7:
			f.DraftFile = fmt.Sprintf("flow-%02d-draft.json", i+1)
			files[f.DraftFile] = []byte(strings.Replace(string(doc), `"description":"Demo flow"`, `"description":"Demo flow, edited in Architect and not yet published"`, 1))
		}
		m.Flows = append(m.Flows, f)
	}
	b, _ := json.MarshalIndent(m, "", "  ")
	files["manifest.json"] = append(b, '\n')
	return files
}

func typeLabel(typ string) string {
	switch typ {
	case "inboundcall":
		return "Inbound"
	case "inqueuecall":
		return "In-Queue"
	case "workflow":
		return "Workflow"
	case "outboundcall":
		return "Outbound"
	default:
		return "Messaging"
	}
}

// timeouts a Data Action node may have: custom literals below and above
// 5 s, the suggested timeout, and an expression.
type nodeTimeout struct {
	suggested bool
	literal   time.Duration
	expr      string
}

func pickTimeout(rnd *rand.Rand) nodeTimeout {
	switch x := rnd.IntN(20); {
	case x < 6:
		return nodeTimeout{literal: time.Duration(1+rnd.IntN(4)) * time.Second} // 1 to 4 s: too short
	case x < 7:
		return nodeTimeout{literal: 1500 * time.Millisecond}
	case x < 11:
		return nodeTimeout{literal: []time.Duration{6 * time.Second, 10 * time.Second, 30 * time.Second, 90 * time.Second}[rnd.IntN(4)]}
	case x < 19:
		return nodeTimeout{suggested: true, literal: time.Minute}
	default:
		return nodeTimeout{expr: "Flow.lookupTimeout"}
	}
}

func duration(d time.Duration) string {
	ms := d.Milliseconds()
	return fmt.Sprintf("P0D0H%dM%dS%dF", ms/60000, ms/1000%60, ms%1000)
}

func architect(rnd *rand.Rand, f Flow, i int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `{"nextTrackingNumber":%d,"defaultLanguage":"en-US","initialSequence":"%s-task-1","name":%q,"description":"Demo flow","type":%q,`, 40+i, f.ID, f.Name, f.Type)
	b.WriteString(`"supportedLanguages":{"en-US":{"defaultLanguageSkill":{"noValue":true},"textToSpeech":{"defaultEngine":{"voice":"Jill"}}}},`)
	b.WriteString(`"defaultSettings":{"DataAction":{"processingPrompt":{"config":{"emp":{"pos":1,"text":"","type":"pmt"}},"text":"","type":"pmt","uiMetaData":{"mode":3},"metaData":{},"version":2}}},`)
	b.WriteString(`"variables":[{"__type":"StringVariable","name":"Flow.accountId","initialValue":{"noValue":true},"isInput":false,"isOutput":false},` +
		`{"__type":"DurationVariable","name":"Flow.lookupTimeout","initialValue":{"lit":"P0D0H0M8S0F"},"isInput":false,"isOutput":false}],`)
	b.WriteString(`"flowSequenceItemList":[`)
	tasks := 1 + rnd.IntN(3)
	tracking := 1
	for t := range tasks {
		if t > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"__type":"Task","id":"%s-task-%d","name":"Task %d","trackingId":%d,"actionList":[`, f.ID, t+1, t+1, tracking)
		tracking++
		n := 2 + rnd.IntN(4)
		for a := range n {
			if a > 0 {
				b.WriteByte(',')
			}
			id := fmt.Sprintf("%s-t%d-a%d", f.ID, t+1, a+1)
			if a%2 == 0 || t == 0 && a == 1 {
				dataAction(&b, rnd, id, tracking)
			} else if rnd.IntN(2) == 0 {
				fmt.Fprintf(&b, `{"__type":"TransferToAcdAction","id":%q,"name":"Transfer to ACD","trackingId":%d,"timeout":{"config":{"lit":{"pos":1,"text":"P0D0H0M40S0F","type":"dur"}},"text":"P0D0H0M40S0F","type":"dur","uiMetaData":{"mode":1},"metaData":{},"version":2},"queue":{"config":{"lit":{"pos":1,"text":"Support","type":"queue"}},"text":"Support","type":"queue","version":2}}`, id, tracking)
			} else {
				fmt.Fprintf(&b, `{"__type":"DecisionAction","id":%q,"name":"Decision","trackingId":%d,"condition":{"config":{"fnc":{"pos":1,"name":"IsSet","type":"bool","text":"IsSet(Flow.accountId)","operands":[{"ref":{"pos":7,"text":"Flow.accountId","type":"str"}}]}},"text":"IsSet(Flow.accountId)","type":"bool","version":2},"paths":[{"outputId":"__YES__","nextAction":""},{"outputId":"__NO__","nextAction":""}]}`, id, tracking)
			}
			tracking++
		}
		b.WriteString(`]}`)
	}
	if i%3 == 0 {
		// A menu, whose choices hold actions too.
		id := fmt.Sprintf("%s-menu", f.ID)
		fmt.Fprintf(&b, `,{"__type":"Menu","id":%q,"name":"Main menu","trackingId":%d,"menuChoiceList":[{"__type":"MenuChoice","dtmf":"1","action":`, id, tracking)
		dataAction(&b, rnd, id+"-choice-1", tracking+1)
		b.WriteString(`}],"defaultMenuChoice":{"__type":"MenuChoice","action":{"__type":"DisconnectAction","id":"` + id + `-disconnect","name":"Disconnect"}}}`)
	}
	if i == 2 || i == 12 {
		// A task with a node on each action no raise can change; added
		// last, so every other byte and random draw is as before.
		fmt.Fprintf(&b, `,{"__type":"Task","id":"%s-task-fixed","name":"Risk check","trackingId":%d,"actionList":[`, f.ID, tracking+2)
		dataActionNode(&b, staticAction, nodeTimeout{suggested: true, literal: time.Minute}, f.ID+"-fixed-a1", tracking+3)
		b.WriteByte(',')
		dataActionNode(&b, functionAction, nodeTimeout{suggested: true, literal: time.Minute}, f.ID+"-fixed-a2", tracking+4)
		b.WriteString(`]}`)
	}
	b.WriteString(`],"flowMetaData":{"flowType":"` + f.Type + `","version":"1.0"},"uiMetaData":{"bridgeServerActions":[],"screenPops":[]}}`)
	return []byte(b.String())
}

func dataAction(b *strings.Builder, rnd *rand.Rand, id string, tracking int) {
	act := actions[rnd.IntN(len(actions))]
	dataActionNode(b, act, pickTimeout(rnd), id, tracking)
}

func dataActionNode(b *strings.Builder, act Action, t nodeTimeout, id string, tracking int) {
	var timeout string
	switch {
	case t.expr != "":
		timeout = fmt.Sprintf(`{"config":{"ref":{"pos":1,"text":%q,"type":"dur"}},"text":%q,"type":"dur","uiMetaData":{"mode":0},"metaData":{},"version":2}`, t.expr, t.expr)
	case t.suggested:
		timeout = `{"config":{"lit":{"pos":1,"text":"P0D0H1M0S0F","type":"dur"}},"text":"P0D0H1M0S0F","type":"dur","uiMetaData":{"mode":1},"metaData":{},"version":2,"outOfService":true}`
	default:
		d := duration(t.literal)
		timeout = fmt.Sprintf(`{"config":{"lit":{"pos":1,"text":%q,"type":"dur"}},"text":%q,"type":"dur","uiMetaData":{"mode":1},"metaData":{},"version":2}`, d, d)
	}
	fmt.Fprintf(b, `{"actionName":%q,"actionId":%q,"category":{"id":"Demo CRM","name":"Demo CRM"},"useSuggestedTimeout":%v,"trackingId":%d,"id":%q,"name":"Call Data Action","uiMetaData":{"collapsed":false},"__type":"DataAction",`,
		act.Name, act.ID, t.suggested, tracking, id)
	b.WriteString(`"errorBindings":[{"name":"errorCode","value":{"config":{"emp":{"pos":1,"text":"","type":"str"}},"text":"","type":"str","uiMetaData":{"mode":3},"metaData":{},"version":2}}],`)
	b.WriteString(`"processingPrompt":{"config":{"emp":{"pos":1,"text":"","type":"pmt"}},"text":"","type":"pmt","uiMetaData":{"mode":3},"metaData":{},"version":2,"outOfService":true},`)
	b.WriteString(`"inputs":[{"name":"phoneNumber","value":{"config":{"ref":{"pos":1,"text":"Call.Ani","type":"str"}},"text":"Call.Ani","type":"str","version":2}}],`)
	b.WriteString(`"outputs":[{"name":"accountId","value":{"config":{"ref":{"pos":1,"text":"Flow.accountId","type":"str"}},"text":"Flow.accountId","type":"str","version":2}}],`)
	fmt.Fprintf(b, `"timeout":%s,"paths":[{"outputId":"__SUCCESS__","nextAction":""},{"outputId":"__FAILURE__","nextAction":""},{"outputId":"__TIMEOUT__","nextAction":""}]}`, timeout)
}

func tutorial(rnd *rand.Rand, f Flow) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "{\n  \"id\": %q,\n  \"name\": %q,\n  \"description\": \"Demo flow\",\n  \"flowVersion\": {\n    \"id\": \"%s-v1\",\n    \"nodes\": {\n", f.ID, f.Name, f.ID)
	nodes := []string{
		fmt.Sprintf(`      "%s-n1": {"type": "DataAction", "name": "Lookup account", "settings": {"timeout": %d, "retries": 1}}`, f.ID, 1000*(1+rnd.IntN(4))),
		fmt.Sprintf(`      "%s-n2": {"type": "HTTP", "name": "Call CRM", "settings": {"timeout": 2000}}`, f.ID),
		fmt.Sprintf(`      "%s-n3": {"type": "PlayAudio", "name": "Greeting"}`, f.ID),
		fmt.Sprintf(`      "%s-n4": {"type": "dataAction", "name": "Older lookup", "settings": {"retries": 2}}`, f.ID),
		fmt.Sprintf(`      "%s-n5": {"type": "DataAction", "name": "Fine already", "settings": {"timeout": 8000}}`, f.ID),
	}
	b.WriteString(strings.Join(nodes, ",\n"))
	b.WriteString("\n    }\n  }\n}\n")
	return []byte(b.String())
}
