package contract

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Environment variables of the Athena evidence source: set together, they make the trail table
// the primary evidence source (package evidence/athena); unset, the function reads event
// history only.
const (
	EnvAthenaDatabase     = "IAM4_ATHENA_DATABASE"
	EnvAthenaTable        = "IAM4_ATHENA_TABLE"
	EnvAthenaWorkgroup    = "IAM4_ATHENA_WORKGROUP"
	EnvAthenaLookbackDays = "IAM4_ATHENA_LOOKBACK_DAYS"
)

// CDK context keys of the Athena evidence source. The first four name an existing table (the
// function reads them too); the trail… keys describe the trail's bucket, from which the stack
// creates the Glue table and the workgroup itself, and grants read access to it.
const (
	CtxAthenaDatabase          = "athenaDatabase"
	CtxAthenaTable             = "athenaTable"
	CtxAthenaWorkgroup         = "athenaWorkgroup"
	CtxAthenaLookbackDays      = "athenaLookbackDays"
	CtxAthenaResultsBucket     = "athenaResultsBucket"
	CtxAthenaResultsExpireDays = "athenaResultsExpireDays"
	CtxAthenaScanLimitGB       = "athenaScanLimitGb"
	CtxTrailBucket             = "trailBucket"
	CtxTrailPrefix             = "trailPrefix"
	CtxTrailOrganizationID     = "trailOrganizationId"
	CtxTrailKMSKey             = "trailKmsKey"
	CtxTrailStart              = "trailStart"
)

// DefaultAthenaLookbackDays is how far back the trail query reads unless told: a year, so that a
// yearly job still shows (event history keeps 90 days).
const DefaultAthenaLookbackDays = 365

// Athena is the organization trail on Athena as the primary evidence source.
type Athena struct {
	// Both sides. The stack fills Database, Table and Workgroup with the names it creates
	// when only TrailBucket is given.
	Database, Table, Workgroup string
	LookbackDays               int

	// The stack only.
	TrailBucket         string // the trail's bucket (it may live in a log-archive account)
	TrailPrefix         string // the trail's key prefix before AWSLogs/, without slashes at either end
	TrailOrganizationID string // an organization trail's o-… (its files are under AWSLogs/<o-id>/)
	TrailKMSKey         string // the key the trail's files are encrypted with (SSE-KMS)
	TrailStart          string // the trail's first day, yyyy/MM/dd, for the table's projection
	ResultsBucket       string // an existing workgroup's results bucket, to grant access to
	ResultsExpireDays   int    // created workgroup: results deleted after this many days
	ScanLimitGB         int    // created workgroup: a query stops above this many GB scanned
}

// Creates reports whether the stack creates the table and workgroup from the trail bucket.
func (a Athena) Creates() bool { return a.Table == "" && a.TrailBucket != "" }

