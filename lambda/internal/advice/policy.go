package advice

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/iam4-responder/iam4-responder/lambda/internal/evidence"
)

// CloudTrail names a call by its event source and event name; IAM names the permission. They
// mostly agree ("s3.amazonaws.com" + "PutObject" is s3:PutObject); these are the known
// exceptions (Service Authorization Reference).
var (
	servicePrefix = map[string]string{"monitoring": "cloudwatch", "email": "ses"}
	actionRename  = map[string]string{
		"s3:ListBuckets": "s3:ListAllMyBuckets",
		"s3:HeadObject":  "s3:GetObject",
		"s3:HeadBucket":  "s3:ListBucket",
	}
	// Calls that need no permission at all.
	noPermission = map[string]bool{"sts:GetCallerIdentity": true}
)

type statement struct {
	Sid      string   `json:"Sid"`
	Effect   string   `json:"Effect"`
	Action   []string `json:"Action"`
	Resource []string `json:"Resource"`
}

// Policy drafts a least-privilege identity policy from the observed actions, one statement per
// service and resource set, actions sorted. A statement is narrowed to the resources the records
// named when every call of its actions named one; otherwise it allows "*" and a note says so.
func Policy(keys []evidence.KeyProfile) (json.RawMessage, []string) {
	type group struct {
		service   string
		resources []string // sorted; nil for "*"
		actions   map[string]bool
	}
	groups := map[string]*group{}
	notes := []string{}
	failedOnly := map[string]bool{}
	succeeded := map[string]bool{}
	for _, k := range keys {
		for _, a := range k.Actions {
			name, skip, note := iamAction(a.Action)
			if note != "" {
				notes = append(notes, note)
			}
			if skip {
				continue
			}
			if a.Errors == a.Calls {
				failedOnly[name] = true
				continue
			}
			succeeded[name] = true
			service, _, _ := strings.Cut(name, ":")
			var res []string
			if a.AllNamed {
				for _, r := range a.Resources {
					res = append(res, string(r))
				}
				slices.Sort(res)
			} else {
				notes = append(notes, fmt.Sprintf("%s: the records named no resource for every call; Resource is \"*\", narrow it where the action allows.", name))
			}
			key := service + "|" + strings.Join(res, ",")
			g, ok := groups[key]
			if !ok {
				g = &group{service: service, resources: res, actions: map[string]bool{}}
				groups[key] = g
			}
			g.actions[name] = true
		}
	}
	for name := range failedOnly {
		if !succeeded[name] {
			notes = append(notes, fmt.Sprintf("%s: every call failed, so it is left out.", name))
		}
	}
	keysSorted := make([]string, 0, len(groups))
	for k := range groups {
		keysSorted = append(keysSorted, k)
	}
	slices.Sort(keysSorted)
	stmts := []statement{}
	sids := map[string]int{}
	for _, k := range keysSorted {
		g := groups[k]
		st := statement{Effect: "Allow", Resource: g.resources}
		if st.Resource == nil {
			st.Resource = []string{"*"}
		}
		for a := range g.actions {
			st.Action = append(st.Action, a)
		}
		slices.Sort(st.Action)
		sid := sidOf(g.service)
		if g.resources != nil {
			sid += "Scoped"
		}
		sids[sid]++
		if sids[sid] > 1 {
			sid = fmt.Sprintf("%s%d", sid, sids[sid])
		}
		st.Sid = sid
		stmts = append(stmts, st)
	}
	doc := struct {
		Version   string      `json:"Version"`
		Statement []statement `json:"Statement"`
	}{"2012-10-17", stmts}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	_ = enc.Encode(doc)
	// IAM's limit for a customer managed policy, whitespace not counted (IAM quotas).
	if compact := compactLen(buf.Bytes()); compact > 6144 {
		notes = append(notes, fmt.Sprintf("The draft is %d characters, above the 6,144 IAM allows for a managed policy: split it.", compact))
	}
	slices.Sort(notes)
	notes = slices.Compact(notes)
	return json.RawMessage(bytes.TrimSpace(buf.Bytes())), notes
}

// iamAction maps a CloudTrail action to the IAM action that permits it.
func iamAction(ctAction string) (name string, skip bool, note string) {
	if ctAction == "" || ctAction == "(other)" {
		return "", true, "Some actions were counted but not kept (too many distinct ones): review CloudTrail for the rest."
	}
	service, action, _ := strings.Cut(ctAction, ":")
	if p, ok := servicePrefix[service]; ok {
		service = p
	}
	name = service + ":" + action
	if r, ok := actionRename[name]; ok {
		name = r
	}
	if noPermission[name] {
		return name, true, ""
	}
	return name, false, ""
}

// sidOf turns a service prefix into a statement id: "s3" → "S3", "cloudwatch" → "Cloudwatch".
func sidOf(service string) string {
	var b strings.Builder
	up := true
	for _, r := range service {
		if r < '0' || (r > '9' && r < 'A') || (r > 'Z' && r < 'a') || r > 'z' {
			up = true
			continue
		}
		if up && r >= 'a' && r <= 'z' {
			r -= 'a' - 'A'
		}
		up = false
		b.WriteRune(r)
	}
	if b.Len() == 0 {
		return "Observed"
	}
	return b.String()
}

func compactLen(b []byte) int {
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return len(b)
	}
	return buf.Len()
}
