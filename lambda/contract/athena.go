package contract

// Environment variables of the Athena evidence source: set together, they make the trail table
// the primary evidence source (package evidence/athena); unset, the function reads event
// history only.
const (
	EnvAthenaDatabase     = "IAM4_ATHENA_DATABASE"
	EnvAthenaTable        = "IAM4_ATHENA_TABLE"
	EnvAthenaWorkgroup    = "IAM4_ATHENA_WORKGROUP"
	EnvAthenaLookbackDays = "IAM4_ATHENA_LOOKBACK_DAYS"
)
