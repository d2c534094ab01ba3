package athena

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
)

// recordType is a CloudTrail record as the Athena user guide's CloudTrail table declares it
// ("Create the table for CloudTrail logs in Athena using partition projection"), with the
// record's own camelCase keys so that DuckDB's JSON reader finds them (Athena's JSON SerDe
// matches keys case-insensitively; DuckDB resolves column and field names case-insensitively,
// so queries written against the Glue table's lower-case names work unchanged). Fields the
// guide declares as STRING hold JSON objects as text, as the SerDe does.
const recordType = `STRUCT(
  eventVersion VARCHAR,
  userIdentity STRUCT(
    type VARCHAR, principalId VARCHAR, arn VARCHAR, accountId VARCHAR, invokedBy VARCHAR,
    accessKeyId VARCHAR, userName VARCHAR,
    onBehalfOf STRUCT(userId VARCHAR, identityStoreArn VARCHAR),
    sessionContext STRUCT(
      attributes STRUCT(mfaAuthenticated VARCHAR, creationDate VARCHAR),
      sessionIssuer STRUCT(type VARCHAR, principalId VARCHAR, arn VARCHAR, accountId VARCHAR, userName VARCHAR),
      ec2RoleDelivery VARCHAR,
      webIdFederationData VARCHAR)),
  eventTime VARCHAR, eventSource VARCHAR, eventName VARCHAR, awsRegion VARCHAR,
  sourceIPAddress VARCHAR, userAgent VARCHAR, errorCode VARCHAR, errorMessage VARCHAR,
  requestParameters VARCHAR, responseElements VARCHAR, additionalEventData VARCHAR,
  requestID VARCHAR, eventID VARCHAR, readOnly VARCHAR,
  resources STRUCT(ARN VARCHAR, accountId VARCHAR, type VARCHAR)[],
  eventType VARCHAR, apiVersion VARCHAR, recipientAccountId VARCHAR, serviceEventDetails VARCHAR,
  sharedEventID VARCHAR, vpcEndpointId VARCHAR, vpcEndpointAccountId VARCHAR, eventCategory VARCHAR,
  addendum STRUCT(reason VARCHAR, updatedFields VARCHAR, originalRequestID VARCHAR, originalEventID VARCHAR),
  sessionCredentialFromConsole VARCHAR, edgeDeviceDetails VARCHAR,
  tlsDetails STRUCT(tlsVersion VARCHAR, cipherSuite VARCHAR, clientProvidedHostHeader VARCHAR))`

// macros are the Trino functions the collector uses that DuckDB lacks or names differently.
// cardinality exists in DuckDB for maps only; the macro shadows it for lists.
var macros = []string{
	`CREATE MACRO cardinality(l) AS len(l)`,
	`CREATE MACRO slice(l, s, n) AS list_slice(l, s, s + n - 1)`,
	`CREATE MACRO json_format(j) AS CAST(j AS VARCHAR)`,
	`CREATE MACRO from_iso8601_timestamp(s) AS CAST(s AS TIMESTAMPTZ)`,
}

// viewSQL defines the table over a trail directory laid out as CloudTrail writes it:
// AWSLogs/[<o-id>/]<account>/CloudTrail/<region>/<yyyy>/<MM>/<dd>/<file>.json.gz, each file
// {"Records": [...]}. The partition columns come from the path, counted from its end so that
// both the account and the organization layouts work; digest files (CloudTrail-Digest) are
// not matched.
//
// DuckDB binds a view when it is created and refuses a glob that matches nothing, where Athena
// reads an empty prefix as an empty table: a directory without log files gets an empty table
// of the same columns (files written later are seen after a restart).
func viewSQL(schema, table, dir string) string {
	glob := strings.TrimRight(dir, "/") + "/**/CloudTrail/*/*/*/*/*.json.gz"
	source := fmt.Sprintf(`read_json(%s, filename = true, format = 'auto', compression = 'gzip',
                     columns = {Records: %s})`, quote(glob), quote(recordType+"[]"))
	if !hasLogFiles(dir) {
		source = fmt.Sprintf(`(SELECT CAST([] AS %s[]) AS Records, '' AS filename)`, recordType)
	}
	return fmt.Sprintf(`CREATE VIEW %q.%q AS
SELECT r.*,
  split_part(filename, '/', -7) AS "account",
  split_part(filename, '/', -5) AS "region",
  concat_ws('/', split_part(filename, '/', -4), split_part(filename, '/', -3), split_part(filename, '/', -2)) AS "timestamp"
FROM (SELECT unnest(Records) AS r, filename FROM %s)`, schema, table, source)
}

// hasLogFiles reports whether dir holds at least one CloudTrail log file.
func hasLogFiles(dir string) bool {
	found := false
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".json.gz") &&
			strings.Contains(filepath.ToSlash(path), "/CloudTrail/") {
			found = true
			return filepath.SkipAll
		}
		return nil
	})
	return found
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
