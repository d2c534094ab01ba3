package evidence

import (
	"cmp"
	"slices"
	"time"
)

// Count is a value with its number of calls.
type Count struct {
	Value string `json:"value"`
	Calls int    `json:"calls"`
}

// IPCount is a source address with its calls and where it runs.
type IPCount struct {
	IP         Text   `json:"ip"`
	Calls      int    `json:"calls"`
	InsideAWS  bool   `json:"inside_aws"`
	AWSRegion  string `json:"aws_region,omitempty"`
	AWSService string `json:"aws_service,omitempty"`
	// IPRanges is the createDate of the AWS ranges that placed the address, inside or outside.
	IPRanges string `json:"ip_ranges,omitempty"`
	// Activity is when the address called: calls per UTC day and per hour of day.
	Activity *Activity `json:"activity,omitempty"`
}

// AgentCount is a user agent with its tool and calls.
type AgentCount struct {
	Tool  Tool `json:"tool"`
	Agent Text `json:"agent"`
	Calls int  `json:"calls"`
}

// ActionCount is an IAM action with its calls and the resources the records named.
type ActionCount struct {
	Action string `json:"action"`
	Calls  int    `json:"calls"`
	Errors int    `json:"errors"`
	// Resources are the ARNs the records named; AllNamed says every call named one, so a
	// policy can be narrowed to them.
	Resources []Text `json:"resources,omitempty"`
	AllNamed  bool   `json:"all_named"`
	// Callers split the calls by source address, so that each caller group gets a policy of
	// its own.
	Callers []ActionCaller `json:"callers,omitempty"`
}

// KeyProfile is everything known about one root access key's use.
type KeyProfile struct {
	ID           string        `json:"id"` // masked: AKIA…WXYZ
	KeyID        KeyID         `json:"-"`  // the whole id, never printed: joins ListAccessKeys
	Calls        int           `json:"calls"`
	Errors       int           `json:"errors"`
	FirstUse     time.Time     `json:"first_use"`
	LastUse      time.Time     `json:"last_use"`
	Regions      []Count       `json:"regions"`
	SourceIPs    []IPCount     `json:"source_ips"`
	Tools        []Count       `json:"tools"`
	UserAgents   []AgentCount  `json:"user_agents"`
	Actions      []ActionCount `json:"actions"`
	InsideCalls  int           `json:"inside_aws_calls"`
	OutsideCalls int           `json:"outside_aws_calls"`
	// InsideAWS is true when every call came from inside AWS.
	InsideAWS bool `json:"inside_aws"`
	// SessionCalls of Calls were made with temporary credentials the key created
	// (sts:GetSessionToken), in Sessions sessions; their addresses, tools and actions are the
	// key's too.
	SessionCalls int `json:"session_calls"`
	Sessions     int `json:"sessions"`
}

// Skipped is a kind of record that could not be read, with how many.
type Skipped struct {
	Reason  string `json:"reason"`
	Records int    `json:"records"`
}

// Summary is the aggregate's result.
type Summary struct {
	RootRecords    int `json:"root_records"`
	AccessKeyCalls int `json:"access_key_calls"`
	ConsoleCalls   int `json:"console_calls"`
	SignIns        int `json:"sign_ins"`
	ServiceCalls   int `json:"service_calls"`
	SessionCalls   int `json:"session_calls"`
	OtherCalls     int `json:"other_calls"`
	// SessionCallsAttributed of SessionCalls were made with GetSessionToken sessions of a
	// root access key among Keys, and are counted in its profile.
	SessionCallsAttributed int          `json:"session_calls_attributed"`
	ConsoleIPs             []Count      `json:"console_source_ips"`
	Keys                   []KeyProfile `json:"keys"`
	// DuplicateRecords were root records whose eventID had been read already: counted once.
	DuplicateRecords int `json:"duplicate_records"`
	// UncheckedRecords came after the de-duplication set was full: counted without the check.
	UncheckedRecords int `json:"unchecked_for_duplicates,omitempty"`
	// SkippedRecords could not be read, by reason; the evidence lacks them.
	SkippedRecords []Skipped `json:"skipped_records"`
}

