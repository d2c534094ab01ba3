// Package investigation runs step 1 of the runbook end to end for one account: the IAM
// inventory, the CloudTrail collection and the advice drawn from them. The Lambda handler and the
// iam4 command line both call it, so an ops engineer's `iam4 investigate` sees what the ticket
// saw. It wires stages; the work is in packages evidence and advice.
package investigation

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/account"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/iam4-responder/iam4-responder/lambda/internal/advice"
	"github.com/iam4-responder/iam4-responder/lambda/internal/evidence"
	"github.com/iam4-responder/iam4-responder/lambda/internal/evidence/athena"
	"github.com/iam4-responder/iam4-responder/lambda/internal/evidence/awsip"
)

// Result is the stable JSON contract of `iam4 analyze --format json` and `iam4 investigate`:
// the evidence summary's fields (access_key_calls, console_calls, keys, …) at the top level,
// then what only a live investigation knows, and the advice.
type Result struct {
	Account     string    `json:"account,omitempty"`
	WindowStart time.Time `json:"window_start,omitzero"`
	WindowEnd   time.Time `json:"window_end,omitzero"`
	evidence.Summary
	Inventory *evidence.Inventory `json:"inventory,omitempty"`
	Coverage  *evidence.Coverage  `json:"coverage,omitempty"`
	Sources   []Source            `json:"sources,omitempty"` // which source covered which dates
	Partial   bool                `json:"partial"`
	IPRanges  string              `json:"ip_ranges"`
	// Advice is absent only at the top of a result over several accounts: each account in
	// Accounts has its own, since one account's callers say nothing about another's.
	Advice advice.Advice `json:"advice,omitzero"`
	// Input says what an analysis of exported logs read and skipped (nil for a live investigation).
	Input *InputStats `json:"input,omitempty"`
	// Accounts holds one result per account when the logs cover several (an organization trail);
	// the top level then carries only the totals. A one-account input has no Accounts.
	Accounts []Result `json:"accounts,omitempty"`
}

func newResult(sum evidence.Summary, ranges *awsip.Ranges) Result {
	r := Result{Summary: sum}
	if ranges != nil {
		r.IPRanges = "ip-ranges.json of " + ranges.CreateDate
		if ranges.Partial {
			r.IPRanges += " (seed subset)"
		}
	}
	return r
}

// FromLogs builds the result of an analysis of exported logs from per-account summaries (see
// trailread.Accounts). One account keeps the one-account shape; several give one Result each in
// Accounts, sorted by account id, with the counts summed at the top.
func FromLogs(byAccount map[string]evidence.Summary, in InputStats, ranges *awsip.Ranges, now time.Time) Result {
	one := func(id string, sum evidence.Summary) Result {
		r := newResult(sum, ranges)
		r.Account = id
		r.Advice = advice.Advise(advice.Input{Usage: sum, Now: now, Records: true})
		return r
	}
	var r Result
	switch len(byAccount) {
	case 0:
		r = one("", evidence.Summary{Keys: []evidence.KeyProfile{}, ConsoleIPs: []evidence.Count{}})
	case 1:
		for id, sum := range byAccount {
			r = one(id, sum)
		}
	default:
		ids := slices.Sorted(maps.Keys(byAccount))
		total := evidence.Summary{Keys: []evidence.KeyProfile{}, ConsoleIPs: []evidence.Count{}}
		for _, id := range ids {
			s := byAccount[id]
			total.RootRecords += s.RootRecords
			total.AccessKeyCalls += s.AccessKeyCalls
			total.ConsoleCalls += s.ConsoleCalls
			total.SignIns += s.SignIns
			total.ServiceCalls += s.ServiceCalls
			total.SessionCalls += s.SessionCalls
			total.OtherCalls += s.OtherCalls
			a := one(id, s)
			a.Partial = in.Interrupted
			r.Accounts = append(r.Accounts, a)
		}
		r = Result{Summary: total, IPRanges: r.IPRanges, Accounts: r.Accounts}
		r.IPRanges = newResult(total, ranges).IPRanges
	}
	r.WindowStart, r.WindowEnd = in.FirstEvent, in.LastEvent
	r.Partial = in.Interrupted
	r.Input = &in
	return r
}

// Clients are the AWS clients a live investigation uses.
type Clients struct {
	IAM        evidence.IAMAPI
	Regions    evidence.RegionsAPI                                  // nil when Options.Regions is set
	CloudTrail func(region string) cloudtrail.LookupEventsAPIClient // one per Region
	Athena     athena.API                                           // nil: no Athena source
}

