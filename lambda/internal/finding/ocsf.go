package finding

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/iam4-responder/iam4-responder/lambda/contract"
)

// ocsf is the subset of an OCSF Compliance Finding (class 2003) that the new Security Hub sends
// in "Findings Imported V2" events and that the responder uses.
type ocsf struct {
	ClassUID *int `json:"class_uid"`
	Cloud    *struct {
		Account *struct {
			UID  string `json:"uid"`
			Name string `json:"name"`
		} `json:"account"`
		Region string `json:"region"`
	} `json:"cloud"`
	Compliance *struct {
		Control  string `json:"control"`
		Status   string `json:"status"`
		StatusID *int   `json:"status_id"`
	} `json:"compliance"`
	FindingInfo *struct {
		UID          string `json:"uid"`
		Title        string `json:"title"`
		ModifiedTime *int64 `json:"modified_time"`
	} `json:"finding_info"`
	Metadata *struct {
		UID     string `json:"uid"`
		Product *struct {
			UID  string `json:"uid"`
			Name string `json:"name"`
		} `json:"product"`
	} `json:"metadata"`
	Severity string `json:"severity"`
	Status   string `json:"status"`
	StatusID *int   `json:"status_id"`
}

// OCSF enumerations (OCSF 1.x, Compliance Finding): compliance.status_id and status_id.
var (
	complianceStatus = map[int]string{1: "PASSED", 2: "WARNING", 3: "FAILED"}
	complianceName   = map[string]string{"Pass": "PASSED", "Warning": "WARNING", "Fail": "FAILED"}
	// The finding status maps onto the ASFF workflow the intake decides on; "In Progress" is
	// what the responder's own write-back sets, the V2 counterpart of NOTIFIED.
	findingStatus = map[int]string{1: "NEW", 2: "NOTIFIED", 3: "SUPPRESSED", 4: "RESOLVED", 5: "ARCHIVED"}
	findingName   = map[string]string{"New": "NEW", "In Progress": "NOTIFIED", "Suppressed": "SUPPRESSED",
		"Resolved": "RESOLVED", "Archived": "ARCHIVED"}
)

// parseOCSF reads one OCSF compliance finding into the same Finding as ASFF.
func parseOCSF(raw json.RawMessage, eventRegion string) (Finding, error) {
	var o ocsf
	if err := strictDecode(raw, &o); err != nil {
		return Finding{}, err
	}
	switch {
	case o.ClassUID != nil && *o.ClassUID != 2003:
		return Finding{}, fieldError{"class_uid", fmt.Errorf("%d is not a Compliance Finding (2003)", *o.ClassUID)}
	case o.FindingInfo == nil || o.FindingInfo.UID == "":
		return Finding{}, fieldError{"finding_info.uid", errors.New("missing")}
	case len(o.FindingInfo.UID) > maxID:
		return Finding{}, fieldError{"finding_info.uid", fmt.Errorf("longer than %d characters", maxID)}
	case o.Metadata == nil || o.Metadata.Product == nil || o.Metadata.Product.UID == "":
		return Finding{}, fieldError{"metadata.product.uid", errors.New("missing")}
	case o.Cloud == nil || o.Cloud.Account == nil:
		return Finding{}, fieldError{"cloud.account.uid", errors.New("missing")}
	case !isAccountID(o.Cloud.Account.UID):
		return Finding{}, fieldError{"cloud.account.uid", fmt.Errorf("%q is not a 12-digit account id", clip(o.Cloud.Account.UID))}
	}
	f := Finding{
		Generation:  OCSF,
		ID:          o.FindingInfo.UID,
		MetadataUID: o.Metadata.UID,
		ProductARN:  o.Metadata.Product.UID,
		ProductName: o.Metadata.Product.Name,
		AccountID:   o.Cloud.Account.UID,
		AccountName: o.Cloud.Account.Name,
		Region:      o.Cloud.Region,
		Title:       o.FindingInfo.Title,
		Severity:    o.Severity,
		RecordState: "ACTIVE",
	}
	if f.Region == "" {
		f.Region = eventRegion
	}
	if !isRegion(f.Region) {
		return Finding{}, fieldError{"cloud.region", fmt.Errorf("%q is not an AWS Region name", clip(f.Region))}
	}
	if c := o.Compliance; c != nil {
		f.Control, f.IAM4 = c.Control, c.Control == contract.SecurityControlID
		f.Compliance = enum(c.StatusID, complianceStatus, c.Status, complianceName)
	}
	f.Workflow = enum(o.StatusID, findingStatus, o.Status, findingName)
	if f.Workflow == "ARCHIVED" {
		f.RecordState, f.Workflow = "ARCHIVED", ""
	}
	if o.FindingInfo.ModifiedTime != nil {
		f.UpdatedAt = time.UnixMilli(*o.FindingInfo.ModifiedTime).UTC()
	}
	return f, nil
}

// enum prefers the numeric id, which OCSF defines, over the caption.
func enum(id *int, byID map[int]string, name string, byName map[string]string) string {
	if id != nil {
		if v, ok := byID[*id]; ok {
			return v
		}
	}
	if v, ok := byName[name]; ok {
		return v
	}
	return name
}