// Skipped is the number of records that could not be read.
func (s Summary) Skipped() int {
	n := 0
	for _, k := range s.SkippedRecords {
		n += k.Records
	}
	return n
}

// Summary returns the profiles, most used key first; lists are sorted by calls, then value.
func (u *Usage) Summary() Summary {
	u.mu.Lock()
	defer u.mu.Unlock()
	s := Summary{
		RootRecords: u.records, AccessKeyCalls: u.kinds[AccessKeyCall], ConsoleCalls: u.kinds[ConsoleCall],
		SignIns: u.kinds[SignIn], ServiceCalls: u.kinds[ServiceCall], SessionCalls: u.kinds[SessionCall],
		OtherCalls: u.kinds[OtherCall], ConsoleIPs: counts(u.console.ips), Keys: []KeyProfile{},
		DuplicateRecords: u.dups, UncheckedRecords: u.unchecked, SkippedRecords: []Skipped{},
	}
	for _, c := range counts(u.skipped) {
		s.SkippedRecords = append(s.SkippedRecords, Skipped{Reason: c.Value, Records: c.Calls})
	}
	// Join each session to the key that created it.
	bySession := map[string][]*keyAgg{}
	for sid, sess := range u.sessions {
		if key, ok := u.links[sid]; ok && u.keys[key] != nil {
			bySession[key] = append(bySession[key], sess)
		}
	}
	for id, direct := range u.keys {
		k := direct
		if sess := bySession[id]; len(sess) > 0 {
			k = newKeyAgg()
			merge(k, direct)
			for _, x := range sess {
				merge(k, x)
				k.sessionCalls += x.calls
				k.sessionIDs++
			}
			s.SessionCallsAttributed += k.sessionCalls
		}
		p := KeyProfile{
			KeyID: KeyID(id), Calls: k.calls, Errors: k.errors, FirstUse: k.first.UTC(), LastUse: k.last.UTC(),
			Regions: counts(k.regions), InsideCalls: k.inside, OutsideCalls: k.outside,
			InsideAWS: k.calls > 0 && k.outside == 0, SessionCalls: k.sessionCalls, Sessions: k.sessionIDs,
		}
		for _, c := range counts(k.ips) {
			pl := u.place(c.Value)
			p.SourceIPs = append(p.SourceIPs, IPCount{IP: Text(c.Value), Calls: c.Calls, InsideAWS: pl.inside,
				AWSRegion: pl.region, AWSService: pl.service, IPRanges: pl.ranges, Activity: k.activity[c.Value].activity()})
		}
		tools := map[string]int{}
		for t, n := range k.tools {
			tools[string(t)] = n
		}
		p.Tools = counts(tools)
		for a, n := range k.agents {
			p.UserAgents = append(p.UserAgents, AgentCount{Tool: ToolOf(string(a)), Agent: a, Calls: n})
		}
		slices.SortFunc(p.UserAgents, func(a, b AgentCount) int {
			return cmp.Or(cmp.Compare(b.Calls, a.Calls), cmp.Compare(a.Agent, b.Agent))
		})
		for name, a := range k.actions {
			ac := ActionCount{Action: name, Calls: a.calls, Errors: a.errors,
				AllNamed: a.unnamed == 0 && !a.overflow && len(a.resources) > 0, Callers: a.callerList()}
			for r := range a.resources {
				ac.Resources = append(ac.Resources, Text(r))
			}
			slices.Sort(ac.Resources)
			p.Actions = append(p.Actions, ac)
		}
		slices.SortFunc(p.Actions, func(a, b ActionCount) int {
			return cmp.Or(cmp.Compare(b.Calls, a.Calls), cmp.Compare(a.Action, b.Action))
		})
		s.Keys = append(s.Keys, p)
	}
	// Keys shown together are masked together, so that two never print alike.
	ids := make([]KeyID, len(s.Keys))
	for i, k := range s.Keys {
		ids[i] = k.KeyID
	}
	masks := MaskKeys(ids...)
	for i := range s.Keys {
		s.Keys[i].ID = masks[s.Keys[i].KeyID]
	}
	slices.SortFunc(s.Keys, func(a, b KeyProfile) int {
		return cmp.Or(cmp.Compare(b.Calls, a.Calls), cmp.Compare(a.ID, b.ID))
	})
	return s
}
