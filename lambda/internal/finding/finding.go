// Package finding is the intake: it turns an EventBridge event from Security Hub into Findings
// and decides, finding by finding, whether the responder acts on it.
//
// It trusts nothing in the event. A malformed event gets an error that names the offending field;
// the package never panics and never calls AWS. EventBridge matches patterns field by field across
// the findings array (DESIGN.md), so an event that passed the rule can still carry findings of
// other controls or states: every finding is checked here again.
package finding

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/iam4-responder/iam4-responder/lambda/contract"
	"github.com/iam4-responder/iam4-responder/lambda/internal/textcap"
)

// Source is the EventBridge source of every Security Hub event.
const Source = contract.SourceSecurityHub

// Detail types of the events the responder accepts (the contract's, which the rules match).
const (
	DetailTypeImported     = contract.DetailTypeImported
	DetailTypeCustomAction = contract.DetailTypeCustomAction
	DetailTypeImportedV2   = contract.DetailTypeImportedV2
)

// Generation says which Security Hub format a finding came in, and so which API writes it back.
type Generation string

const (
	ASFF Generation = "asff" // Security Hub CSPM: BatchUpdateFindings
	OCSF Generation = "ocsf" // Security Hub: BatchUpdateFindingsV2
)

// Trigger says how a finding reached the responder.
type Trigger string

const (
	// Imported: Security Hub imported or updated the finding.
	Imported Trigger = "imported"
	// CustomAction: a person sent the finding with a Security Hub custom action.
	CustomAction Trigger = "custom-action"
)

// Event is one EventBridge event with its findings.
type Event struct {
	ID       string
	Account  string // the account that sent the event (with aggregation, the administrator's)
	Region   string // the Region the event was sent from
	Time     time.Time
	Trigger  Trigger
	Action   string // the custom action's name, for CustomAction
	Findings []Finding
}

// Finding holds the fields of an ASFF finding that the responder uses.
type Finding struct {
	Generation  Generation
	ID          string // ASFF Id, or OCSF finding_info.uid
	MetadataUID string // OCSF metadata.uid, which BatchUpdateFindingsV2 takes
	ProductARN  string // ASFF ProductArn, or OCSF metadata.product.uid: who produced the finding
	ProductName string // OCSF metadata.product.name
	GeneratorID string
	AccountID   string // the account the finding is about
	// AccountName is ASFF AwsAccountName or OCSF cloud.account.name: untrusted text, often
	// absent; the ticket shows it when Organizations names no account.
	AccountName string
	Region      string
	Title       string
	// Control is what the finding names its control by: the SecurityControlId where present,
	// else "<standard>/<control>" from the per-standard fields.
	Control     string
	IAM4        bool
	Compliance  string // FAILED, PASSED, WARNING, NOT_AVAILABLE
	RecordState string // ACTIVE, ARCHIVED
	Workflow    string // NEW, NOTIFIED, RESOLVED, SUPPRESSED
	Severity    string
	UpdatedAt   time.Time
	// Test marks the synthetic finding of `iam4 smoke` (contract.SmokeTestField).
	Test bool
}

// Case names the problem a finding belongs to. IAM.4 is an account-level control reported once
// per Region, per standard and per aggregating account: all of those are one case, one ticket.
// A smoke test's finding is a case of its own, so that it neither joins nor resolves a real one.
func (f Finding) Case() string {
	if f.Test {
		return f.AccountID + "/" + contract.SecurityControlID + "/smoke-test"
	}
	return f.AccountID + "/" + contract.SecurityControlID
}