var (
	// Glue: database and table names the collector can put in SQL without quoting.
	glueNamePattern = regexp.MustCompile(`^[A-Za-z0-9_]{1,255}$`)
	// Athena API reference, WorkGroupName: [a-zA-Z0-9._-]{1,128}.
	workgroupPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,128}$`)
	// Amazon S3 user guide, "General purpose bucket naming rules": 3 to 63 lower-case letters,
	// digits, dots and hyphens, starting and ending with a letter or digit.
	bucketPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
)

func checkGlueName(what string) func(string) error {
	return func(v string) error {
		if !glueNamePattern.MatchString(v) {
			return fmt.Errorf("%q is not a Glue %s name (letters, digits and underscores)", v, what)
		}
		return nil
	}
}

func checkWorkgroup(v string) error {
	if !workgroupPattern.MatchString(v) {
		return fmt.Errorf("%q is not an Athena workgroup name (1 to 128 letters, digits and ._-)", v)
	}
	return nil
}

func checkBucket(v string) error {
	if strings.HasPrefix(v, "s3://") || strings.HasPrefix(v, "arn:") {
		return fmt.Errorf("%q: give the bucket's name only", v)
	}
	if !bucketPattern.MatchString(v) || strings.Contains(v, "..") {
		return fmt.Errorf("%q is not an S3 bucket name", v)
	}
	return nil
}

func checkTrailPrefix(v string) error {
	if strings.HasPrefix(v, "/") || strings.HasSuffix(v, "/") {
		return fmt.Errorf("%q: no slash at either end (the prefix before AWSLogs/)", v)
	}
	if strings.Contains(v, "AWSLogs") {
		return fmt.Errorf("%q: the prefix stops before AWSLogs/ (the organization id is %s)", v, CtxTrailOrganizationID)
	}
	return nil
}

func checkTrailStart(v string) error {
	if _, err := time.Parse("2006/01/02", v); err != nil {
		return fmt.Errorf("%q is not a day as yyyy/MM/dd (the trail's layout)", v)
	}
	return nil
}

// athenaTogether checks the Athena settings that depend on each other: a table is named with its
// workgroup, or the stack creates both from trailBucket; the details of either have no effect
// alone.
func (s *Settings) athenaTogether(side Side, isSet func(ctx, env string) bool) []error {
	var errs []error
	n := func(ctx, env string) string { return setting{ctx: ctx, env: env}.name(side) }
	table, workgroup, database := isSet(CtxAthenaTable, EnvAthenaTable), isSet(CtxAthenaWorkgroup, EnvAthenaWorkgroup),
		isSet(CtxAthenaDatabase, EnvAthenaDatabase)
	bucket := side == Synth && isSet(CtxTrailBucket, "")
	switch {
	case table && !workgroup:
		errs = append(errs, fmt.Errorf("%s: required with %s", n(CtxAthenaWorkgroup, EnvAthenaWorkgroup), n(CtxAthenaTable, EnvAthenaTable)))
	case workgroup && !table:
		errs = append(errs, fmt.Errorf("%s: required with %s", n(CtxAthenaTable, EnvAthenaTable), n(CtxAthenaWorkgroup, EnvAthenaWorkgroup)))
	}
	if side == Synth && table && !database {
		// The function's permissions name the table's database: Glue ARNs have no default.
		errs = append(errs, fmt.Errorf("%s: required with %s (the grant names it)", CtxAthenaDatabase, CtxAthenaTable))
	}
	on := table || workgroup || bucket
	if !on {
		for _, k := range [][2]string{{CtxAthenaDatabase, EnvAthenaDatabase}, {CtxAthenaLookbackDays, EnvAthenaLookbackDays}} {
			if isSet(k[0], k[1]) {
				errs = append(errs, fmt.Errorf("%s: has no effect without %s and %s%s", n(k[0], k[1]),
					n(CtxAthenaTable, EnvAthenaTable), n(CtxAthenaWorkgroup, EnvAthenaWorkgroup), map[Side]string{Synth: ", or " + CtxTrailBucket}[side]))
			}
		}
	}
	if side == Synth {
		if !bucket {
			for _, k := range []string{CtxTrailPrefix, CtxTrailOrganizationID, CtxTrailStart, CtxAthenaResultsExpireDays, CtxAthenaScanLimitGB} {
				if isSet(k, "") {
					errs = append(errs, fmt.Errorf("%s: has no effect without %s", k, CtxTrailBucket))
				}
			}
			if isSet(CtxTrailKMSKey, "") && !on {
				errs = append(errs, fmt.Errorf("%s: has no effect without %s", CtxTrailKMSKey, CtxTrailBucket))
			}
		}
		if table && bucket {
			// An existing table over the bucket: the stack grants read access and creates nothing.
			for _, k := range []string{CtxTrailStart, CtxAthenaResultsExpireDays, CtxAthenaScanLimitGB} {
				if isSet(k, "") {
					errs = append(errs, fmt.Errorf("%s: has no effect with an existing %s (the stack creates no table nor workgroup)", k, CtxAthenaTable))
				}
			}
		}
		if isSet(CtxAthenaResultsBucket, "") && !table {
			errs = append(errs, fmt.Errorf("%s: only with an existing %s (a created workgroup has its own bucket)", CtxAthenaResultsBucket, CtxAthenaTable))
		}
	}
	if on && len(errs) == 0 {
		a := s.athena
		if a.LookbackDays == 0 {
			a.LookbackDays = DefaultAthenaLookbackDays
		}
		s.Athena = &a
	}
	return errs
}
