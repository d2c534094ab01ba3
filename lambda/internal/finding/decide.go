package finding

import (
	"fmt"

	"github.com/iam4-responder/iam4-responder/lambda/contract"
)

// Action is what the responder does with one finding.
type Action string

const (
	// Respond: gather evidence, advise and open the case's tickets.
	Respond Action = "respond"
	// Resolve: the control passes or the finding was archived; close the case's tickets.
	Resolve Action = "resolve"
	// Ignore: nothing to do; Reason says why, for the log.
	Ignore Action = "ignore"
)

// Decision is the outcome of Decide.
type Decision struct {
	Action Action
	Reason string
}

// Decide applies the runbook's intake rules to one finding.
//
// Security Hub re-imports a finding every time anyone updates it, the responder's own
// write-back (workflow NOTIFIED) included, so an import only starts work while the workflow is
// NEW; Security Hub itself resets NOTIFIED and RESOLVED to NEW when the control fails again, and
// never resets SUPPRESSED. A custom action is a person asking explicitly, so it acts on any FAILED
// finding whatever its workflow.
//
// Only findings Security Hub itself produced count, whatever their control or state: anyone
// allowed to call BatchImportFindings can import an "IAM.4" finding under their own product, and
// it must neither open, resolve nor contain anything.
func Decide(t Trigger, f Finding) Decision {
	if !FromSecurityHub(f) {
		return Decision{Ignore, fmt.Sprintf("produced by %q, not by Security Hub", clip(f.ProductARN))}
	}
	if !f.IAM4 {
		return Decision{Ignore, fmt.Sprintf("control %q is not IAM.4", clip(f.Control))}
	}
	if t == CustomAction {
		return decideCustomAction(f)
	}
	if f.Workflow == "SUPPRESSED" {
		return Decision{Ignore, "workflow is SUPPRESSED"}
	}
	if f.RecordState == "ARCHIVED" {
		return Decision{Resolve, "finding archived"}
	}
	switch f.Compliance {
	case "PASSED":
		return Decision{Resolve, "control passed"}
	case "FAILED":
		switch f.Workflow {
		case "NEW":
			return Decision{Respond, "control failed, workflow NEW"}
		case "NOTIFIED":
			return Decision{Ignore, "workflow is NOTIFIED: the case is already open"}
		default:
			return Decision{Ignore, fmt.Sprintf("workflow %q is not NEW", clip(f.Workflow))}
		}
	default:
		return Decision{Ignore, fmt.Sprintf("compliance status %q is neither FAILED nor PASSED", clip(f.Compliance))}
	}
}

func decideCustomAction(f Finding) Decision {
	switch {
	case f.RecordState == "ARCHIVED":
		return Decision{Resolve, "custom action on an archived finding"}
	case f.Compliance == "FAILED":
		return Decision{Respond, "custom action on a FAILED finding"}
	case f.Compliance == "PASSED":
		return Decision{Resolve, "custom action on a PASSED finding"}
	default:
		return Decision{Ignore, fmt.Sprintf("custom action on compliance status %q", clip(f.Compliance))}
	}
}

// FromSecurityHub reports whether Security Hub itself produced the finding: its ASFF ProductArn
// or OCSF metadata.product.uid is Security Hub's own product in a partition and Region the SDK
// knows (and an OCSF product name, when given, says so too).
func FromSecurityHub(f Finding) bool {
	if f.Generation == OCSF && f.ProductName != "" && f.ProductName != securityHubName {
		return false
	}
	return contract.SecurityHubProduct(f.ProductARN)
}

// securityHubName is the OCSF metadata.product.name of Security Hub's own findings.
const securityHubName = "Security Hub"
