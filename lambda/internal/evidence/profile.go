package evidence

import (
	"cmp"
	"hash/fnv"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/iam4-responder/iam4-responder/lambda/internal/evidence/awsip"
)

// Limits on distinct values kept per key. Beyond them a value is counted under "(other)", so
// every count stays exact while memory stays bounded however many events arrive.
const (
	maxIPs       = 256
	maxAgents    = 64
	maxActions   = 512
	maxResources = 32
	// maxSessions bounds the GetSessionToken sessions followed, and maxLinks the session key
	// ids remembered from GetSessionToken responses. A session beyond them is still counted
	// as a session call, only not attributed.
	maxSessions = 256
	maxLinks    = 4096
	// maxSkipReasons bounds the distinct reasons kept for unreadable records.
	maxSkipReasons = 32
	// maxSeen bounds the eventIDs remembered for de-duplication (16 bytes each, about 200 MB
	// at the bound); records beyond it are counted without the check, and said so.
	maxSeen = 1 << 22
	other   = "(other)"
)

// Usage aggregates root records one at a time. It is safe for concurrent use, so that the
// Regions' collectors feed one Usage.
type Usage struct {
	ranges *awsip.Ranges

	mu        sync.Mutex
	records   int
	kinds     map[Kind]int
	keys      map[string]*keyAgg // by full key id; only masked ids leave the package
	sessions  map[string]*keyAgg // GetSessionToken sessions, by their ASIA id
	links     map[string]string  // session ASIA id → the AKIA id that created it
	console   callerAgg          // console calls and sign-ins, for context
	ipCache   map[string]placement
	seen      map[[16]byte]struct{} // eventIDs read, to count a record read twice once
	dups      int
	unchecked int            // root records past maxSeen, counted without the duplicate check
	skipped   map[string]int // unreadable records by reason
}

type keyAgg struct {
	first, last   time.Time
	calls, errors int
	sessionCalls  int // calls made with sessions this key created
	sessionIDs    int
	regions       map[string]int
	ips           map[string]int
	agents        map[Text]int
	tools         map[Tool]int
	actions       map[string]*actionAgg
	activity      map[string]*callerDays // by source address, as ips; see activity.go
	inside        int
	outside       int
}

type actionAgg struct {
	calls, errors int
	unnamed       int                 // calls whose record named no resource
	resources     map[string]struct{} // ARNs the records named
	overflow      bool                // more ARNs than kept

	callers map[string]*callerUse // by source address; see callers.go
}

type callerAgg struct {
	calls int
	ips   map[string]int
}

// placement is where a source address runs.
type placement struct {
	inside  bool
	region  string
	service string
	ranges  string // the createDate of the ranges that decided an address
}

// NewUsage returns an empty aggregate; ranges decides which addresses are AWS's.
func NewUsage(ranges *awsip.Ranges) *Usage {
	return &Usage{
		ranges: ranges, kinds: map[Kind]int{}, keys: map[string]*keyAgg{}, sessions: map[string]*keyAgg{},
		links: map[string]string{}, console: callerAgg{ips: map[string]int{}}, ipCache: map[string]placement{},
		seen: map[[16]byte]struct{}{}, skipped: map[string]int{},
	}
}

