package advice

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/iam4-responder/iam4-responder/lambda/internal/evidence"
	"github.com/iam4-responder/iam4-responder/lambda/internal/iamref"
)

// Drafts are the least-privilege policies for the key's replacements: one per caller group.
// The AWS-hosted callers get roles and the callers outside AWS get IAM users, so a role never
// holds an action that only an outside caller used, and the other way round.
type Drafts struct {
	// Reference names the Service Authorization Reference snapshot every action was checked
	// against.
	Reference string        `json:"reference"`
	Groups    []DraftPolicy `json:"groups"`
	// Notes concern no single group: calls whose caller was not kept, actions not kept.
	Notes []PolicyNote `json:"notes,omitempty"`
}

// DraftPolicy is the policy for one caller group's replacement.
type DraftPolicy struct {
	Target  string         `json:"target"` // role or user
	Name    string         `json:"name"`   // suggested name: iam4-root-key-role-1
	Where   string         `json:"where"`  // inside_aws or outside_aws
	Calls   int            `json:"calls"`
	Callers []PolicyCaller `json:"callers"`
	// Policy is the IAM policy document; null when every call of the group failed or needed
	// no permission.
	Policy json.RawMessage `json:"policy"`
	Notes  []PolicyNote    `json:"notes,omitempty"`
}

// PolicyCaller is one source address of a group, with where it runs as the evidence shows.
type PolicyCaller struct {
	IP         evidence.Text `json:"ip"`
	Calls      int           `json:"calls"`
	AWSRegion  string        `json:"aws_region,omitempty"`
	AWSService string        `json:"aws_service,omitempty"`
	Keys       []string      `json:"keys"` // masked key ids
}

// PolicyNote is something a reviewer must look at before using a draft.
type PolicyNote struct {
	Code   string `json:"code"`
	Action string `json:"action,omitempty"` // the CloudTrail call or IAM action concerned
	// Params are the note's other values (report's catalog "note.<code>" names them): error,
	// count, chars, max, call, needs.
	Params map[string]string `json:"params,omitempty"`
}

// Note codes.
const (
	NoteUnmapped       = "unmapped"         // no IAM action found for a call
	NoteResourceStar   = "resource_star"    // the action takes resources, but the records did not name them all
	NoteAllFailed      = "all_failed"       // every call failed: left out
	NoteAlso           = "also_needs"       // the call needs another permission on another resource
	NoteTooLarge       = "too_large"        // above IAM's managed-policy size
	NoteNoActions      = "no_actions"       // nothing to allow
	NoteMerged         = "callers_merged"   // more groups than drafted: the smallest were merged
	NoteCallerNotKept  = "caller_not_kept"  // calls counted under "(other)" callers
	NoteActionsNotKept = "actions_not_kept" // calls counted under "(other)" actions
	NoteNoReference    = "no_reference"     // the snapshot could not be read
)

// Limits that keep the ticket readable and the policies within IAM's quotas.
const (
	maxGroupsPerSide = 5
	// A customer managed policy is at most 6,144 characters, whitespace not counted (IAM and
	// AWS STS quotas).
	maxPolicyChars = 6144
)

// Policies drafts one policy per caller group from the key profiles, with the embedded IAM
// reference.
func Policies(keys []evidence.KeyProfile) Drafts {
	ref, err := iamref.Default()
	if err != nil {
		return Drafts{Groups: []DraftPolicy{}, Notes: []PolicyNote{{Code: NoteNoReference,
			Params: map[string]string{"error": err.Error()}}}}
	}
	return draft(keys, ref)
}

// use is one caller's use of one IAM action.
type use struct {
	calls, errors int
	resources     map[string]bool
	allNamed      bool
	also          [2]string // the CloudTrail call and the further IAM action it needs
}

// caller is one source address with everything it used, over every key.
type caller struct {
	ip       string
	inside   bool
	region   string
	service  string
	calls    int
	keys     map[string]bool
	uses     map[string]*use // by IAM action
	unmapped map[string]bool // CloudTrail calls without an action
}

