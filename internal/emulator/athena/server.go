// Package athena emulates Amazon Athena's query API (StartQueryExecution, GetQueryExecution,
// GetQueryResults, StopQueryExecution; JSON 1.1 under the AmazonAthena target prefix) by
// running the SQL on DuckDB over a trail directory laid out as CloudTrail writes it to S3.
//
// It needs cgo (DuckDB) and so stands apart from package emulator: the Lambda bootstrap and
// the tests of other packages never link it. It is for tests and local runs only.
package athena

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "github.com/duckdb/duckdb-go/v2" // registers the "duckdb" driver
)

// Options name the trail table the emulator serves.
type Options struct {
	Database  string // "cloudtrail" when empty
	Table     string // "cloudtrail_logs" when empty
	Workgroup string // "primary" when empty; other workgroups do not exist
	// Now is the clock for the timestamps in query statuses; time.Now when nil.
	Now func() time.Time
}

// Server serves the Athena API. Queries run in the background, as on Athena: a query is
// QUEUED, then RUNNING, then SUCCEEDED, FAILED or CANCELLED, and its results stay readable.
type Server struct {
	db   *sql.DB
	opts Options

	mu      sync.Mutex
	queries map[string]*execution
	seq     int
	wg      sync.WaitGroup
}

type execution struct {
	id, query, database, workgroup string
	state, reason                  string
	submitted, completed           time.Time
	cancel                         context.CancelFunc
	columns                        []column
	rows                           [][]*string
	elapsed                        time.Duration
}

type column struct{ name, typ string }

var identifier = regexp.MustCompile(`^[A-Za-z0-9_]{1,255}$`)

// New opens an in-memory DuckDB and defines the table over dir.
func New(dir string, o Options) (*Server, error) {
	if o.Database == "" {
		o.Database = "cloudtrail"
	}
	if o.Table == "" {
		o.Table = "cloudtrail_logs"
	}
	if o.Workgroup == "" {
		o.Workgroup = "primary"
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	for _, s := range []string{o.Database, o.Table} {
		if !identifier.MatchString(s) {
			return nil, fmt.Errorf("athena emulator: %q is not a Glue identifier", s)
		}
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return nil, fmt.Errorf("open duckdb: %w", err)
	}
	stmts := append([]string{}, macros...)
	stmts = append(stmts, fmt.Sprintf("CREATE SCHEMA %q", o.Database), viewSQL(o.Database, o.Table, dir))
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			db.Close()
			return nil, fmt.Errorf("athena emulator: %s: %w", s, err)
		}
	}
	return &Server{db: db, opts: o, queries: map[string]*execution{}}, nil
}

// Close cancels running queries, waits for them and closes the engine.
func (s *Server) Close() error {
	s.mu.Lock()
	for _, q := range s.queries {
		q.cancel()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return s.db.Close()
}

// Handles reports whether a request is an Athena call (X-Amz-Target AmazonAthena.*).
func Handles(r *http.Request) bool {
	return strings.HasPrefix(r.Header.Get("X-Amz-Target"), targetPrefix)
}

const targetPrefix = "AmazonAthena."

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op := r.Header.Get("X-Amz-Target")
	if !Handles(r) {
		writeError(w, http.StatusBadRequest, "UnknownOperationException", "not an Athena call: "+op)
		return
	}
	var out any
	var err error
	switch op[len(targetPrefix):] {
	case "StartQueryExecution":
		var in startInput
		if err = decode(r, &in); err == nil {
			out, err = s.start(in)
		}
	case "GetQueryExecution":
		var in idInput
		if err = decode(r, &in); err == nil {
			out, err = s.status(in.QueryExecutionID)
		}
	case "GetQueryResults":
		var in resultsInput
		if err = decode(r, &in); err == nil {
			out, err = s.results(in)
		}
	case "StopQueryExecution":
		var in idInput
		if err = decode(r, &in); err == nil {
			out, err = s.stop(in.QueryExecutionID)
		}
	default:
		writeError(w, http.StatusBadRequest, "UnknownOperationException", "the emulator does not serve "+op)
		return
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "InvalidRequestException", err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_ = json.NewEncoder(w).Encode(out)
}

// apiMessage is an error worded as Athena words it, capitals and full stop included.
type apiMessage string

func (m apiMessage) Error() string { return string(m) }

func decode(r *http.Request, v any) error {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		return fmt.Errorf("request body: %w", err)
	}
	return nil
}

