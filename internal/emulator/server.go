package emulator

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Server is the emulator's HTTP handler. Every endpoint variable the SDK honours
// (AWS_ENDPOINT_URL_CLOUDTRAIL, _IAM, _ACCOUNT) can point at the same address: requests are
// routed by their protocol (X-Amz-Target for JSON 1.1, the path for REST-JSON, Action for query).
type Server struct {
	scenario *Scenario
	now      func() time.Time
	accounts map[string]*account // the scenario's account and its members
	log      *slog.Logger

	mu      sync.Mutex
	buckets map[string]*bucket // per account and Region, for LookupEvents
	tick    func() time.Time   // the clock of the rate limit and the report's generation; see SetClock

	hub        hub
	ops        opsCenter
	jiraIssues jiraStore

	// Counters, for tests and benchmarks.
	Requests     atomic.Int64
	Throttled    atomic.Int64
	AssumedRoles atomic.Int64 // successful AssumeRole calls
	RootSessions atomic.Int64 // successful AssumeRoot calls
	DeletedKeys  atomic.Int64 // root access keys deleted

	offset atomic.Int64 // Advance's shift of the scenario's clock
}

// New builds a server for a scenario. A scenario's own "now" fixes the history's position; the
// rate limit runs on real time unless SetClock gives it another clock.
func New(s *Scenario, log *slog.Logger) (*Server, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.NewJSONHandler(io.Discard, nil))
	}
	now := time.Now
	if !s.Now.IsZero() {
		offset := time.Until(s.Now)
		now = func() time.Time { return time.Now().Add(offset) }
	}
	srv := &Server{scenario: s, log: log, buckets: map[string]*bucket{}, accounts: map[string]*account{}}
	srv.now = func() time.Time { return now().Add(time.Duration(srv.offset.Load())) }
	add := func(id string, root Root, regions []string, events []json.RawMessage, gens []Generator) error {
		t, err := buildTrail(events, gens, now())
		if err != nil {
			return fmt.Errorf("account %s: %w", id, err)
		}
		srv.accounts[id] = &account{id: id, root: root, regions: regionsOf(regions, gens), trail: t}
		return nil
	}
	if err := add(s.Account, s.Root, s.Regions, s.Events, s.Generate); err != nil {
		return nil, err
	}
	for _, m := range s.Members {
		if err := add(m.Account, m.Root, m.Regions, m.Events, m.Generate); err != nil {
			return nil, err
		}
	}
	srv.hub.findings = map[string]map[string]any{}
	srv.hub.v2 = map[string]map[string]any{}
	for i, raw := range s.FindingsV2 {
		var f map[string]any
		if err := json.Unmarshal(raw, &f); err != nil {
			return nil, fmt.Errorf("findings_v2[%d]: %w", i, err)
		}
		uid := jsonPath(f, "finding_info", "uid")
		srv.hub.v2[uid] = f
		srv.hub.orderV2 = append(srv.hub.orderV2, uid)
	}
	srv.ops.items = map[string]map[string]any{}
	srv.jiraIssues.issues = map[string]*jiraIssue{}
	for i, raw := range s.Findings {
		var f map[string]any
		if err := json.Unmarshal(raw, &f); err != nil {
			return nil, fmt.Errorf("findings[%d]: %w", i, err)
		}
		id, _ := f["Id"].(string)
		key := findingKey(jsonPath(f, "ProductArn"), id)
		srv.hub.findings[key] = f
		srv.hub.order = append(srv.hub.order, key)
	}
	return srv, nil
}

