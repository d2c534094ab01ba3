package athena

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsathena "github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/athena/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	emuathena "github.com/iam4-responder/iam4-responder/internal/emulator/athena"
	"github.com/iam4-responder/iam4-responder/internal/trailgen"
	"github.com/iam4-responder/iam4-responder/lambda/internal/evidence"
)

// fake is an Athena that answers from a script: the states GetQueryExecution walks through and
// the result pages. The SDK's real paginator runs on top of it.
type fake struct {
	startErr   error
	states     []types.QueryExecutionState
	reason     string
	pages      []*awsathena.GetQueryResultsOutput
	resultsErr error

	polls, stops int
	tokens       []string
}

func (f *fake) StartQueryExecution(ctx context.Context, in *awsathena.StartQueryExecutionInput, _ ...func(*awsathena.Options)) (*awsathena.StartQueryExecutionOutput, error) {
	if f.startErr != nil {
		return nil, f.startErr
	}
	return &awsathena.StartQueryExecutionOutput{QueryExecutionId: aws.String("q-1")}, nil
}

func (f *fake) GetQueryExecution(ctx context.Context, in *awsathena.GetQueryExecutionInput, _ ...func(*awsathena.Options)) (*awsathena.GetQueryExecutionOutput, error) {
	s := f.states[min(f.polls, len(f.states)-1)]
	f.polls++
	st := &types.QueryExecutionStatus{State: s}
	if f.reason != "" {
		st.StateChangeReason = aws.String(f.reason)
	}
	return &awsathena.GetQueryExecutionOutput{QueryExecution: &types.QueryExecution{Status: st,
		Statistics: &types.QueryExecutionStatistics{DataScannedInBytes: aws.Int64(4096)}}}, nil
}

func (f *fake) StopQueryExecution(ctx context.Context, in *awsathena.StopQueryExecutionInput, _ ...func(*awsathena.Options)) (*awsathena.StopQueryExecutionOutput, error) {
	f.stops++
	return &awsathena.StopQueryExecutionOutput{}, nil
}

func (f *fake) GetQueryResults(ctx context.Context, in *awsathena.GetQueryResultsInput, _ ...func(*awsathena.Options)) (*awsathena.GetQueryResultsOutput, error) {
	if f.resultsErr != nil {
		return nil, f.resultsErr
	}
	f.tokens = append(f.tokens, aws.ToString(in.NextToken))
	i := 0
	if in.NextToken != nil {
		i = int(aws.ToString(in.NextToken)[0] - '0')
	}
	return f.pages[i], nil
}

// page builds a result page; header adds the column-name row Athena puts first.
func page(header bool, next string, rows ...map[string]string) *awsathena.GetQueryResultsOutput {
	md := &types.ResultSetMetadata{}
	for _, c := range resultColumns {
		md.ColumnInfo = append(md.ColumnInfo, types.ColumnInfo{Name: aws.String(c), Type: aws.String("varchar")})
	}
	var rs []types.Row
	if header {
		var d []types.Datum
		for _, c := range resultColumns {
			d = append(d, types.Datum{VarCharValue: aws.String(c)})
		}
		rs = append(rs, types.Row{Data: d})
	}
	for _, r := range rows {
		var d []types.Datum
		for _, c := range resultColumns {
			if v, ok := r[c]; ok {
				d = append(d, types.Datum{VarCharValue: aws.String(v)})
			} else {
				d = append(d, types.Datum{})
			}
		}
		rs = append(rs, types.Row{Data: d})
	}
	out := &awsathena.GetQueryResultsOutput{ResultSet: &types.ResultSet{Rows: rs, ResultSetMetadata: md}}
	if next != "" {
		out.NextToken = aws.String(next)
	}
	return out
}

func keyRow(calls, first, last string) map[string]string {
	return map[string]string{
		"key_id": "AKIAIOSFODNN7EXAMPLE", "event_type": "AwsApiCall", "event_source": "s3.amazonaws.com",
		"event_name": "PutObject", "event_category": "Data", "aws_region": "us-east-1", "source_ip": "198.51.100.7",
		"user_agent": "aws-cli/2.15.0", "has_session": "false", "failed": "false", "calls": calls, "unnamed": "0",
		"first_time": first, "last_time": last,
		"resource_sets": `["[{\"arn\":\"arn:aws:s3:::b/k\",\"accountid\":null,\"type\":\"AWS::S3::Object\"}]"]`,
	}
}

type apiErr struct{ code, msg string }

func (e apiErr) Error() string                 { return e.code + ": " + e.msg }
func (e apiErr) ErrorCode() string             { return e.code }
func (e apiErr) ErrorMessage() string          { return e.msg }
func (e apiErr) ErrorFault() smithy.ErrorFault { return smithy.FaultClient }