// asff is the subset of the AWS Security Finding Format read by Parse. The SDK's
// securityhub/types.AwsSecurityFinding has no JSON tags, so it cannot decode events.
type asff struct {
	ID             *string           `json:"Id"`
	ProductArn     *string           `json:"ProductArn"`
	GeneratorID    string            `json:"GeneratorId"`
	AwsAccountID   *string           `json:"AwsAccountId"`
	AwsAccountName string            `json:"AwsAccountName"`
	Region         string            `json:"Region"`
	Title          string            `json:"Title"`
	UpdatedAt      string            `json:"UpdatedAt"`
	ProductFields  map[string]string `json:"ProductFields"`
	Severity       *struct {
		Label string `json:"Label"`
	} `json:"Severity"`
	Compliance *struct {
		Status            string `json:"Status"`
		SecurityControlID string `json:"SecurityControlId"`
	} `json:"Compliance"`
	Workflow *struct {
		Status string `json:"Status"`
	} `json:"Workflow"`
	WorkflowState string `json:"WorkflowState"` // deprecated predecessor of Workflow.Status
	RecordState   string `json:"RecordState"`
}

type detail struct {
	ActionName string            `json:"actionName"`
	Findings   []json.RawMessage `json:"findings"`
}

// Parse decodes one EventBridge event. It returns an error naming the field for anything that
// stops the responder from acting safely: a wrong source or detail type, a missing or mistyped
// field, a finding without id, product or account.
func Parse(raw []byte) (Event, error) {
	var env events.EventBridgeEvent
	if err := strictDecode(raw, &env); err != nil {
		return Event{}, fmt.Errorf("event%w", err)
	}
	if env.Source != Source {
		return Event{}, fmt.Errorf("event: source %q is not %q", clip(env.Source), Source)
	}
	ev := Event{ID: env.ID, Account: env.AccountID, Region: env.Region, Time: env.Time}
	parse := parseFinding
	switch env.DetailType {
	case DetailTypeImported:
		ev.Trigger = Imported
	case DetailTypeImportedV2:
		ev.Trigger, parse = Imported, parseOCSF
	case DetailTypeCustomAction:
		ev.Trigger = CustomAction
	default:
		return Event{}, fmt.Errorf("event: detail-type %q is not one the responder handles", clip(env.DetailType))
	}
	if len(env.Detail) == 0 || bytes.Equal(bytes.TrimSpace(env.Detail), []byte("null")) {
		return Event{}, errors.New("event: detail is missing")
	}
	var d detail
	if err := strictDecode(env.Detail, &d); err != nil {
		return Event{}, fmt.Errorf("detail%w", err)
	}
	if len(d.Findings) == 0 {
		return Event{}, errors.New("detail.findings: missing or empty")
	}
	ev.Action = d.ActionName
	ev.Findings = make([]Finding, 0, len(d.Findings))
	for i, rawFinding := range d.Findings {
		f, err := parse(rawFinding, ev.Region)
		if err != nil {
			return Event{}, fmt.Errorf("detail.findings[%d]%w", i, err)
		}
		ev.Findings = append(ev.Findings, f)
	}
	return ev, nil
}

func parseFinding(raw json.RawMessage, eventRegion string) (Finding, error) {
	var a asff
	if err := strictDecode(raw, &a); err != nil {
		return Finding{}, err
	}
	switch {
	case a.ID == nil || *a.ID == "":
		return Finding{}, fieldError{"Id", errors.New("missing")}
	case len(*a.ID) > maxID:
		return Finding{}, fieldError{"Id", fmt.Errorf("longer than %d characters", maxID)}
	case a.ProductArn == nil || *a.ProductArn == "":
		return Finding{}, fieldError{"ProductArn", errors.New("missing")}
	case a.AwsAccountID == nil:
		return Finding{}, fieldError{"AwsAccountId", errors.New("missing")}
	case !isAccountID(*a.AwsAccountID):
		return Finding{}, fieldError{"AwsAccountId", fmt.Errorf("%q is not a 12-digit account id", clip(*a.AwsAccountID))}
	}
	f := Finding{
		Generation:  ASFF,
		ID:          *a.ID,
		ProductARN:  *a.ProductArn,
		GeneratorID: a.GeneratorID,
		AccountID:   *a.AwsAccountID,
		AccountName: a.AwsAccountName,
		Region:      a.Region,
		Title:       a.Title,
		RecordState: a.RecordState,
		Workflow:    a.WorkflowState,
	}
	if f.Region == "" {
		f.Region = eventRegion
	}
	if !isRegion(f.Region) {
		return Finding{}, fieldError{"Region", fmt.Errorf("%q is not an AWS Region name", clip(f.Region))}
	}
	if a.Workflow != nil && a.Workflow.Status != "" {
		f.Workflow = a.Workflow.Status
	}
	if a.Severity != nil {
		f.Severity = a.Severity.Label
	}
	if a.Compliance != nil {
		f.Compliance = a.Compliance.Status
	}
	if a.UpdatedAt != "" {
		t, err := time.Parse(time.RFC3339Nano, a.UpdatedAt)
		if err != nil {
			return Finding{}, fieldError{"UpdatedAt", fmt.Errorf("%q is not an RFC 3339 time", clip(a.UpdatedAt))}
		}
		f.UpdatedAt = t
	}
	f.Control, f.IAM4 = identify(a)
	f.Test = a.ProductFields[contract.SmokeTestField] != ""
	return f, nil
}

