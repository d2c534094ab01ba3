// Package emulator serves, on loopback, the AWS APIs that moto lacks, on the wire protocols the
// SDK and the AWS CLI speak: CloudTrail LookupEvents (JSON 1.1), IAM GetAccountSummary and the
// credential report (query protocol, XML) and Account ListRegions (REST-JSON). It is driven by a
// scenario file and enforces CloudTrail's real limits: at most 50 events a page, 90 days of
// history and 2 requests per second per Region.
//
// It is test and demo support. It must never be reachable from anything but loopback, and it
// never talks to AWS.
package emulator

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"
)

// Scenario describes one account: its Regions, its root keys and the root's CloudTrail history.
type Scenario struct {
	Account string    `json:"account"`
	Now     time.Time `json:"now,omitzero"` // the scenario's clock; the real clock when unset
	// Regions enabled in the account (ListRegions); us-east-1 and those named by events are
	// added.
	Regions []string `json:"regions,omitempty"`
	Root    Root     `json:"root"`
	// Events are verbatim CloudTrail records, placed in their awsRegion.
	Events []json.RawMessage `json:"events,omitempty"`
	// Generate adds volume: many similar root calls.
	Generate []Generator `json:"generate,omitempty"`
	// Rate is CloudTrail's LookupEvents limit per Region; 2 per second, burst 2, when unset.
	Rate *Rate `json:"rate,omitempty"`
	// Findings are Security Hub findings (ASFF) present from the start, for BatchUpdateFindings.
	Findings []json.RawMessage `json:"findings,omitempty"`
	// Members are other accounts of the organization. The emulator's STS AssumeRole hands out
	// credentials for EvidenceRole in them, and CloudTrail, IAM and Account answer with the
	// member's data for those credentials.
	Members []Member `json:"members,omitempty"`
	// EvidenceRole is the role name members trust; "iam4-responder-evidence" when unset.
	EvidenceRole string `json:"evidence_role,omitempty"`
	// FindingsV2 are the new Security Hub's OCSF findings, for BatchUpdateFindingsV2.
	FindingsV2 []json.RawMessage `json:"findings_v2,omitempty"`
	// AggregationRegion is where GetFindings and GetFindingsV2 see every Region's findings
	// (cross-Region aggregation); elsewhere a call sees its own Region's. us-east-1 when unset.
	AggregationRegion string `json:"aggregation_region,omitempty"`
	// EmptyPages is how many empty pages with a NextToken GetFindings and GetFindingsV2 answer
	// before the matching findings: AWS list calls with server-side filters may page through
	// what the filter drops (aws/aws-sdk-go-v2#3303, boto/boto3#2643).
	EmptyPages int `json:"empty_pages,omitempty"`
	// Jira, when set, serves a Jira Cloud fake under /rest/api/3.
	Jira *Jira `json:"jira,omitempty"`
	// ReportDelay is how long a credential report takes to generate; 0 answers COMPLETE at once.
	ReportDelay Duration `json:"report_delay,omitempty"`
}

// Member is one member account.
type Member struct {
	Account  string            `json:"account"`
	Regions  []string          `json:"regions,omitempty"`
	Root     Root              `json:"root"`
	Events   []json.RawMessage `json:"events,omitempty"`
	Generate []Generator       `json:"generate,omitempty"`
}

// Root is the root user's credentials as the credential report shows them.
type Root struct {
	MFA  bool      `json:"mfa"`
	Keys []RootKey `json:"keys,omitempty"` // at most two
}

// RootKey is one root access key.
type RootKey struct {
	ID              string    `json:"id"`
	Active          bool      `json:"active"`
	Created         time.Time `json:"created"`
	LastUsed        time.Time `json:"last_used,omitzero"`
	LastUsedRegion  string    `json:"last_used_region,omitempty"`
	LastUsedService string    `json:"last_used_service,omitempty"`
}

