package contract

// Security Hub's EventBridge envelope (Security Hub user guide, "EventBridge event formats"):
// the rules match it and the function parses it.
const (
	SourceSecurityHub = "aws.securityhub"

	DetailTypeImported     = "Security Hub Findings - Imported"
	DetailTypeCustomAction = "Security Hub Findings - Custom Action"
	// DetailTypeImportedV2 is the new Security Hub's event, carrying OCSF findings.
	DetailTypeImportedV2 = "Findings Imported V2"
)

// Events the stack sends the function besides Security Hub's findings.
const (
	// SourceEvents is EventBridge's own source, of scheduled rules.
	SourceEvents = "aws.events"
	// DetailTypeScheduled is EventBridge's scheduled rule event: the sweep of unfinished cases.
	DetailTypeScheduled = "Scheduled Event"
	// DetailTypeAPICall is a CloudTrail management event passed on by EventBridge: the
	// real-time signals of root access-key calls (package signal).
	DetailTypeAPICall = "AWS API Call via CloudTrail"

	// TaskField names the job of a scheduled rule whose target sends a constant input instead
	// of the scheduled event: {"iam4-responder-task": "recheck"}.
	TaskField = "iam4-responder-task"
	// TaskRecheck re-checks every case that is not closed (issue: follow the case to the end).
	TaskRecheck = "recheck"
	// TaskDigest sends each digest route its daily list of open cases.
	TaskDigest = "digest"
)
