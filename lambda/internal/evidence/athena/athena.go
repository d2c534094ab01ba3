// Package athena reads the root user's history from an organization trail with Amazon Athena:
// one aggregating query per account over the CloudTrail table, so that a year of management and
// data events costs the function one page of results per few hundred distinct callers, not one
// request per 50 events as LookupEvents does.
//
// It classifies with package evidence's rules (Classify, Usage) on rows that stand for many
// identical calls. It never turns a failed, cancelled or unreadable query into an error or into
// "no use": the window becomes a gap in the coverage, and the advice stays partial.
package athena

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsathena "github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/athena/types"
	"github.com/aws/smithy-go"

	"github.com/iam4-responder/iam4-responder/lambda/internal/evidence"
)

// DefaultLookback is how far back a query reads when none is set: a year, so that a yearly job
// using the key is seen before the key is deleted.
const DefaultLookback = 365 * 24 * time.Hour

// DeliveryLag is how far behind real time a trail's S3 objects may be. CloudTrail delivers log
// files "within an average of about 5 minutes of an API call", not guaranteed (CloudTrail user
// guide, "How CloudTrail works"); the responder reads the last DeliveryLag from event history.
const DeliveryLag = 15 * time.Minute

// maxResultsPage is GetQueryResults' largest page (botocore athena model, MaxQueryResults).
const maxResultsPage = 1000

// API is the part of the Athena client the collector calls.
type API interface {
	StartQueryExecution(ctx context.Context, in *awsathena.StartQueryExecutionInput, opts ...func(*awsathena.Options)) (*awsathena.StartQueryExecutionOutput, error)
	GetQueryExecution(ctx context.Context, in *awsathena.GetQueryExecutionInput, opts ...func(*awsathena.Options)) (*awsathena.GetQueryExecutionOutput, error)
	StopQueryExecution(ctx context.Context, in *awsathena.StopQueryExecutionInput, opts ...func(*awsathena.Options)) (*awsathena.StopQueryExecutionOutput, error)
	awsathena.GetQueryResultsAPIClient
}

// Collector runs the query for one account and feeds its rows to a Usage.
type Collector struct {
	API   API
	Table Table
	// Regions prune the Region partition; empty reads every Region the table projects.
	Regions []string
	// Margin is kept free before the context's deadline, to stop the query and report.
	Margin time.Duration
	// Poll is the first wait between GetQueryExecution calls, doubled up to MaxPoll; 250 ms and
	// 5 s when zero.
	Poll, MaxPoll time.Duration
	// Wait sleeps for d or until ctx ends; a timer when nil (tests pass an instant one).
	Wait func(ctx context.Context, d time.Duration) error
}

// Coverage says what the query read.
type Coverage struct {
	Source string    `json:"source"` // "athena"
	Table  string    `json:"table"`
	From   time.Time `json:"from"`
	To     time.Time `json:"to"`
	// DataEvents: the query read data events as well as management events (whatever the
	// trail's event selectors log); DataEventCalls is how many root data events it found.
	DataEvents     bool   `json:"data_events"`
	DataEventCalls int    `json:"data_event_calls"`
	QueryID        string `json:"query_id,omitempty"`
	Rows           int    `json:"rows"`
	RootRecords    int    `json:"root_records"`
	ScannedBytes   int64  `json:"scanned_bytes"`
	// Gap is why the window was not read, or read only in part; empty when it was read whole.
	Gap string `json:"gap,omitempty"`
}

// Read reports whether the query's results were read to the end.
func (c Coverage) Read() bool { return c.Gap == "" }

// Collect runs q and adds its rows to u. It returns an error only for a misconfiguration (a
// bad table or account); what AWS refuses or fails becomes Coverage.Gap.
func (c *Collector) Collect(ctx context.Context, q Query, u *evidence.Usage) (Coverage, error) {
	sql, err := q.SQL(c.Table)
	if err != nil {
		return Coverage{}, err
	}
	cov := Coverage{Source: "athena", Table: c.tableName(), From: q.From.UTC(), To: q.To.UTC(), DataEvents: true}
	if deadline, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline.Add(-c.Margin))
		defer cancel()
	}
	in := &awsathena.StartQueryExecutionInput{
		QueryString: aws.String(sql),
		WorkGroup:   aws.String(c.Table.Workgroup),
	}
	if c.Table.Database != "" {
		in.QueryExecutionContext = &types.QueryExecutionContext{Database: aws.String(c.Table.Database)}
	}
	if c.Table.OutputLocation != "" {
		in.ResultConfiguration = &types.ResultConfiguration{OutputLocation: aws.String(c.Table.OutputLocation)}
	}
	start, err := c.API.StartQueryExecution(ctx, in)
	if err != nil {
		cov.Gap = "start query: " + reason(err)
		return cov, nil
	}
	cov.QueryID = aws.ToString(start.QueryExecutionId)
	exec, gap := c.wait(ctx, cov.QueryID)
	if exec != nil && exec.Statistics != nil {
		cov.ScannedBytes = aws.ToInt64(exec.Statistics.DataScannedInBytes)
	}
	if gap != "" {
		cov.Gap = gap
		return cov, nil
	}
	if gap := c.read(ctx, cov.QueryID, u, &cov); gap != "" {
		cov.Gap = gap
	}
	return cov, nil
}

