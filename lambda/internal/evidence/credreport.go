package evidence

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// ReportKey is one root access key slot of the credential report. The report names no key ids
// (IAM user guide, "Getting credential reports"): only slots 1 and 2.
type ReportKey struct {
	Slot            int        `json:"slot"`
	Active          bool       `json:"active"`
	LastRotated     *time.Time `json:"last_rotated,omitempty"`
	LastUsed        *time.Time `json:"last_used,omitempty"` // nil: never used, or no information
	LastUsedRegion  string     `json:"last_used_region,omitempty"`
	LastUsedService string     `json:"last_used_service,omitempty"`
}

// RootReport is the root row of the credential report.
type RootReport struct {
	GeneratedAt time.Time   `json:"generated_at"`
	MFAActive   bool        `json:"mfa_active"`
	Keys        []ReportKey `json:"keys"` // the slots that hold a key (a rotation date)
}

// ParseCredentialReport reads the root row of a credential report. Columns are found by name,
// so reordered or added columns do not matter; "N/A", "no_information" and "not_supported" mean
// no value.
func ParseCredentialReport(content []byte) (RootReport, error) {
	r := csv.NewReader(strings.NewReader(string(content)))
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		return RootReport{}, fmt.Errorf("credential report: %w", err)
	}
	if len(rows) < 2 {
		return RootReport{}, errors.New("credential report: no rows")
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[strings.ToLower(strings.TrimSpace(name))] = i
	}
	if _, ok := col["user"]; !ok {
		return RootReport{}, errors.New("credential report: no user column")
	}
	for _, row := range rows[1:] {
		get := func(name string) string {
			i, ok := col[name]
			if !ok || i >= len(row) {
				return ""
			}
			v := strings.TrimSpace(row[i])
			switch strings.ToLower(v) {
			case "n/a", "no_information", "not_supported", "":
				return ""
			}
			return v
		}
		if get("user") != "<root_account>" {
			continue
		}
		rep := RootReport{MFAActive: strings.EqualFold(get("mfa_active"), "true"), Keys: []ReportKey{}}
		for slot := 1; slot <= 2; slot++ {
			p := fmt.Sprintf("access_key_%d_", slot)
			k := ReportKey{Slot: slot, Active: strings.EqualFold(get(p+"active"), "true")}
			var err error
			if k.LastRotated, err = reportTime(get(p + "last_rotated")); err != nil {
				return RootReport{}, fmt.Errorf("credential report: %slast_rotated: %w", p, err)
			}
			if k.LastUsed, err = reportTime(get(p + "last_used_date")); err != nil {
				return RootReport{}, fmt.Errorf("credential report: %slast_used_date: %w", p, err)
			}
			k.LastUsedRegion = string(capText(get(p+"last_used_region"), capShort))
			k.LastUsedService = string(capText(get(p+"last_used_service"), capShort))
			// A slot without a rotation date never held a key.
			if k.LastRotated != nil || k.Active {
				rep.Keys = append(rep.Keys, k)
			}
		}
		return rep, nil
	}
	return RootReport{}, errors.New("credential report: no <root_account> row")
}

func reportTime(v string) (*time.Time, error) {
	if v == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return nil, fmt.Errorf("%q is not an ISO 8601 time", v)
	}
	t = t.UTC()
	return &t, nil
}

// IAMAPI is the part of the IAM client the inventory uses.
type IAMAPI interface {
	GetAccountSummary(ctx context.Context, in *iam.GetAccountSummaryInput, opts ...func(*iam.Options)) (*iam.GetAccountSummaryOutput, error)
	GenerateCredentialReport(ctx context.Context, in *iam.GenerateCredentialReportInput, opts ...func(*iam.Options)) (*iam.GenerateCredentialReportOutput, error)
	GetCredentialReport(ctx context.Context, in *iam.GetCredentialReportInput, opts ...func(*iam.Options)) (*iam.GetCredentialReportOutput, error)
}

// Inventory is what IAM says about the root's keys.
type Inventory struct {
	KeysPresent bool        `json:"keys_present"` // GetAccountSummary AccountAccessKeysPresent
	Report      *RootReport `json:"credential_report,omitempty"`
	ReportError string      `json:"credential_report_error,omitempty"`
}

// ReadInventory asks IAM for the account summary and the credential report. It generates a
// report and polls with bounded backoff until it is COMPLETE (IAM regenerates at most every four
// hours, so a fresh report is usually ready at once). A report that cannot be had within the
// context is recorded as an error, not returned as one: the summary and CloudTrail still count.
func ReadInventory(ctx context.Context, api IAMAPI) (Inventory, error) {
	sum, err := api.GetAccountSummary(ctx, &iam.GetAccountSummaryInput{})
	if err != nil {
		return Inventory{}, fmt.Errorf("get account summary: %w", err)
	}
	inv := Inventory{KeysPresent: sum.SummaryMap[string(types.SummaryKeyTypeAccountAccessKeysPresent)] > 0}
	rep, err := credentialReport(ctx, api)
	if err != nil {
		inv.ReportError = err.Error()
		return inv, nil
	}
	inv.Report = &rep
	return inv, nil
}

func credentialReport(ctx context.Context, api IAMAPI) (RootReport, error) {
	delay := 250 * time.Millisecond
	for attempt := 0; ; attempt++ {
		out, err := api.GenerateCredentialReport(ctx, &iam.GenerateCredentialReportInput{})
		if err != nil {
			return RootReport{}, fmt.Errorf("generate credential report: %w", err)
		}
		if out.State == types.ReportStateTypeComplete {
			break
		}
		if attempt >= 12 {
			return RootReport{}, fmt.Errorf("credential report still %s after %d polls", out.State, attempt+1)
		}
		select {
		case <-ctx.Done():
			return RootReport{}, fmt.Errorf("credential report: %w", ctx.Err())
		case <-time.After(delay):
		}
		delay = min(2*delay, 4*time.Second)
	}
	out, err := api.GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
	if err != nil {
		return RootReport{}, fmt.Errorf("get credential report: %w", err)
	}
	rep, err := ParseCredentialReport(out.Content)
	if err != nil {
		return RootReport{}, err
	}
	if out.GeneratedTime != nil {
		rep.GeneratedAt = out.GeneratedTime.UTC()
	}
	return rep, nil
}