// writeError answers in the JSON 1.1 error shape (__type and Message), which the SDK turns into
// the modelled exception.
func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": code, "Message": msg})
}

// Request shapes, as in botocore's athena model (2017-05-18).
type startInput struct {
	QueryString           string `json:"QueryString"`
	ClientRequestToken    string `json:"ClientRequestToken"`
	WorkGroup             string `json:"WorkGroup"`
	QueryExecutionContext *struct {
		Database string `json:"Database"`
		Catalog  string `json:"Catalog"`
	} `json:"QueryExecutionContext"`
}

type idInput struct {
	QueryExecutionID string `json:"QueryExecutionId"`
}

type resultsInput struct {
	QueryExecutionID string `json:"QueryExecutionId"`
	NextToken        string `json:"NextToken"`
	MaxResults       int    `json:"MaxResults"`
}

func (s *Server) start(in startInput) (any, error) {
	if in.QueryString == "" {
		return nil, errors.New("QueryString is required")
	}
	wg := in.WorkGroup
	if wg == "" {
		wg = "primary"
	}
	if wg != s.opts.Workgroup {
		return nil, apiMessage(fmt.Sprintf("WorkGroup %s is not found.", wg))
	}
	database := s.opts.Database
	if c := in.QueryExecutionContext; c != nil && c.Database != "" {
		if !identifier.MatchString(c.Database) {
			return nil, fmt.Errorf("database %q is not a Glue identifier", c.Database)
		}
		database = c.Database
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	q := &execution{
		id: fmt.Sprintf("a1b2c3d4-5678-90ab-cdef-%012d", s.seq), query: in.QueryString, database: database,
		workgroup: wg, state: "QUEUED", submitted: s.opts.Now(), cancel: cancel,
	}
	s.queries[q.id] = q
	s.wg.Go(func() { s.run(ctx, q) })
	return map[string]string{"QueryExecutionId": q.id}, nil
}

// run executes the query on a connection of its own, whose search path starts at the query's
// database, as an unqualified table name resolves in Athena's query context.
func (s *Server) run(ctx context.Context, q *execution) {
	s.setState(q, "RUNNING", "")
	began := time.Now()
	cols, rows, err := s.execute(ctx, q)
	s.mu.Lock()
	defer s.mu.Unlock()
	q.elapsed = time.Since(began)
	q.completed = s.opts.Now()
	switch {
	case q.state == "CANCELLED":
	case err != nil && ctx.Err() != nil:
		q.state, q.reason = "CANCELLED", "Query was cancelled by user"
	case err != nil:
		q.state, q.reason = "FAILED", err.Error()
	default:
		q.state, q.columns, q.rows = "SUCCEEDED", cols, rows
	}
}

func (s *Server) setState(q *execution, state, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if q.state == "QUEUED" {
		q.state, q.reason = state, reason
	}
}

func (s *Server) execute(ctx context.Context, q *execution) ([]column, [][]*string, error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("SET search_path = %s", quote(q.database+",main"))); err != nil {
		return nil, nil, err
	}
	rs, err := conn.QueryContext(ctx, q.query)
	if err != nil {
		return nil, nil, err
	}
	defer rs.Close()
	types, err := rs.ColumnTypes()
	if err != nil {
		return nil, nil, err
	}
	cols := make([]column, len(types))
	for i, t := range types {
		cols[i] = column{name: t.Name(), typ: athenaType(t.DatabaseTypeName())}
	}
	var rows [][]*string
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rs.Next() {
		if err := rs.Scan(ptrs...); err != nil {
			return nil, nil, err
		}
		row := make([]*string, len(cols))
		for i, v := range vals {
			row[i] = text(v)
		}
		rows = append(rows, row)
	}
	return cols, rows, rs.Err()
}

// athenaType names a DuckDB result type as Athena's ColumnInfo.Type does.
func athenaType(duck string) string {
	switch duck {
	case "VARCHAR":
		return "varchar"
	case "BIGINT", "HUGEINT", "UBIGINT":
		return "bigint"
	case "INTEGER":
		return "integer"
	case "BOOLEAN":
		return "boolean"
	case "DOUBLE":
		return "double"
	default:
		return "varchar"
	}
}

