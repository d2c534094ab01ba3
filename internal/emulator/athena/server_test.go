package athena

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsathena "github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/athena/types"
	"github.com/google/go-cmp/cmp"

	"github.com/iam4-responder/iam4-responder/internal/localaws"
)

func client(t *testing.T) *awsathena.Client {
	t.Helper()
	srv, err := New(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		hs.Close()
		srv.Close()
	})
	return awsathena.NewFromConfig(localaws.Config(hs.URL))
}

// waitFor polls the query's state until it leaves QUEUED and RUNNING, within a bound.
func waitFor(t *testing.T, c *awsathena.Client, id *string) types.QueryExecutionStatus {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		out, err := c.GetQueryExecution(ctx, &awsathena.GetQueryExecutionInput{QueryExecutionId: id})
		if err != nil {
			t.Fatal(err)
		}
		if s := out.QueryExecution.Status; s.State != types.QueryExecutionStateQueued && s.State != types.QueryExecutionStateRunning {
			return *s
		}
		select {
		case <-ctx.Done():
			t.Fatal("the query did not end within a minute")
		case <-tick.C:
		}
	}
}

func TestResultsPageAsAthenaDoes(t *testing.T) {
	c := client(t)
	start, err := c.StartQueryExecution(t.Context(), &awsathena.StartQueryExecutionInput{
		QueryString: aws.String("SELECT CAST(range AS BIGINT) AS n, range % 2 = 0 AS even, CAST(NULL AS VARCHAR) AS nothing FROM range(2500)"),
		WorkGroup:   aws.String("primary"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if s := waitFor(t, c, start.QueryExecutionId); s.State != types.QueryExecutionStateSucceeded {
		t.Fatalf("state %s: %s", s.State, aws.ToString(s.StateChangeReason))
	}
	pages := awsathena.NewGetQueryResultsPaginator(c, &awsathena.GetQueryResultsInput{QueryExecutionId: start.QueryExecutionId})
	var sizes []int
	var header, last []string
	var colTypes []string
	for pages.HasMorePages() {
		p, err := pages.NextPage(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(p.ResultSet.Rows))
		if header == nil {
			for _, d := range p.ResultSet.Rows[0].Data {
				header = append(header, aws.ToString(d.VarCharValue))
			}
			for _, ci := range p.ResultSet.ResultSetMetadata.ColumnInfo {
				colTypes = append(colTypes, aws.ToString(ci.Type))
			}
		}
		last = nil
		for _, d := range p.ResultSet.Rows[len(p.ResultSet.Rows)-1].Data {
			if d.VarCharValue == nil {
				last = append(last, "<null>")
			} else {
				last = append(last, *d.VarCharValue)
			}
		}
	}
	got := []any{sizes, header, colTypes, last}
	// 2,500 rows and the header row in pages of 1,000.
	want := []any{[]int{1000, 1000, 501}, []string{"n", "even", "nothing"}, []string{"bigint", "boolean", "varchar"},
		[]string{"2499", "false", "<null>"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("page sizes, header, types, last row (-want +got):\n%s", diff)
	}
}

func TestRefusalsAndFailuresAreAthenas(t *testing.T) {
	c := client(t)
	_, err := c.StartQueryExecution(t.Context(), &awsathena.StartQueryExecutionInput{
		QueryString: aws.String("SELECT 1"), WorkGroup: aws.String("other"),
	})
	var invalid *types.InvalidRequestException
	if !errors.As(err, &invalid) || aws.ToString(invalid.Message) != "WorkGroup other is not found." {
		t.Errorf("unknown workgroup: %v", err)
	}
	start, err := c.StartQueryExecution(t.Context(), &awsathena.StartQueryExecutionInput{
		QueryString: aws.String(`SELECT * FROM "cloudtrail"."missing"`), WorkGroup: aws.String("primary"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if s := waitFor(t, c, start.QueryExecutionId); s.State != types.QueryExecutionStateFailed || s.AthenaError == nil {
		t.Errorf("missing table: state %s, error %v", s.State, s.AthenaError)
	}
	if _, err := c.GetQueryResults(t.Context(), &awsathena.GetQueryResultsInput{QueryExecutionId: start.QueryExecutionId}); !errors.As(err, &invalid) {
		t.Errorf("results of a failed query: %v", err)
	}
}

func TestStopCancelsARunningQuery(t *testing.T) {
	c := client(t)
	// A cross join large enough to run for minutes.
	start, err := c.StartQueryExecution(t.Context(), &awsathena.StartQueryExecutionInput{
		QueryString: aws.String("SELECT count(*) FROM range(100000000) a, range(100000) b"), WorkGroup: aws.String("primary"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.StopQueryExecution(t.Context(), &awsathena.StopQueryExecutionInput{QueryExecutionId: start.QueryExecutionId}); err != nil {
		t.Fatal(err)
	}
	if s := waitFor(t, c, start.QueryExecutionId); s.State != types.QueryExecutionStateCancelled {
		t.Errorf("state %s, want CANCELLED", s.State)
	}
}

func TestAnEmptyTrailIsAnEmptyTable(t *testing.T) {
	c := client(t)
	start, err := c.StartQueryExecution(t.Context(), &awsathena.StartQueryExecutionInput{
		QueryString: aws.String(`SELECT count(*) AS n FROM "cloudtrail"."cloudtrail_logs" WHERE useridentity.type = 'Root'`),
		WorkGroup:   aws.String("primary"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if s := waitFor(t, c, start.QueryExecutionId); s.State != types.QueryExecutionStateSucceeded {
		t.Fatalf("state %s: %s", s.State, aws.ToString(s.StateChangeReason))
	}
	out, err := c.GetQueryResults(t.Context(), &awsathena.GetQueryResultsInput{QueryExecutionId: start.QueryExecutionId})
	if err != nil {
		t.Fatal(err)
	}
	if n := aws.ToString(out.ResultSet.Rows[1].Data[0].VarCharValue); n != "0" {
		t.Errorf("count = %s, want 0", n)
	}
}