// Add counts one record. Records that are not the root's are ignored and not counted; a record
// that could not be read is counted as skipped, with its reason; a root record whose eventID was
// already read (the same log file read twice, overlapping exports) is counted once.
func (u *Usage) Add(r *Record) {
	if r.Unreadable != "" {
		u.Skip(r.Unreadable)
		return
	}
	if !r.IsRoot() {
		return
	}
	kind := Classify(r)
	u.mu.Lock()
	defer u.mu.Unlock()
	if r.EventID != "" {
		// The eventID is unique in real logs. The fields beside it guard against the
		// placeholders examples and fixtures reuse ("1", "EXAMPLE…"), which would otherwise
		// hide distinct records: a record read twice matches on all of them.
		h := fnv.New128a()
		for _, f := range []string{r.EventID, r.EventTime.UTC().Format(time.RFC3339Nano), r.EventSource, r.EventName,
			r.UserIdentity.AccessKeyID, r.SourceIP, r.ErrorCode} {
			h.Write([]byte(f))
			h.Write([]byte{0})
		}
		var id [16]byte
		h.Sum(id[:0])
		if _, dup := u.seen[id]; dup {
			u.dups++
			return
		}
		if len(u.seen) < maxSeen {
			u.seen[id] = struct{}{}
		} else {
			u.unchecked++
		}
	}
	u.records++
	u.kinds[kind]++
	switch kind {
	case AccessKeyCall:
		id := r.UserIdentity.AccessKeyID
		if sid := r.SessionKeyID(); sid != "" {
			if _, ok := u.links[sid]; ok || len(u.links) < maxLinks {
				u.links[sid] = id
			}
		}
		addCall(u.agg(u.keys, id), r, u.place(string(capText(r.SourceIP, capShort))).inside)
	case SessionCall:
		// Records come newest first, so a session's calls are read before the GetSessionToken
		// that created it: they are kept by session and joined to their key in Summary.
		id := r.UserIdentity.AccessKeyID
		if _, ok := u.sessions[id]; ok || (strings.HasPrefix(id, "ASIA") && len(u.sessions) < maxSessions) {
			addCall(u.agg(u.sessions, id), r, u.place(string(capText(r.SourceIP, capShort))).inside)
		}
	case ConsoleCall, SignIn:
		u.console.calls++
		bump(u.console.ips, string(capText(r.SourceIP, capShort)), maxIPs)
	}
}

// Skip counts a record that could not be read, by reason.
func (u *Usage) Skip(reason string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	bump(u.skipped, reason, maxSkipReasons)
}

func (u *Usage) agg(m map[string]*keyAgg, id string) *keyAgg {
	k, ok := m[id]
	if !ok {
		k = newKeyAgg()
		m[id] = k
	}
	return k
}

func newKeyAgg() *keyAgg {
	return &keyAgg{
		regions: map[string]int{}, ips: map[string]int{}, agents: map[Text]int{},
		tools: map[Tool]int{}, actions: map[string]*actionAgg{}, activity: map[string]*callerDays{},
	}
}

// addCall counts one call into a key's (or a session's) aggregate.
func addCall(k *keyAgg, r *Record, inside bool) {
	t := r.EventTime
	if k.first.IsZero() || t.Before(k.first) {
		k.first = t
	}
	if t.After(k.last) {
		k.last = t
	}
	k.calls++
	failed := r.ErrorCode != ""
	if failed {
		k.errors++
	}
	bump(k.regions, string(capText(r.AWSRegion, capShort)), maxIPs)
	ip := string(capText(r.SourceIP, capShort))
	bump(k.ips, ip, maxIPs)
	k.addActivity(ip, t)
	if inside {
		k.inside++
	} else {
		k.outside++
	}
	agent := capText(r.UserAgent, capUserAgent)
	if _, kept := k.agents[agent]; kept || len(k.agents) < maxAgents {
		k.agents[agent]++
	} else {
		k.agents[other]++
	}
	k.tools[ToolOf(r.UserAgent)]++

	action := string(capText(r.Action(), capShort))
	a, ok := k.actions[action]
	if !ok {
		if len(k.actions) >= maxActions {
			action = other
			if a = k.actions[other]; a == nil {
				a = &actionAgg{resources: map[string]struct{}{}}
				k.actions[other] = a
			}
		} else {
			a = &actionAgg{resources: map[string]struct{}{}}
			k.actions[action] = a
		}
	}
	a.calls++
	if failed {
		a.errors++
	}
	arns := make([]string, 0, len(r.Resources))
	for _, res := range r.Resources {
		arns = append(arns, string(capText(res.ARN, capARN)))
	}
	a.addCaller(ip, failed, arns)
	if len(r.Resources) == 0 {
		a.unnamed++
	}
	for _, res := range r.Resources {
		arn := string(capText(res.ARN, capARN))
		if !strings.HasPrefix(arn, "arn:") {
			continue
		}
		if _, ok := a.resources[arn]; ok || len(a.resources) < maxResources {
			a.resources[arn] = struct{}{}
		} else {
			a.overflow = true
		}
	}
}