func draft(keys []evidence.KeyProfile, ref *iamref.Reference) Drafts {
	d := Drafts{Reference: ref.About(), Groups: []DraftPolicy{}}
	callers := map[string]*caller{}
	get := func(k evidence.KeyProfile, ip string) *caller {
		c, ok := callers[ip]
		if !ok {
			c = &caller{ip: ip, keys: map[string]bool{}, uses: map[string]*use{}, unmapped: map[string]bool{}}
			callers[ip] = c
		}
		c.keys[k.ID] = true
		return c
	}
	var global []PolicyNote
	for _, k := range keys {
		for _, s := range k.SourceIPs {
			if string(s.IP) == "(other)" {
				continue
			}
			c := get(k, string(s.IP))
			c.inside, c.region, c.service = s.InsideAWS, s.AWSRegion, s.AWSService
			c.calls += s.Calls
		}
		for _, a := range k.Actions {
			if a.Action == "" || a.Action == "(other)" {
				global = append(global, PolicyNote{Code: NoteActionsNotKept})
				continue
			}
			source, event, _ := strings.Cut(a.Action, ":")
			m := ref.Map(source, event)
			if m.Outcome == iamref.NoPermission {
				continue
			}
			for _, ac := range a.Callers {
				if string(ac.IP) == "(other)" {
					global = append(global, PolicyNote{Code: NoteCallerNotKept, Action: a.Action})
					continue
				}
				c := get(k, string(ac.IP))
				if m.Outcome == iamref.Unmapped {
					c.unmapped[a.Action] = true
					continue
				}
				for _, name := range m.Actions {
					u, ok := c.uses[name]
					if !ok {
						u = &use{resources: map[string]bool{}, allNamed: true}
						c.uses[name] = u
					}
					u.calls += ac.Calls
					u.errors += ac.Errors
					u.allNamed = u.allNamed && ac.AllNamed
					for _, r := range ac.Resources {
						u.resources[string(r)] = true
					}
					if m.Also != "" {
						// iamref's Also is "<action> on <resource>"; every entry today is the
						// copy's source object, which the catalog's sentence names.
						needs, _, _ := strings.Cut(m.Also, " ")
						u.also = [2]string{a.Action, needs}
					}
				}
			}
		}
	}

	for _, g := range groupCallers(callers) {
		d.Groups = append(d.Groups, g.policy(ref))
	}
	nameGroups(d.Groups)
	d.Notes = sortNotes(global)
	return d
}

// group is a set of callers on one side of AWS's edge that will share one replacement.
type group struct {
	inside  bool
	callers []*caller
	notes   []PolicyNote
}

// groupCallers puts callers that used the same actions from the same side together: several
// addresses running one job share one role or user. Each side keeps at most maxGroupsPerSide
// groups; beyond that the smallest are merged into the last, with a note.
func groupCallers(callers map[string]*caller) []*group {
	bySig := map[string]*group{}
	for _, c := range callers {
		sig := fmt.Sprint(c.inside, "|", signature(c))
		g, ok := bySig[sig]
		if !ok {
			g = &group{inside: c.inside}
			bySig[sig] = g
		}
		g.callers = append(g.callers, c)
	}
	var inside, outside []*group
	for _, g := range bySig {
		slices.SortFunc(g.callers, func(a, b *caller) int { return cmp.Or(cmp.Compare(b.calls, a.calls), cmp.Compare(a.ip, b.ip)) })
		if g.inside {
			inside = append(inside, g)
		} else {
			outside = append(outside, g)
		}
	}
	return append(capGroups(inside), capGroups(outside)...)
}

func signature(c *caller) string {
	var parts []string
	for name, u := range c.uses {
		if u.calls > u.errors {
			parts = append(parts, name)
		}
	}
	for call := range c.unmapped {
		parts = append(parts, "?"+call)
	}
	slices.Sort(parts)
	return strings.Join(parts, ",")
}

func (g *group) calls() int {
	n := 0
	for _, c := range g.callers {
		n += c.calls
	}
	return n
}

func capGroups(gs []*group) []*group {
	slices.SortFunc(gs, func(a, b *group) int {
		return cmp.Or(cmp.Compare(b.calls(), a.calls()), cmp.Compare(a.callers[0].ip, b.callers[0].ip))
	})
	if len(gs) <= maxGroupsPerSide {
		return gs
	}
	last := gs[maxGroupsPerSide-1]
	for _, g := range gs[maxGroupsPerSide:] {
		last.callers = append(last.callers, g.callers...)
	}
	last.notes = append(last.notes, PolicyNote{Code: NoteMerged, Params: map[string]string{"count": strconv.Itoa(len(gs) - maxGroupsPerSide)}})
	return gs[:maxGroupsPerSide]
}

type statement struct {
	Sid      string   `json:"Sid"`
	Effect   string   `json:"Effect"`
	Action   []string `json:"Action"`
	Resource []string `json:"Resource"`
}

