package contract

// The function's metrics, which it writes in CloudWatch's embedded metric format and the stack's
// dashboard and alarms read: both sides must spell them the same.
const (
	// MetricNamespace is the CloudWatch namespace of every metric.
	MetricNamespace = "iam4-responder"
	// MetricDimension holds the function's name, so two stacks in one account stay apart.
	MetricDimension = "FunctionName"

	MetricCasesOpened     = "CasesOpened"         // count: cases whose tickets went out
	MetricCasesResolved   = "CasesResolved"       // count: cases closed because the control passed
	MetricEvidenceSeconds = "EvidenceSeconds"     // seconds: gathering the evidence of one case
	MetricEvidencePages   = "EvidencePages"       // count: CloudTrail pages read for one case
	MetricThrottles       = "Throttles"           // count: throttled AWS calls (retried)
	MetricSinkFailures    = "SinkFailures"        // count: a sink that failed to deliver
	MetricDeadLetters     = "DeadLetters"         // count: findings sent to the dead-letter queue
	MetricContainActions  = "ContainmentActions"  // count: root keys deleted (or, dry-run, that would be)
	MetricContainRefusals = "ContainmentRefusals" // count: deletions refused for want of proof
	MetricForeignFindings = "ForeignFindings"     // count: findings another product produced, ignored
	MetricUnitCount       = "Count"
	MetricUnitSeconds     = "Seconds"
)