func TestCollectTurnsEveryFailureIntoAGap(t *testing.T) {
	running, ok := types.QueryExecutionStateRunning, types.QueryExecutionStateSucceeded
	for _, tc := range []struct {
		name      string
		api       *fake
		deadline  bool
		wantGap   string
		wantCalls int
		wantStops int
	}{
		{
			name:    "a workgroup Athena does not know is a gap, not an error",
			api:     &fake{startErr: apiErr{"InvalidRequestException", "WorkGroup iam4 is not found."}},
			wantGap: "start query: InvalidRequestException: WorkGroup iam4 is not found.",
		},
		{
			name: "a failed query says why",
			api: &fake{states: []types.QueryExecutionState{running, types.QueryExecutionStateFailed},
				reason: "TABLE_NOT_FOUND: line 18:6: Table 'awsdatacatalog.cloudtrail.cloudtrail_logs' does not exist"},
			wantGap: "query failed: TABLE_NOT_FOUND: line 18:6: Table 'awsdatacatalog.cloudtrail.cloudtrail_logs' does not exist",
		},
		{
			name:    "a cancelled query is a gap",
			api:     &fake{states: []types.QueryExecutionState{types.QueryExecutionStateCancelled}},
			wantGap: "query cancelled: no reason given",
		},
		{
			name:      "a query still running at the deadline is stopped",
			api:       &fake{states: []types.QueryExecutionState{types.QueryExecutionStateQueued, running}},
			deadline:  true,
			wantGap:   "the query did not finish before the deadline (stopped)",
			wantStops: 1,
		},
		{
			name: "access denied on the results is a gap",
			api: &fake{states: []types.QueryExecutionState{ok},
				resultsErr: apiErr{"AccessDeniedException", "not authorized to perform athena:GetQueryResults"}},
			wantGap: "query results: AccessDeniedException: not authorized to perform athena:GetQueryResults",
		},
		{
			name: "results over two pages, the header only on the first, are all counted",
			api: &fake{states: []types.QueryExecutionState{types.QueryExecutionStateQueued, running, ok}, pages: []*awsathena.GetQueryResultsOutput{
				page(true, "1", keyRow("2", "2026-01-02T03:04:05Z", "2026-03-01T00:00:00Z")),
				page(false, "", keyRow("5", "2026-05-02T03:04:05Z", "2026-06-01T00:00:00Z")),
			}},
			wantCalls: 7,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := t.Context()
			wait := func(ctx context.Context, d time.Duration) error { return ctx.Err() }
			if tc.deadline {
				// The clock runs out at the first wait: the deadline has come.
				var cancel context.CancelFunc
				ctx, cancel = context.WithCancel(ctx)
				defer cancel()
				wait = func(context.Context, time.Duration) error { cancel(); return context.DeadlineExceeded }
			}
			c := &Collector{API: tc.api, Table: Table{Name: "cloudtrail_logs", Workgroup: "iam4"}, Wait: wait}
			u := evidence.NewUsage(nil)
			cov, err := c.Collect(ctx, Query{Account: "111122223333", From: heldOutNow.Add(-DefaultLookback), To: heldOutNow}, u)
			if err != nil {
				t.Fatal(err)
			}
			got := []any{cov.Gap, u.Summary().AccessKeyCalls, tc.api.stops}
			want := []any{tc.wantGap, tc.wantCalls, tc.wantStops}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("gap, key calls, stops (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCollectRefusesWhatCannotBeQueried(t *testing.T) {
	for _, tc := range []struct {
		name  string
		table Table
		q     Query
		want  string
	}{
		{"an account id that is not 12 digits", Table{Name: "t", Workgroup: "w"},
			Query{Account: "1111' OR 1=1 --", From: heldOutNow.Add(-time.Hour), To: heldOutNow}, "is not a 12-digit id"},
		{"a table name that needs quoting", Table{Name: `t"; DROP`, Workgroup: "w"},
			Query{Account: "111122223333", From: heldOutNow.Add(-time.Hour), To: heldOutNow}, "is not a Glue identifier"},
		{"a Region that is not one", Table{Name: "t", Workgroup: "w"},
			Query{Account: "111122223333", Regions: []string{"us-east-1'"}, From: heldOutNow.Add(-time.Hour), To: heldOutNow}, "is not a Region name"},
		{"an empty window", Table{Name: "t", Workgroup: "w"},
			Query{Account: "111122223333", From: heldOutNow, To: heldOutNow}, "empty window"},
		{"no workgroup", Table{Name: "t"},
			Query{Account: "111122223333", From: heldOutNow.Add(-time.Hour), To: heldOutNow}, "no workgroup"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := (&Collector{API: &fake{}, Table: tc.table}).Collect(t.Context(), tc.q, evidence.NewUsage(nil))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestMissingTableOnTheEngineIsAGap(t *testing.T) {
	client := serve(t, heldOutTrail(t, trailgen.Layout{OrgID: "o-exampleorgid"}), emuathena.Options{Workgroup: "iam4"})
	c := &Collector{API: client, Table: Table{Name: "no_such_table", Workgroup: "iam4"}, Poll: time.Millisecond}
	cov, err := c.Collect(t.Context(), Query{Account: "111122223333", From: heldOutNow.Add(-DefaultLookback), To: heldOutNow},
		evidence.NewUsage(nil))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(cov.Gap, "query failed: ") || !strings.Contains(cov.Gap, "no_such_table") {
		t.Errorf("gap = %q, want a failed query naming the table", cov.Gap)
	}
}
