package evidence

import (
	"cmp"
	"slices"
	"strings"
)

// Limits on the per-caller detail kept for each action: beyond them a caller is counted under
// "(other)" and its resources are not kept, so a policy built from them says so.
const (
	maxActionCallers   = 32
	maxCallerResources = 16
)

// callerUse is one source address's use of one action.
type callerUse struct {
	calls, errors int
	unnamed       int
	resources     map[string]struct{}
	overflow      bool
}

// addCaller counts one call of an action by the caller at ip, with the ARNs its record named.
func (a *actionAgg) addCaller(ip string, failed bool, arns []string) {
	if a.callers == nil {
		a.callers = map[string]*callerUse{}
	}
	c, ok := a.callers[ip]
	if !ok {
		if len(a.callers) >= maxActionCallers {
			ip = other
		}
		if c = a.callers[ip]; c == nil {
			c = &callerUse{resources: map[string]struct{}{}}
			a.callers[ip] = c
		}
	}
	c.calls++
	if failed {
		c.errors++
	}
	named := false
	for _, arn := range arns {
		if !strings.HasPrefix(arn, "arn:") {
			continue
		}
		named = true
		if _, ok := c.resources[arn]; ok || len(c.resources) < maxCallerResources {
			c.resources[arn] = struct{}{}
		} else {
			c.overflow = true
		}
	}
	if !named {
		c.unnamed++
	}
	if ip == other {
		c.overflow = true
	}
}

// ActionCaller is one source address's use of an action: what a policy for that caller alone
// must allow.
type ActionCaller struct {
	IP     Text `json:"ip"`
	Calls  int  `json:"calls"`
	Errors int  `json:"errors"`
	// Resources are the ARNs this caller's records named; AllNamed says every call named one
	// and none was dropped.
	Resources []Text `json:"resources,omitempty"`
	AllNamed  bool   `json:"all_named"`
}

func (a *actionAgg) callerList() []ActionCaller {
	out := make([]ActionCaller, 0, len(a.callers))
	for ip, c := range a.callers {
		ac := ActionCaller{IP: Text(ip), Calls: c.calls, Errors: c.errors,
			AllNamed: c.unnamed == 0 && !c.overflow && len(c.resources) > 0}
		for r := range c.resources {
			ac.Resources = append(ac.Resources, Text(r))
		}
		slices.Sort(ac.Resources)
		out = append(out, ac)
	}
	slices.SortFunc(out, func(a, b ActionCaller) int {
		return cmp.Or(cmp.Compare(b.Calls, a.Calls), cmp.Compare(a.IP, b.IP))
	})
	return out
}

// mergeCallers adds src's callers to a, as addCaller would have counted them: a session's calls
// attributed to the key that created it keep their callers for the per-group policies.
func (a *actionAgg) mergeCallers(src *actionAgg) {
	for ip, c := range src.callers {
		if a.callers == nil {
			a.callers = map[string]*callerUse{}
		}
		d, ok := a.callers[ip]
		if !ok {
			if len(a.callers) >= maxActionCallers {
				ip = other
			}
			if d = a.callers[ip]; d == nil {
				d = &callerUse{resources: map[string]struct{}{}}
				a.callers[ip] = d
			}
		}
		d.calls += c.calls
		d.errors += c.errors
		d.unnamed += c.unnamed
		d.overflow = d.overflow || c.overflow || ip == other
		for arn := range c.resources {
			if _, ok := d.resources[arn]; ok || len(d.resources) < maxCallerResources {
				d.resources[arn] = struct{}{}
			} else {
				d.overflow = true
			}
		}
	}
}