// text renders a value as GetQueryResults' VarCharValue does: NULL has no value, booleans are
// true/false, numbers in decimal.
func text(v any) *string {
	var s string
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		s = x
	case bool:
		s = strconv.FormatBool(x)
	case []byte:
		s = string(x)
	case time.Time:
		s = x.UTC().Format("2006-01-02 15:04:05.000")
	default:
		s = fmt.Sprint(x)
	}
	return &s
}

func (s *Server) lookup(id string) (*execution, error) {
	q, ok := s.queries[id]
	if !ok {
		return nil, fmt.Errorf("QueryExecution %s was not found", id)
	}
	return q, nil
}

func (s *Server) status(id string) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q, err := s.lookup(id)
	if err != nil {
		return nil, err
	}
	status := map[string]any{"State": q.state, "SubmissionDateTime": epoch(q.submitted)}
	if q.reason != "" {
		status["StateChangeReason"] = q.reason
	}
	if !q.completed.IsZero() {
		status["CompletionDateTime"] = epoch(q.completed)
	}
	if q.state == "FAILED" {
		status["AthenaError"] = map[string]any{"ErrorCategory": 2, "ErrorType": 1000, "Retryable": false, "ErrorMessage": q.reason}
	}
	return map[string]any{"QueryExecution": map[string]any{
		"QueryExecutionId": q.id, "Query": q.query, "StatementType": "DML", "WorkGroup": q.workgroup,
		"QueryExecutionContext": map[string]string{"Database": q.database, "Catalog": "AwsDataCatalog"},
		"Status":                status,
		"Statistics":            map[string]any{"EngineExecutionTimeInMillis": q.elapsed.Milliseconds(), "DataScannedInBytes": 0},
	}}, nil
}

// epoch is a timestamp as JSON 1.1 carries it: seconds since the epoch.
func epoch(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }

func (s *Server) results(in resultsInput) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q, err := s.lookup(in.QueryExecutionID)
	if err != nil {
		return nil, err
	}
	if q.state != "SUCCEEDED" {
		return nil, apiMessage("Query has not yet finished. Current state: " + q.state)
	}
	size := in.MaxResults
	if size == 0 {
		size = 1000
	}
	if size < 1 || size > 1000 {
		return nil, fmt.Errorf("MaxResults %d: must be 1 to 1000", size)
	}
	// The header row counts as the first row of the first page, as on Athena.
	all := len(q.rows) + 1
	from := 0
	if in.NextToken != "" {
		if from, err = strconv.Atoi(in.NextToken); err != nil || from < 0 || from > all {
			return nil, errors.New("NextToken is invalid")
		}
	}
	to := min(from+size, all)
	var rows []map[string]any
	for i := from; i < to; i++ {
		var data []map[string]string
		if i == 0 {
			for _, c := range q.columns {
				data = append(data, map[string]string{"VarCharValue": c.name})
			}
		} else {
			for _, v := range q.rows[i-1] {
				d := map[string]string{}
				if v != nil {
					d["VarCharValue"] = *v
				}
				data = append(data, d)
			}
		}
		rows = append(rows, map[string]any{"Data": data})
	}
	var info []map[string]any
	for _, c := range q.columns {
		info = append(info, map[string]any{"CatalogName": "hive", "Name": c.name, "Label": c.name, "Type": c.typ, "Nullable": "UNKNOWN"})
	}
	out := map[string]any{"UpdateCount": 0, "ResultSet": map[string]any{"Rows": rows, "ResultSetMetadata": map[string]any{"ColumnInfo": info}}}
	if to < all {
		out["NextToken"] = strconv.Itoa(to)
	}
	return out, nil
}

func (s *Server) stop(id string) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q, err := s.lookup(id)
	if err != nil {
		return nil, err
	}
	if q.state == "QUEUED" || q.state == "RUNNING" {
		q.state, q.reason = "CANCELLED", "Query was cancelled by user"
		q.cancel()
	}
	return map[string]any{}, nil
}

// Route sends Athena calls to s and every other request to next, so that one address (one
// AWS_ENDPOINT_URL) serves Athena beside the project's other emulated APIs.
func (s *Server) Route(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if Handles(r) {
			s.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}