// place says where a source address runs: an address in AWS's published ranges, or an AWS
// service name ("ec2.amazonaws.com", "AWS Internal") in sourceIPAddress, is inside AWS.
func (u *Usage) place(src string) placement {
	if p, ok := u.ipCache[src]; ok {
		return p
	}
	var p placement
	if addr, err := netip.ParseAddr(src); err == nil {
		if u.ranges != nil {
			p.ranges = u.ranges.CreateDate
			if r, ok := u.ranges.Lookup(addr); ok {
				p = placement{inside: true, region: r.Region, service: r.Service, ranges: r.Date}
			}
		}
	} else if strings.HasSuffix(src, ".amazonaws.com") || src == "AWS Internal" {
		p = placement{inside: true, service: src}
	}
	if len(u.ipCache) < 4*maxIPs {
		u.ipCache[src] = p
	}
	return p
}

func bump(m map[string]int, key string, limit int) { bumpN(m, key, 1, limit) }

// bumpN adds n to key, or to "(other)" when limit distinct keys are already kept.
func bumpN[K ~string](m map[K]int, key K, n, limit int) {
	if _, ok := m[key]; ok || len(m) < limit {
		m[key] += n
		return
	}
	m[other] += n
}

// merge adds src's calls to dst, within dst's bounds.
func merge(dst, src *keyAgg) {
	if !src.first.IsZero() && (dst.first.IsZero() || src.first.Before(dst.first)) {
		dst.first = src.first
	}
	if src.last.After(dst.last) {
		dst.last = src.last
	}
	dst.calls += src.calls
	dst.errors += src.errors
	dst.inside += src.inside
	dst.outside += src.outside
	for v, n := range src.regions {
		bumpN(dst.regions, v, n, maxIPs)
	}
	for v, n := range src.ips {
		bumpN(dst.ips, v, n, maxIPs)
	}
	dst.mergeActivity(src)
	for v, n := range src.agents {
		bumpN(dst.agents, v, n, maxAgents)
	}
	for v, n := range src.tools {
		dst.tools[v] += n
	}
	for name, a := range src.actions {
		d, ok := dst.actions[name]
		if !ok {
			if len(dst.actions) >= maxActions {
				name = other
			}
			if d = dst.actions[name]; d == nil {
				d = &actionAgg{resources: map[string]struct{}{}}
				dst.actions[name] = d
			}
		}
		d.calls += a.calls
		d.errors += a.errors
		d.unnamed += a.unnamed
		d.overflow = d.overflow || a.overflow
		d.mergeCallers(a)
		for arn := range a.resources {
			if _, ok := d.resources[arn]; ok || len(d.resources) < maxResources {
				d.resources[arn] = struct{}{}
			} else {
				d.overflow = true
			}
		}
	}
}

func counts(m map[string]int) []Count {
	out := make([]Count, 0, len(m))
	for v, n := range m {
		out = append(out, Count{v, n})
	}
	slices.SortFunc(out, func(a, b Count) int { return cmp.Or(cmp.Compare(b.Calls, a.Calls), cmp.Compare(a.Value, b.Value)) })
	return out
}

// MaskKey shows a key id as its prefix and last four characters: AKIA…MPLE. Whole key ids are
// never printed or logged.
func MaskKey(id string) string { return maskTail(id, 4) }

// maskTail shows id's four-character prefix and its last n characters; ids shorter than eight
// show nothing.
func maskTail(id string, n int) string {
	if len(id) < 8 {
		return "…"
	}
	return id[:4] + "…" + id[len(id)-n:]
}