func (c *Collector) tableName() string {
	if c.Table.Database == "" {
		return c.Table.Name
	}
	return c.Table.Database + "." + c.Table.Name
}

// wait polls GetQueryExecution with a doubling interval until the query ends or the deadline
// comes; at the deadline it stops the query, which Athena bills by the bytes scanned.
func (c *Collector) wait(ctx context.Context, id string) (*types.QueryExecution, string) {
	sleep := c.Wait
	if sleep == nil {
		sleep = timerWait
	}
	poll, maxPoll := c.Poll, c.MaxPoll
	if poll <= 0 {
		poll = 250 * time.Millisecond
	}
	if maxPoll <= 0 {
		maxPoll = 5 * time.Second
	}
	for {
		out, err := c.API.GetQueryExecution(ctx, &awsathena.GetQueryExecutionInput{QueryExecutionId: aws.String(id)})
		if err != nil {
			if ctx.Err() != nil {
				return nil, c.stop(id, "the query did not finish before the deadline")
			}
			return nil, "query status: " + reason(err)
		}
		exec := out.QueryExecution
		if exec == nil || exec.Status == nil {
			return exec, "query status: Athena returned no status"
		}
		switch exec.Status.State {
		case types.QueryExecutionStateSucceeded:
			return exec, ""
		case types.QueryExecutionStateFailed, types.QueryExecutionStateCancelled:
			why := aws.ToString(exec.Status.StateChangeReason)
			if why == "" {
				why = "no reason given"
			}
			return exec, fmt.Sprintf("query %s: %s", stateWord(exec.Status.State), why)
		}
		if err := sleep(ctx, poll); err != nil {
			return exec, c.stop(id, "the query did not finish before the deadline")
		}
		poll = min(2*poll, maxPoll)
	}
}

// stop cancels a query that outlived the deadline, on a short context of its own since ctx
// has ended.
func (c *Collector) stop(id, why string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := c.API.StopQueryExecution(ctx, &awsathena.StopQueryExecutionInput{QueryExecutionId: aws.String(id)}); err != nil {
		return why + " (stopping it failed: " + reason(err) + ")"
	}
	return why + " (stopped)"
}

func stateWord(s types.QueryExecutionState) string {
	if s == types.QueryExecutionStateCancelled {
		return "cancelled"
	}
	return "failed"
}

// read pages through the results with the SDK's paginator. The first row of a SELECT's first
// page is the header (Athena user guide, "Working with query results"), checked against the
// expected columns so that a table of another shape is a gap, not a misread.
func (c *Collector) read(ctx context.Context, id string, u *evidence.Usage, cov *Coverage) string {
	pages := awsathena.NewGetQueryResultsPaginator(c.API, &awsathena.GetQueryResultsInput{
		QueryExecutionId: aws.String(id), MaxResults: aws.Int32(maxResultsPage),
	})
	var cols map[string]int
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Sprintf("the deadline came after %d result rows: the counts are incomplete", cov.Rows)
			}
			return "query results: " + reason(err)
		}
		if page.ResultSet == nil {
			continue
		}
		rows := page.ResultSet.Rows
		if cols == nil {
			var err error
			if cols, err = columnIndex(page.ResultSet.ResultSetMetadata); err != nil {
				return err.Error()
			}
			if len(rows) > 0 && isHeader(rows[0], cols) {
				rows = rows[1:]
			}
		}
		for _, r := range rows {
			row, err := parseRow(r, cols)
			if err != nil {
				return fmt.Sprintf("result row %d: %v", cov.Rows+1, err)
			}
			cov.Rows++
			cov.RootRecords += row.calls
			if row.category == "Data" {
				cov.DataEventCalls += row.calls
			}
			row.feed(u)
		}
	}
	return ""
}

// reason is the part of an error worth putting in a ticket: the API's code and message.
func reason(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode() + ": " + api.ErrorMessage()
	}
	return err.Error()
}

func timerWait(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