// identify finds the control a finding is about. Compliance.SecurityControlId is present on every
// control finding since 2023 and decides alone; older per-standard findings name the control by
// standard and number, in ProductFields or in the GeneratorId.
func identify(a asff) (string, bool) {
	if a.Compliance != nil && a.Compliance.SecurityControlID != "" {
		id := a.Compliance.SecurityControlID
		return id, id == contract.SecurityControlID
	}
	pf := a.ProductFields
	std := pf["StandardsArn"]
	if std == "" {
		std = pf["StandardsGuideArn"]
	}
	ctl := pf["ControlId"]
	if ctl == "" {
		ctl = pf["RuleId"]
	}
	if std != "" && ctl != "" {
		return std + "/" + ctl, contract.IsControl(std, ctl)
	}
	return a.GeneratorID, contract.IsGeneratorID(a.GeneratorID)
}

// maxID is the ASFF limit on a finding id (AwsSecurityFinding.Id, Security Hub API reference).
const maxID = 512

// isRegion checks the shape of a Region name ("us-west-2", "us-gov-east-1"); the name ends up in
// console links and API endpoints.
func isRegion(s string) bool { return contract.RegionShaped(s) }

func isAccountID(s string) bool { return contract.CheckAccountID(s) == nil }

// strictDecode decodes one JSON value and rejects trailing data, so that a concatenation of two
// events is an error rather than half an event.
func strictDecode(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(v); err != nil {
		return describe(err)
	}
	if dec.More() {
		return fieldError{"", errors.New("trailing data after the JSON value")}
	}
	return nil
}

// describe turns encoding/json's errors into ones that name the field in the event's terms.
func describe(err error) error {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		return fieldError{typeErr.Field, fmt.Errorf("expected %s, found %s", jsonKind(typeErr.Type), typeErr.Value)}
	}
	var timeErr *time.ParseError
	if errors.As(err, &timeErr) {
		return fieldError{"time", fmt.Errorf("%q is not an RFC 3339 time", clip(timeErr.Value))}
	}
	if errors.Is(err, io.EOF) {
		return fieldError{"", errors.New("empty input")}
	}
	return fieldError{"", fmt.Errorf("not valid JSON: %w", err)}
}

// jsonKind names the JSON kind a Go type decodes from, for error messages.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	default:
		return "a " + t.Kind().String()
	}
}

// fieldError is an error about one field. Its text starts with ".Field: " (or ": " when no field
// is known), so that a path in front of it reads "detail.findings[0].AwsAccountId: missing".
type fieldError struct {
	field string
	err   error
}

func (e fieldError) Error() string {
	if e.field == "" {
		return ": " + e.err.Error()
	}
	return "." + e.field + ": " + e.err.Error()
}

func (e fieldError) Unwrap() error { return e.err }

// clip keeps untrusted values short in error messages; callers quote them with %q, which
// escapes control characters.
func clip(s string) string { return textcap.Runes(s, 64) }
