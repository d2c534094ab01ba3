package evidence

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/account"
	accounttypes "github.com/aws/aws-sdk-go-v2/service/account/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"golang.org/x/sync/errgroup"
	"golang.org/x/time/rate"
)

// CloudTrail LookupEvents limits (CloudTrail API reference and user guide, "Viewing events with
// CloudTrail event history"): 90 days of management events, 50 events a page, and 2 requests
// per second per account per Region.
const (
	MaxLookback = 90 * 24 * time.Hour
	pageSize    = 50
	// RequestsPerSecond is CloudTrail's LookupEvents limit per account and Region.
	RequestsPerSecond = 2
)

// Collector reads the root's CloudTrail history from every Region in parallel, each Region held
// to CloudTrail's rate, and feeds it to a Usage page by page.
type Collector struct {
	// Client returns the CloudTrail client of a Region (a Regional endpoint each).
	Client  func(region string) cloudtrail.LookupEventsAPIClient
	Regions []string
	// Lookback is how far back to read; MaxLookback (90 days) when zero or more.
	Lookback time.Duration
	// Rate is requests per second per Region; RequestsPerSecond when zero.
	Rate rate.Limit
	// Margin is kept free before the context's deadline (the Lambda's), to report what was read.
	Margin time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Progress, when set, is told of every page read.
	Progress func(region string, pages, events int)
	// AccessKeyID, when set, looks up that key's events (LookupEvents' AccessKeyId attribute)
	// instead of the root user's by name.
	AccessKeyID string
}

// Gap is a stretch of history that was not read.
type Gap struct {
	Region string    `json:"region"`
	From   time.Time `json:"from"`
	To     time.Time `json:"to"`
	Reason string    `json:"reason"`
}

// RegionCoverage is what was read in one Region.
type RegionCoverage struct {
	Region string `json:"region"`
	Pages  int    `json:"pages"`
	Events int    `json:"events"`
	Root   int    `json:"root_events"`
}

// Coverage says what the collection read and, exactly, what it did not.
type Coverage struct {
	Start   time.Time        `json:"start"`
	End     time.Time        `json:"end"`
	Regions []RegionCoverage `json:"regions"`
	Gaps    []Gap            `json:"gaps"`
}

// Partial reports whether some Region or time range is missing.
func (c Coverage) Partial() bool { return len(c.Gaps) > 0 }

// Collect reads every Region's root events into u. Errors of one Region (throttling beyond
// the SDK's retries, access denied, the deadline) become gaps, not failures: the evidence says
// what it lacks. It returns an error only for a misconfiguration.
func (c *Collector) Collect(ctx context.Context, u *Usage) (Coverage, error) {
	if len(c.Regions) == 0 {
		return Coverage{}, errors.New("collect: no Regions")
	}
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	lookback := c.Lookback
	if lookback <= 0 || lookback > MaxLookback {
		lookback = MaxLookback
	}
	limit := c.Rate
	if limit <= 0 {
		limit = RequestsPerSecond
	}
	end := now().UTC()
	cov := Coverage{Start: end.Add(-lookback), End: end}
	if deadline, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline.Add(-c.Margin))
		defer cancel()
	}
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(len(c.Regions))
	for _, region := range c.Regions {
		g.Go(func() error {
			rc, gap := c.region(gctx, region, cov.Start, end, limit, u)
			mu.Lock()
			defer mu.Unlock()
			cov.Regions = append(cov.Regions, rc)
			if gap != nil {
				cov.Gaps = append(cov.Gaps, *gap)
			}
			return nil
		})
	}
	_ = g.Wait() // Regions report their own errors as gaps
	slices.SortFunc(cov.Regions, func(a, b RegionCoverage) int { return cmp.Compare(a.Region, b.Region) })
	slices.SortFunc(cov.Gaps, func(a, b Gap) int { return cmp.Compare(a.Region, b.Region) })
	return cov, nil
}

func (c *Collector) region(ctx context.Context, region string, start, end time.Time, limit rate.Limit, u *Usage) (RegionCoverage, *Gap) {
	rc := RegionCoverage{Region: region}
	limiter := rate.NewLimiter(limit, 1)
	// The CloudTrail user guide looks root events up by user name "root"; Record.IsRoot then
	// keeps only records whose identity type is Root.
	attr := cttypes.LookupAttribute{AttributeKey: cttypes.LookupAttributeKeyUsername, AttributeValue: aws.String("root")}
	if c.AccessKeyID != "" {
		attr = cttypes.LookupAttribute{AttributeKey: cttypes.LookupAttributeKeyAccessKeyId, AttributeValue: aws.String(c.AccessKeyID)}
	}
	pages := cloudtrail.NewLookupEventsPaginator(c.Client(region), &cloudtrail.LookupEventsInput{
		LookupAttributes: []cttypes.LookupAttribute{attr},
		StartTime:        aws.Time(start),
		EndTime:          aws.Time(end),
		MaxResults:       aws.Int32(pageSize),
	})
	// Events come newest first: everything from oldest to end has been read.
	oldest := end
	gap := func(reason string) *Gap {
		return &Gap{Region: region, From: start, To: oldest, Reason: reason}
	}
	for pages.HasMorePages() {
		if err := limiter.Wait(ctx); err != nil {
			return rc, gap("deadline reached before the Region was read to the end of the lookback window")
		}
		page, err := pages.NextPage(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return rc, gap("deadline reached before the Region was read to the end of the lookback window")
			}
			return rc, gap(fmt.Sprintf("lookup root events in %s: %v", region, err))
		}
		rc.Pages++
		for _, ev := range page.Events {
			rc.Events++
			var rec Record
			if err := json.Unmarshal([]byte(aws.ToString(ev.CloudTrailEvent)), &rec); err != nil {
				u.Skip("CloudTrailEvent is not JSON")
			} else if rec.Unreadable != "" || rec.IsRoot() {
				if rec.IsRoot() {
					rc.Root++
				}
				u.Add(&rec) // an unreadable record is counted as skipped, with its reason
			}
			if ev.EventTime != nil && ev.EventTime.Before(oldest) {
				oldest = *ev.EventTime
			}
		}
		if c.Progress != nil {
			c.Progress(region, rc.Pages, rc.Events)
		}
	}
	return rc, nil
}

// RegionsAPI is the part of the Account client that lists Regions.
type RegionsAPI interface {
	ListRegions(ctx context.Context, in *account.ListRegionsInput, opts ...func(*account.Options)) (*account.ListRegionsOutput, error)
}

// EnabledRegions lists the Regions enabled in the account (Account Management API, ListRegions).
func EnabledRegions(ctx context.Context, api RegionsAPI) ([]string, error) {
	pages := account.NewListRegionsPaginator(api, &account.ListRegionsInput{
		RegionOptStatusContains: []accounttypes.RegionOptStatus{
			accounttypes.RegionOptStatusEnabled, accounttypes.RegionOptStatusEnabledByDefault,
		},
	})
	var out []string
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list enabled Regions: %w", err)
		}
		for _, r := range page.Regions {
			out = append(out, aws.ToString(r.RegionName))
		}
	}
	slices.Sort(out)
	return out, nil
}
