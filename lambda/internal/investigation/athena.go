package investigation

import (
	"context"
	"time"

	"github.com/iam4-responder/iam4-responder/lambda/internal/evidence"
	"github.com/iam4-responder/iam4-responder/lambda/internal/evidence/athena"
)

// Source says which evidence source covered which stretch of time, and whether it could see
// data events (S3 object calls and the like, which event history never holds).
type Source struct {
	Name       string    `json:"name"` // "athena" or "lookup-events"
	From       time.Time `json:"from"`
	To         time.Time `json:"to"`
	DataEvents bool      `json:"data_events"`
	// Read is true when the source was read to the end of its window.
	Read bool `json:"read"`
	// Detail names the table and query, or says what went wrong.
	Detail string `json:"detail,omitempty"`
	// DataEventCalls is how many root data events the source found.
	DataEventCalls int `json:"data_event_calls,omitempty"`
}

// AthenaSource names the trail table; set in Options, with Clients.Athena, to make Athena the
// primary source.
type AthenaSource struct {
	Table athena.Table
	// Lookback is how far back the query reads; athena.DefaultLookback (a year) when zero.
	Lookback time.Duration
}

// collect reads the evidence into u from the sources configured: LookupEvents alone, or Athena
// for the whole window but the last athena.DeliveryLag, which the trail may not have
// delivered yet, and LookupEvents for that tail. When the Athena query gives nothing (failed,
// refused, missing table) event history is read for its own window instead, and the window
// Athena should have covered stays a gap: event history lacks data events and anything older
// than 90 days, so the advice must not call a key unused on its word alone.
func collect(ctx context.Context, c Clients, o Options, regions []string, now func() time.Time, u *evidence.Usage) (evidence.Coverage, []Source, error) {
	lookup := &evidence.Collector{Client: c.CloudTrail, Regions: regions, Lookback: o.Lookback, Margin: o.Margin,
		Now: now, Progress: o.Progress}
	if c.Athena == nil || o.Athena == nil {
		cov, err := lookup.Collect(ctx, u)
		return cov, []Source{lookupSource(cov)}, err
	}
	end := now().UTC()
	lookup.Now = func() time.Time { return end }
	lookback := o.Athena.Lookback
	if lookback <= 0 {
		lookback = athena.DefaultLookback
	}
	ac := &athena.Collector{API: c.Athena, Table: o.Athena.Table, Regions: regions, Margin: o.Margin}
	acov, err := ac.Collect(ctx, athena.Query{Account: o.Account, Regions: regions,
		From: end.Add(-lookback), To: end.Add(-athena.DeliveryLag)}, u)
	if err != nil {
		return evidence.Coverage{}, nil, err
	}
	athenaSrc := Source{Name: "athena", From: acov.From, To: acov.To, DataEvents: true, Read: acov.Read(),
		Detail: "table " + acov.Table, DataEventCalls: acov.DataEventCalls}
	if acov.QueryID != "" {
		athenaSrc.Detail += ", query " + acov.QueryID
	}
	fallback := !acov.Read() && acov.Rows == 0 // rows already counted must not be read twice
	if fallback {
		athenaSrc.Detail += ": " + acov.Gap
	} else {
		lookup.Lookback = athena.DeliveryLag
	}
	tcov, err := lookup.Collect(ctx, u)
	if err != nil {
		return evidence.Coverage{}, nil, err
	}
	cov := evidence.Coverage{Start: acov.From, End: end, Regions: tcov.Regions, Gaps: tcov.Gaps}
	if !acov.Read() {
		reason := "Athena: " + acov.Gap
		if fallback {
			reason += "; event history (management events, at most 90 days) was read instead"
		}
		cov.Gaps = append(cov.Gaps, evidence.Gap{Region: "all Regions", From: acov.From, To: acov.To, Reason: reason})
	}
	return cov, []Source{athenaSrc, lookupSource(tcov)}, nil
}

func lookupSource(cov evidence.Coverage) Source {
	return Source{Name: "lookup-events", From: cov.Start, To: cov.End, Read: !cov.Partial()}
}