// Retryer is the SDK retry policy for evidence: the adaptive mode, which backs off on throttling
// across all calls of a client (aws-sdk-go-v2 developer guide, "Retries and timeouts"), with more
// attempts than the default three, since CloudTrail throttles above 2 requests per second.
func Retryer() aws.Retryer {
	return retry.NewAdaptiveMode(func(o *retry.AdaptiveModeOptions) {
		o.StandardOptions = append(o.StandardOptions, func(so *retry.StandardOptions) { so.MaxAttempts = 10 })
	})
}

// NewClients builds the clients from one configuration; CloudTrail gets a client per Region,
// since LookupEvents reads one Region's history per endpoint.
func NewClients(cfg aws.Config) Clients {
	return Clients{
		IAM:     iam.NewFromConfig(cfg),
		Regions: account.NewFromConfig(cfg),
		CloudTrail: func(region string) cloudtrail.LookupEventsAPIClient {
			return cloudtrail.NewFromConfig(cfg, func(o *cloudtrail.Options) { o.Region = region })
		},
	}
}

// Options tune a live investigation.
type Options struct {
	Account  string
	Regions  []string      // empty: the account's enabled Regions
	Lookback time.Duration // 90 days when zero
	Margin   time.Duration // kept before the context's deadline
	Ranges   *awsip.Ranges
	Now      func() time.Time
	Progress func(region string, pages, events int)
	Athena   *AthenaSource // nil: LookupEvents only
}

// Investigate runs the inventory and the collection and draws the advice.
func Investigate(ctx context.Context, c Clients, o Options) (Result, error) {
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	regions := o.Regions
	if len(regions) == 0 {
		if c.Regions == nil {
			return Result{}, fmt.Errorf("investigate: no Regions given and no way to list them")
		}
		var err error
		if regions, err = evidence.EnabledRegions(ctx, c.Regions); err != nil {
			return Result{}, err
		}
	}
	inv, err := evidence.ReadInventory(ctx, c.IAM)
	if err != nil {
		return Result{}, err
	}
	u := evidence.NewUsage(o.Ranges)
	cov, sources, err := collect(ctx, c, o, regions, now, u)
	if err != nil {
		return Result{}, err
	}
	sum := u.Summary()
	r := newResult(sum, o.Ranges)
	r.Account, r.WindowStart, r.WindowEnd, r.Sources = o.Account, cov.Start, cov.End, sources
	r.Inventory, r.Coverage, r.Partial = &inv, &cov, cov.Partial()
	r.Advice = advice.Advise(advice.Input{Usage: sum, Inventory: inv, Coverage: cov, Now: now(), Lookback: o.window(c)})
	return r, nil
}

// window is what "unused" is judged over: the trail table's lookback when Athena is the
// primary source (a year by default: the yearly job event history never sees), event
// history's otherwise. When the Athena query failed, the coverage has a gap over that window
// and no key is called unused.
func (o Options) window(c Clients) time.Duration {
	if c.Athena != nil && o.Athena != nil {
		if o.Athena.Lookback > 0 {
			return o.Athena.Lookback
		}
		return athena.DefaultLookback
	}
	return o.Lookback
}

// InputSkip names a file that was not read, or not to the end, and why.
type InputSkip struct {
	File   string `json:"file"`
	Reason string `json:"reason"`
}

// InputStats are the honest counters of a read: what was read, what was not, and the time covered.
type InputStats struct {
	FilesRead    int `json:"files_read"`
	FilesSkipped int `json:"files_skipped"`
	// Of the skipped files: digests, files that hold no CloudTrail record, and broken files
	// (unreadable, not JSON, truncated). A broken file's records before the break are counted.
	DigestFiles    int         `json:"digest_files"`
	OtherFiles     int         `json:"other_files"`
	BrokenFiles    int         `json:"broken_files"`
	Skipped        []InputSkip `json:"skipped,omitempty"`
	Records        int64       `json:"records"`
	RootRecords    int64       `json:"root_records"`
	RecordsSkipped int64       `json:"records_skipped"` // root-looking records that could not be decoded
	Bytes          int64       `json:"bytes"`           // bytes read as stored
	// FirstEvent and LastEvent are the span the records cover (eventTime, UTC).
	FirstEvent  time.Time `json:"first_event,omitzero"`
	LastEvent   time.Time `json:"last_event,omitzero"`
	Interrupted bool      `json:"interrupted,omitempty"`
}