// ServeHTTP routes one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.Requests.Add(1)
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, "read body", http.StatusBadRequest)
		return
	}
	region := requestRegion(r)
	acct := s.requestAccount(r)
	target := r.Header.Get("X-Amz-Target")
	switch {
	case strings.HasPrefix(target, "AmazonSSM."):
		op := strings.TrimPrefix(target, "AmazonSSM.")
		s.log.Info("request", "service", "ssm", "op", op)
		s.ssm(w, op, body)
	case strings.HasPrefix(r.URL.Path, "/findings"):
		s.log.Info("request", "service", "securityhub", "method", r.Method, "path", r.URL.Path)
		s.securityHub(w, r, body)
	case strings.HasPrefix(r.URL.Path, "/rest/api/3/"):
		s.log.Info("request", "service", "jira", "method", r.Method, "path", r.URL.Path)
		s.jira(w, r, body)
	case strings.Contains(target, "CloudTrail_20131101."):
		op := target[strings.LastIndexByte(target, '.')+1:]
		s.log.Info("request", "service", "cloudtrail", "op", op, "region", region)
		s.cloudtrail(w, acct, op, region, body)
	case r.URL.Path == "/_emulator/stats":
		writeJSON(w, "application/json", map[string]int64{
			"requests": s.Requests.Load(), "throttled": s.Throttled.Load()})
	case r.URL.Path == "/listRegions":
		s.log.Info("request", "service", "account", "op", "ListRegions")
		s.listRegions(w, acct, body)
	case r.Method == http.MethodPost && strings.Contains(r.Header.Get("Content-Type"), "x-www-form-urlencoded"):
		s.query(w, acct, requestTask(r), body)
	default:
		writeJSONError(w, http.StatusBadRequest, "UnknownOperationException",
			fmt.Sprintf("the emulator does not serve %s %s (target %q)", r.Method, r.URL.Path, target))
	}
}

var (
	credentialScope = regexp.MustCompile(`Credential=[^/]+/\d{8}/([a-z0-9-]+)/`)
	accessKey       = regexp.MustCompile(`Credential=([A-Z0-9]+)/`)
)

// account is one account's data.
type account struct {
	id      string
	root    Root
	regions []string
	trail   trail
	report  reportState
}

// requestTask is the root-task policy of a root session's request, or "".
func requestTask(r *http.Request) string {
	if m := accessKey.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
		task, _ := rootSession(m[1])
		return task
	}
	return ""
}

// requestAccount finds the account a request acts in: credentials from the emulator's
// AssumeRole carry it (ASIA + the account id); anything else is the scenario's own account.
func (s *Server) requestAccount(r *http.Request) *account {
	if m := accessKey.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
		if id, ok := assumedAccount(m[1]); ok {
			if a, ok := s.accounts[id]; ok {
				return a
			}
		}
	}
	return s.accounts[s.scenario.Account]
}

// requestRegion reads the Region from the SigV4 credential scope, as AWS routes by endpoint.
func requestRegion(r *http.Request) string {
	if m := credentialScope.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
		return m[1]
	}
	return "us-east-1"
}

func writeJSON(w http.ResponseWriter, contentType string, v any) {
	w.Header().Set("Content-Type", contentType)
	_ = json.NewEncoder(w).Encode(v)
}

// writeJSONError writes an error in the JSON protocols' shape: the code in __type and in the
// X-Amzn-ErrorType header, as the SDK's deserializers read it.
func writeJSONError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-ErrorType", code)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": code, "message": message})
}

// SetClock makes now the clock of LookupEvents' rate limit and of the credential report's
// generation, which otherwise run on real time, so that a test can say exactly when a bucket
// refills or a report is ready however slowly the machine answers.
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tick = now
}

// clockLocked is the rate limit's and the report's clock; s.mu must be held.
func (s *Server) clockLocked() time.Time {
	if s.tick != nil {
		return s.tick()
	}
	return time.Now()
}

// bucket is a token bucket on the server's clock (real time unless SetClock was called).
type bucket struct {
	tokens float64
	last   time.Time
}

// allow takes a token from the account's and Region's bucket, reporting false when it is empty:
// CloudTrail's limit is per account and Region.
func (s *Server) allow(acct, region string) bool {
	region = acct + "/" + region
	rate := Rate{PerSecond: 2, Burst: 2}
	if s.scenario.Rate != nil {
		rate = *s.scenario.Rate
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clockLocked()
	b, ok := s.buckets[region]
	if !ok {
		b = &bucket{tokens: float64(rate.Burst), last: now}
		s.buckets[region] = b
	}
	b.tokens = min(float64(rate.Burst), b.tokens+now.Sub(b.last).Seconds()*rate.PerSecond)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
