package athena

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/iam4-responder/iam4-responder/lambda/contract"
)

// Table names the CloudTrail table: the Athena user guide's table ("Create the table for
// CloudTrail logs in Athena using partition projection"), with the partition columns of an
// organization trail's layout, AWSLogs/[<o-id>/]<account>/CloudTrail/<region>/<yyyy>/<MM>/<dd>/.
type Table struct {
	Database  string // Glue database; empty: the workgroup's default
	Name      string
	Workgroup string
	// OutputLocation is the s3:// prefix for results; empty: the workgroup's setting.
	OutputLocation string
	// Partition columns; "account", "region" and "timestamp" (yyyy/MM/dd) when empty. A table
	// without an account partition (a single-account trail) sets AccountColumn to "-".
	AccountColumn, RegionColumn, DateColumn string
}

func (t Table) columns() (account, region, date string) {
	return cmp.Or(t.AccountColumn, "account"), cmp.Or(t.RegionColumn, "region"), cmp.Or(t.DateColumn, "timestamp")
}

// identifier is what Glue allows in database, table and column names (lower-case letters,
// digits, underscore); anything else is refused rather than quoted, since these names end up
// inside SQL text.
var identifier = regexp.MustCompile(`^[A-Za-z0-9_]{1,255}$`)

// Check reports a table description that cannot be put into a query.
func (t Table) Check() error {
	if t.Name == "" {
		return fmt.Errorf("athena: no table name")
	}
	if t.Workgroup == "" {
		return fmt.Errorf("athena: no workgroup")
	}
	acc, reg, date := t.columns()
	for _, s := range []string{t.Name, reg, date} {
		if !identifier.MatchString(s) {
			return fmt.Errorf("athena: %q is not a Glue identifier", s)
		}
	}
	if acc != "-" && !identifier.MatchString(acc) {
		return fmt.Errorf("athena: %q is not a Glue identifier", acc)
	}
	if t.Database != "" && !identifier.MatchString(t.Database) {
		return fmt.Errorf("athena: %q is not a Glue identifier", t.Database)
	}
	return nil
}

// Query is one query the collector sends: the account, the Regions (none: every Region the
// table projects) and the half-open time window [From, To).
type Query struct {
	Account  string
	Regions  []string
	From, To time.Time
}

// Result columns, in order. Every column is a group key or an aggregate, so the engine returns
// one row per distinct caller shape and hour, not one per event: the function's memory follows
// the number of distinct callers and the hours they called in, never the number of calls. The
// hour (the first 13 characters of eventtime, "2026-10-26T02") is a group key that is not a
// column: every row's calls fall within one hour, so its first and last times place them on
// their day and hour exactly, which the ticket's activity chart and cadence need.
var resultColumns = []string{
	"key_id", "event_type", "event_source", "event_name", "event_category", "aws_region",
	"source_ip", "user_agent", "invoked_by", "from_console", "has_session", "failed",
	"calls", "unnamed", "first_time", "last_time", "resource_sets",
}

// maxResourceSets bounds the distinct resource lists a row carries; one more than the
// evidence's per-action ARN limit, so that the overflow is still seen.
const maxResourceSets = 33

// SQL renders the query in the subset of SQL that Athena's engine (Trino) and DuckDB share;
// the emulator defines DuckDB macros for the three Trino functions it lacks (cardinality of an
// array, slice, json_format). Partition predicates come first so that Athena prunes to the
// account's days: the date partition is a yyyy/MM/dd string, so a string comparison prunes, and
// eventtime is an ISO 8601 string, so it compares in time order too.
func (q Query) SQL(t Table) (string, error) {
	if err := t.Check(); err != nil {
		return "", err
	}
	if contract.CheckAccountID(q.Account) != nil {
		return "", fmt.Errorf("athena: account %q is not a 12-digit id", q.Account)
	}
	if !q.From.Before(q.To) {
		return "", fmt.Errorf("athena: empty window %s to %s", q.From, q.To)
	}
	acc, reg, date := t.columns()
	from, to := q.From.UTC(), q.To.UTC()
	var where []string
	if acc != "-" {
		where = append(where, fmt.Sprintf("%q = '%s'", acc, q.Account))
	}
	if len(q.Regions) > 0 {
		rs := slices.Clone(q.Regions)
		slices.Sort(rs)
		quoted := make([]string, 0, len(rs))
		for _, r := range slices.Compact(rs) {
			if !contract.RegionShaped(r) {
				return "", fmt.Errorf("athena: %q is not a Region name", r)
			}
			quoted = append(quoted, "'"+r+"'")
		}
		where = append(where, fmt.Sprintf("%q IN (%s)", reg, strings.Join(quoted, ", ")))
	}
	// The last day's partition holds events up to its end, hence <= on the day of To.
	where = append(where,
		fmt.Sprintf("%q >= '%s'", date, from.Format("2006/01/02")),
		fmt.Sprintf("%q <= '%s'", date, to.Format("2006/01/02")),
		"useridentity.type = 'Root'",
		fmt.Sprintf("eventtime >= '%s'", from.Format(time.RFC3339)),
		fmt.Sprintf("eventtime < '%s'", to.Format(time.RFC3339)),
	)
	if acc == "-" {
		where = append(where, fmt.Sprintf("recipientaccountid = '%s'", q.Account))
	}
	table := fmt.Sprintf("%q", t.Name)
	if t.Database != "" {
		table = fmt.Sprintf("%q.%q", t.Database, t.Name)
	}
	return fmt.Sprintf(`SELECT
  useridentity.accesskeyid AS key_id,
  eventtype AS event_type,
  eventsource AS event_source,
  eventname AS event_name,
  eventcategory AS event_category,
  awsregion AS aws_region,
  sourceipaddress AS source_ip,
  useragent AS user_agent,
  useridentity.invokedby AS invoked_by,
  sessioncredentialfromconsole AS from_console,
  useridentity.sessioncontext IS NOT NULL AS has_session,
  (errorcode IS NOT NULL AND errorcode <> '') AS failed,
  count(*) AS calls,
  count_if(resources IS NULL OR cardinality(resources) = 0) AS unnamed,
  min(eventtime) AS first_time,
  max(eventtime) AS last_time,
  json_format(CAST(slice(array_agg(DISTINCT json_format(CAST(resources AS JSON))) FILTER (WHERE cardinality(resources) > 0), 1, %d) AS JSON)) AS resource_sets
FROM %s
WHERE %s
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, substr(eventtime, 1, 13)
`, maxResourceSets, table, strings.Join(where, "\n  AND ")), nil
}