// policy drafts the group's document: one statement per service and resource set, actions
// sorted. An action is narrowed to the ARNs its calls named when every call named one and the
// ARNs are of a resource type the action takes (the reference's ARN templates); otherwise it
// allows "*", with a note when the action could have been narrowed.
func (g *group) policy(ref *iamref.Reference) DraftPolicy {
	dp := DraftPolicy{Target: "user", Where: "outside_aws", Calls: g.calls(), Notes: g.notes}
	if g.inside {
		dp.Target, dp.Where = "role", "inside_aws"
	}
	uses := map[string]*use{}
	unmapped := map[string]bool{}
	for _, c := range g.callers {
		pc := PolicyCaller{IP: evidence.Text(c.ip), Calls: c.calls, AWSRegion: c.region, AWSService: c.service}
		for k := range c.keys {
			pc.Keys = append(pc.Keys, k)
		}
		slices.Sort(pc.Keys)
		dp.Callers = append(dp.Callers, pc)
		for name, u := range c.uses {
			m, ok := uses[name]
			if !ok {
				m = &use{resources: map[string]bool{}, allNamed: true}
				uses[name] = m
			}
			m.calls += u.calls
			m.errors += u.errors
			m.allNamed = m.allNamed && u.allNamed
			for r := range u.resources {
				m.resources[r] = true
			}
			if u.also[0] != "" {
				m.also = u.also
			}
		}
		for call := range c.unmapped {
			unmapped[call] = true
		}
	}
	for call := range unmapped {
		dp.Notes = append(dp.Notes, PolicyNote{Code: NoteUnmapped, Action: call})
	}

	type stmtKey struct{ service, resources string }
	actions := map[stmtKey][]string{}
	for name, u := range uses {
		if u.calls == u.errors {
			dp.Notes = append(dp.Notes, PolicyNote{Code: NoteAllFailed, Action: name})
			continue
		}
		if u.also[0] != "" {
			dp.Notes = append(dp.Notes, PolicyNote{Code: NoteAlso, Action: name, Params: map[string]string{"call": u.also[0], "needs": u.also[1]}})
		}
		service, _, _ := strings.Cut(name, ":")
		res := narrowed(ref, name, u)
		if res == nil {
			if a, _ := ref.Lookup(name); len(a.ResourceTypes) > 0 {
				dp.Notes = append(dp.Notes, PolicyNote{Code: NoteResourceStar, Action: name})
			}
		}
		k := stmtKey{service, strings.Join(res, ",")}
		actions[k] = append(actions[k], name)
	}
	keys := make([]stmtKey, 0, len(actions))
	for k := range actions {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b stmtKey) int {
		return cmp.Or(cmp.Compare(a.service, b.service), cmp.Compare(a.resources, b.resources))
	})
	var stmts []statement
	sids := map[string]int{}
	for _, k := range keys {
		st := statement{Effect: "Allow", Action: actions[k], Resource: []string{"*"}}
		slices.Sort(st.Action)
		sid := sidOf(k.service)
		if k.resources != "" {
			st.Resource = strings.Split(k.resources, ",")
			sid += "Scoped"
		}
		sids[sid]++
		if sids[sid] > 1 {
			sid = fmt.Sprintf("%s%d", sid, sids[sid])
		}
		st.Sid = sid
		stmts = append(stmts, st)
	}
	if len(stmts) == 0 {
		dp.Notes = append(dp.Notes, PolicyNote{Code: NoteNoActions})
	} else {
		dp.Policy = encode(stmts)
		if n := compactLen(dp.Policy); n > maxPolicyChars {
			dp.Notes = append(dp.Notes, PolicyNote{Code: NoteTooLarge, Params: map[string]string{"chars": strconv.Itoa(n), "max": strconv.Itoa(maxPolicyChars)}})
		}
	}
	dp.Notes = sortNotes(dp.Notes)
	return dp
}

// narrowed returns the ARNs an action can be limited to, sorted, or nil for "*".
func narrowed(ref *iamref.Reference, action string, u *use) []string {
	if !u.allNamed {
		return nil
	}
	var fit []string
	for r := range u.resources {
		if ref.Fits(action, r) {
			fit = append(fit, r)
		}
	}
	slices.Sort(fit)
	return fit
}

// nameGroups gives each group its replacement's suggested name, numbered per target.
func nameGroups(gs []DraftPolicy) {
	n := map[string]int{}
	for i := range gs {
		n[gs[i].Target]++
		gs[i].Name = fmt.Sprintf("iam4-root-key-%s-%d", gs[i].Target, n[gs[i].Target])
	}
}

func encode(stmts []statement) json.RawMessage {
	doc := struct {
		Version   string      `json:"Version"`
		Statement []statement `json:"Statement"`
	}{"2012-10-17", stmts}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	_ = enc.Encode(doc) // plain strings and slices: cannot fail
	return json.RawMessage(bytes.TrimSpace(buf.Bytes()))
}

func sortNotes(ns []PolicyNote) []PolicyNote {
	slices.SortFunc(ns, func(a, b PolicyNote) int {
		return cmp.Or(cmp.Compare(a.Code, b.Code), cmp.Compare(a.Action, b.Action), cmp.Compare(a.key(), b.key()))
	})
	return slices.CompactFunc(ns, func(a, b PolicyNote) bool { return a.Code == b.Code && a.Action == b.Action && a.key() == b.key() })
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

// key is the note's params as a stable string, for sorting and de-duplicating.
func (n PolicyNote) key() string { return Message{Code: n.Code, Params: n.Params}.String() }