// Generator describes a stream of root calls, spread evenly over a number of days before the
// scenario's now. "Region X: 5,000 root calls over 30 days from 3 IPs with the AWS CLI".
type Generator struct {
	Region    string   `json:"region"`
	Count     int      `json:"count"`
	Days      float64  `json:"days"`
	Kind      string   `json:"kind,omitempty"` // access-key (default), console, signin, service
	Key       string   `json:"key,omitempty"`  // the access key id, for access-key calls
	IPs       []string `json:"ips"`
	UserAgent string   `json:"user_agent,omitempty"`
	// Actions as "service:Action", optionally "@<resource ARN>"; used round robin.
	Actions []string `json:"actions,omitempty"`
	// ErrorEvery makes every n-th call fail with AccessDenied; 0 for none.
	ErrorEvery int    `json:"error_every,omitempty"`
	InvokedBy  string `json:"invoked_by,omitempty"` // for kind service
}

// Rate is a token bucket.
type Rate struct {
	PerSecond float64 `json:"per_second"`
	Burst     int     `json:"burst"`
}

// Duration reads "1.5s"-style durations from JSON.
type Duration time.Duration

// UnmarshalJSON accepts a Go duration string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration: %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("duration: %w", err)
	}
	*d = Duration(v)
	return nil
}

// MarshalJSON writes a Go duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// LoadScenario reads and checks a scenario file.
func LoadScenario(path string) (*Scenario, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var s Scenario
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("scenario %s: %w", path, err)
	}
	if err := s.check(); err != nil {
		return nil, fmt.Errorf("scenario %s: %w", path, err)
	}
	return &s, nil
}

func (s *Scenario) check() error {
	if len(s.Account) != 12 {
		return fmt.Errorf("account: %q is not a 12-digit account id", s.Account)
	}
	if len(s.Root.Keys) > 2 {
		return fmt.Errorf("root.keys: the root user has at most two access keys")
	}
	for i, g := range s.Generate {
		switch g.Kind {
		case "", "access-key", "console", "signin", "service":
		default:
			return fmt.Errorf("generate[%d].kind: %q is not access-key, console, signin or service", i, g.Kind)
		}
		if g.Region == "" || g.Count < 0 || g.Days <= 0 || len(g.IPs) == 0 {
			return fmt.Errorf("generate[%d]: needs region, count ≥ 0, days > 0 and at least one IP", i)
		}
		if (g.Kind == "" || g.Kind == "access-key") && !strings.HasPrefix(g.Key, "AKIA") {
			return fmt.Errorf("generate[%d].key: access-key calls need a key id starting with AKIA", i)
		}
		for _, a := range g.Actions {
			if name, _, _ := strings.Cut(a, "@"); !strings.Contains(name, ":") {
				return fmt.Errorf("generate[%d].actions: %q is not service:Action", i, a)
			}
		}
	}
	for i, m := range s.Members {
		if len(m.Account) != 12 || m.Account == s.Account {
			return fmt.Errorf("members[%d].account: %q is not another 12-digit account id", i, m.Account)
		}
		sub := Scenario{Account: m.Account, Root: m.Root, Generate: m.Generate}
		if err := sub.check(); err != nil {
			return fmt.Errorf("members[%d]: %w", i, err)
		}
	}
	if s.Rate != nil && (s.Rate.PerSecond <= 0 || s.Rate.Burst < 1) {
		return fmt.Errorf("rate: per_second must be > 0 and burst ≥ 1")
	}
	return nil
}

// regions returns the enabled Regions, sorted.
func regionsOf(configured []string, gens []Generator) []string {
	set := map[string]bool{"us-east-1": true}
	for _, r := range configured {
		set[r] = true
	}
	for _, g := range gens {
		set[g.Region] = true
	}
	out := make([]string, 0, len(set))
	for r := range set {
		out = append(out, r)
	}
	slices.Sort(out)
	return out
}
