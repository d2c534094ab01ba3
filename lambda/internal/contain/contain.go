// Package contain is the opt-in containment of unused root access keys in member accounts,
// through centralized root access (sts:AssumeRoot with the AWS root-task policies). It acts only
// on a finding Security Hub itself holds (re-read by id: its own product, ACTIVE, not SUPPRESSED,
// FAILED, IAM.4, the same account and Region). It joins the audit session's key ids to the
// credential report's slots by creation date and to CloudTrail's calls by the whole id, and
// deletes a key only when the single rule of package advice calls it unused, every key the
// report shows used is explained by CloudTrail calls of that same id, and a re-check of
// CloudTrail by the key's id just before deleting finds nothing. Every action and every refusal
// says why.
//
// It never touches the management account, never deletes a key with any use, never prints a
// whole key id, and never runs unless configured (the default mode is off).
package contain

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"

	"github.com/iam4-responder/iam4-responder/lambda/contract"
	"github.com/iam4-responder/iam4-responder/lambda/internal/advice"
	"github.com/iam4-responder/iam4-responder/lambda/internal/evidence"
	"github.com/iam4-responder/iam4-responder/lambda/internal/finding"
	"github.com/iam4-responder/iam4-responder/lambda/internal/investigation"
)

// Mode is how far containment may go.
type Mode string

const (
	Off          Mode = "off"           // nothing: no root session is opened
	DryRun       Mode = "dry-run"       // say exactly what would be deleted and why
	DeleteUnused Mode = "delete-unused" // delete keys proven unused
)

// ParseMode reads a mode setting; empty is Off.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(strings.TrimSpace(s)); m {
	case "", Off:
		return Off, nil
	case DryRun, DeleteUnused:
		return m, nil
	}
	return "", fmt.Errorf("containment mode %q: want off, dry-run or delete-unused", s)
}

// The AWS root-task policies (IAM user guide, "Perform a privileged task on a member account").
const (
	TaskAudit  = contract.RootTaskAudit
	TaskDelete = contract.RootTaskDelete
)

// RootIAM is the part of IAM a root session calls.
type RootIAM interface {
	ListAccessKeys(ctx context.Context, in *iam.ListAccessKeysInput, opts ...func(*iam.Options)) (*iam.ListAccessKeysOutput, error)
	DeleteAccessKey(ctx context.Context, in *iam.DeleteAccessKeyInput, opts ...func(*iam.Options)) (*iam.DeleteAccessKeyOutput, error)
	GetAccessKeyLastUsed(ctx context.Context, in *iam.GetAccessKeyLastUsedInput, opts ...func(*iam.Options)) (*iam.GetAccessKeyLastUsedOutput, error)
}

// Sessions opens root sessions in member accounts, each scoped by one task policy only.
type Sessions interface {
	Root(ctx context.Context, account, taskPolicy string) (RootIAM, error)
}

// Searcher reads CloudTrail for one key id across the lookback window in every Region.
type Searcher interface {
	KeyUse(ctx context.Context, account, keyID string) (calls int, cov evidence.Coverage, err error)
}

// Prover confirms that Security Hub itself holds the finding as failing IAM.4 (SecurityHubProof).
type Prover interface {
	Prove(ctx context.Context, f finding.Finding) error
}

// Guard decides and acts.
type Guard struct {
	Mode       Mode
	Management string   // the organization's management account: never touched
	Allow      []string // when set, only these accounts
	Deny       []string // never these accounts
	Findings   Prover   // no root session is opened for a finding it does not prove
	Sessions   Sessions
	Search     Searcher
	// Lookback is the window "unused" is judged over, the evidence's (advice.Rule).
	Lookback time.Duration
	Now      func() time.Time // time.Now when nil
}

// Action is one thing done, or refused, with its reason and evidence.
type Action struct {
	Key  string `json:"key"`  // masked id
	Do   string `json:"do"`   // deleted, would delete, kept, refused, already deleted
	Code string `json:"code"` // the verdict or refusal code (advice.VerdictCode, or a refusal below)
	// Why is the reason as data (a Why… code of report's catalog and its values): report owns
	// the sentence in each language.
	Why advice.Message `json:"why"`
}

// Why codes: the reasons of actions, rendered by report's catalog.
const (
	WhySlotUnjoined      = "contain.slot_unjoined"       // slot, last_used, region, service
	WhySlotUnexplained   = "contain.slot_unexplained"    // slot, key, last_used, region, service, calls
	WhyUsedSeen          = "contain.used_seen"           // calls, days
	WhyUsedUnexplained   = "contain.used_unexplained"    // last_used, region, service, calls
	WhyReportUnreadable  = "contain.report_unreadable"   //
	WhyNotInReport       = "contain.not_in_report"       //
	WhyIncomplete        = "contain.evidence_incomplete" // days
	WhyVerdict           = "contain.verdict"             // verdict
	WhyRecheckFailed     = "contain.recheck_failed"      // error
	WhyRecheckIncomplete = "contain.recheck_incomplete"  // gaps
	WhyRecheckFound      = "contain.recheck_found"       // calls
	WhyUnusedNever       = "contain.unused_never"        // verdict, days, regions, slot
	WhyUnusedBefore      = "contain.unused_before"       // verdict, days, regions, slot, last_used
	WhyNoSession         = "contain.no_session"          // error
	WhyDeleteFailed      = "contain.delete_failed"       // error
	WhyRecheckShort      = "contain.recheck_short"       // from, to, days
	WhyLastUsedFailed    = "contain.last_used_failed"    // error
	WhyLastUsedMissing   = "contain.last_used_missing"   //
	WhyLastUsedRecent    = "contain.last_used_recent"    // last_used, region, service, days
	WhyDeletedMeanwhile  = "contain.deleted_meanwhile"   //
	WhyDeleteAnswerLost  = "contain.delete_answer_lost"  // error
	WhyDeleteUnknown     = "contain.delete_unknown"      // error, list_error
)

// Refusal codes of a whole account (Outcome.Refused); RefusedError holds the error, if any.
const (
	RefusedManagement = "management_account"
	RefusedDenied     = "denylisted"
	RefusedNotAllowed = "not_allowlisted"
	RefusedOther      = "other_account"
	RefusedNoReader   = "no_finding_reader"
	RefusedNotProven  = "not_proven"
	RefusedNoAudit    = "no_audit_session"
	RefusedList       = "list_failed"
)

// Does lists every Action.Do.
var Does = []string{"deleted", "would delete", "kept", "refused", "already deleted"}

// WhyCodes lists every Why code, and RefusedCodes every Outcome.Refused: report's catalog test
// checks each has a sentence in every language.
var (
	WhyCodes = []string{WhySlotUnjoined, WhySlotUnexplained, WhyUsedSeen, WhyUsedUnexplained, WhyReportUnreadable,
		WhyNotInReport, WhyIncomplete, WhyVerdict, WhyRecheckFailed, WhyRecheckIncomplete, WhyRecheckFound,
		WhyUnusedNever, WhyUnusedBefore, WhyNoSession, WhyDeleteFailed, WhyRecheckShort, WhyLastUsedFailed,
		WhyLastUsedMissing, WhyLastUsedRecent, WhyDeletedMeanwhile, WhyDeleteAnswerLost, WhyDeleteUnknown}
	RefusedCodes = []string{RefusedManagement, RefusedDenied, RefusedNotAllowed, RefusedOther, RefusedNoReader,
		RefusedNotProven, RefusedNoAudit, RefusedList}
)

// Refusal codes of actions that no verdict explains.
const (
	RefusedUnexplained = "other_key_unexplained" // another key's reported use is unexplained
	RefusedRecheck     = "recheck_failed"        // the re-check by key id failed or was partial
	RefusedSession     = "no_session"            // the delete session could not be opened
	RefusedDelete      = "delete_failed"
	RefusedLastUsed    = "last_used_failed" // IAM's last-use record of the key could not be read
)

// Outcome is what containment did for one account.
type Outcome struct {
	Mode    Mode     `json:"mode"`
	Account string   `json:"account"`
	Keys    []string `json:"keys,omitempty"` // the root's keys, masked, from the audit session
	Actions []Action `json:"actions,omitempty"`
	Refused string   `json:"refused,omitempty"` // a Refused… code: why the account as a whole was not acted on
	// RefusedError is the error text behind the refusal, quoted as AWS or the SDK wrote it.
	RefusedError string `json:"refused_error,omitempty"`
}

// rootKey is one key of the audit session's ListAccessKeys joined to its report slot.
type rootKey struct {
	id      evidence.KeyID
	masked  string // the id as the outcome shows it, told apart from the other keys (MaskKeys)
	created time.Time
	slot    *evidence.ReportKey
	verdict advice.Verdict
}

// Run applies the mode to the account of one finding, given the evidence the responder gathered.
func (g *Guard) Run(ctx context.Context, f finding.Finding, res investigation.Result) Outcome {
	account := f.AccountID
	out := Outcome{Mode: g.Mode, Account: account}
	if g.Mode == Off || g.Mode == "" {
		out.Mode = Off
		return out
	}
	switch {
	case account == g.Management:
		out.Refused = RefusedManagement // AssumeRoot works on member accounts only
		return out
	case slices.Contains(g.Deny, account):
		out.Refused = RefusedDenied
		return out
	case len(g.Allow) > 0 && !slices.Contains(g.Allow, account):
		out.Refused = RefusedNotAllowed
		return out
	case res.Account != "" && res.Account != account:
		out.Refused = RefusedOther
		return out
	case g.Findings == nil:
		out.Refused = RefusedNoReader
		return out
	}
	if err := g.Findings.Prove(ctx, f); err != nil {
		out.Refused, out.RefusedError = RefusedNotProven, err.Error()
		return out
	}
	audit, err := g.Sessions.Root(ctx, account, TaskAudit)
	if err != nil {
		out.Refused, out.RefusedError = RefusedNoAudit, err.Error()
		return out
	}
	listed, err := audit.ListAccessKeys(ctx, &iam.ListAccessKeysInput{})
	if err != nil {
		out.Refused, out.RefusedError = RefusedList, err.Error()
		return out
	}
	now := time.Now
	if g.Now != nil {
		now = g.Now
	}
	rule := advice.Rule{Lookback: g.Lookback, Now: now()}
	keys := g.judge(rule, listed.AccessKeyMetadata, res)
	for _, k := range keys {
		out.Keys = append(out.Keys, k.masked)
	}
	if len(keys) == 0 {
		return out
	}
	// Every key the report shows used in the lookback must be explained by CloudTrail calls of
	// that same key id; otherwise something uses the root's keys in a way the evidence does not
	// show, and no key is deleted.
	if why := unexplained(rule, keys, res); why.Code != "" {
		for _, k := range keys {
			out.Actions = append(out.Actions, Action{k.masked, "refused", RefusedUnexplained, why})
		}
		return out
	}
	var deleter RootIAM
	// One key at a time, each re-checked right before it is deleted.
	for _, k := range keys {
		masked := k.masked
		v := k.verdict
		if !v.Unused {
			do := "refused"
			if v.Calls > 0 || v.Code == advice.UsedSeen || v.Code == advice.UsedUnexplained {
				do = "kept"
			}
			out.Actions = append(out.Actions, Action{masked, do, string(v.Code), notUnused(v)})
			continue
		}
		calls, cov, err := g.Search.KeyUse(ctx, account, k.id.Reveal())
		switch {
		case err != nil:
			out.Actions = append(out.Actions, Action{masked, "refused", RefusedRecheck, advice.Msg(WhyRecheckFailed, "error", scrub(err, k))})
			continue
		case cov.Partial():
			out.Actions = append(out.Actions, Action{masked, "refused", RefusedRecheck,
				advice.Msg(WhyRecheckIncomplete, "gaps", strings.ReplaceAll(gaps(cov), k.id.Reveal(), masked))})
			continue
		case !rule.Complete(&cov) || cov.End.Before(rule.Now):
			out.Actions = append(out.Actions, Action{masked, "refused", RefusedRecheck, advice.Msg(WhyRecheckShort,
				"from", cov.Start.UTC().Format(time.DateOnly), "to", cov.End.UTC().Format(time.DateOnly), "days", strconv.Itoa(rule.Days()))})
			continue
		case calls > 0:
			out.Actions = append(out.Actions, Action{masked, "kept", string(advice.UsedSeen), advice.Msg(WhyRecheckFound, "calls", strconv.Itoa(calls))})
			continue
		}
		why := advice.Msg(WhyUnusedNever, "verdict", string(v.Code), "days", strconv.Itoa(v.LookbackDays),
			"regions", strconv.Itoa(len(cov.Regions)), "slot", strconv.Itoa(k.slot.Slot))
		if v.LastUsed != nil {
			why.Code, why.Params["last_used"] = WhyUnusedBefore, v.LastUsed.Format(time.DateOnly)
		}
		// The last check, in the session that acts: both task policies allow
		// iam:GetAccessKeyLastUsed, which is current where the credential report may be hours
		// old, and sees data events and every Region where event history does not.
		if deleter == nil {
			task := TaskDelete
			if g.Mode == DryRun {
				task = TaskAudit
			}
			if deleter, err = g.Sessions.Root(ctx, account, task); err != nil {
				out.Actions = append(out.Actions, Action{masked, "refused", RefusedSession, advice.Msg(WhyNoSession, "error", err.Error())})
				return out
			}
		}
		if stop := lastUse(ctx, deleter, rule, k); stop != nil {
			if stop.Code == RefusedLastUsed {
				// Another invocation containing this account (IAM.4 fails in every Region) may
				// have deleted the key since it was listed: say so, not that it was kept.
				if gone, err := absent(ctx, deleter, k.id); err == nil && gone {
					stop = &Action{masked, "already deleted", string(v.Code), advice.Msg(WhyDeletedMeanwhile)}
				}
			}
			out.Actions = append(out.Actions, *stop)
			continue
		}
		if g.Mode == DryRun {
			out.Actions = append(out.Actions, Action{masked, "would delete", string(v.Code), why})
			continue
		}
		_, err = deleter.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{AccessKeyId: aws.String(k.id.Reveal())})
		var apiErr smithy.APIError
		switch {
		case errors.As(err, &apiErr) && apiErr.ErrorCode() == "NoSuchEntity":
			// A retried invocation finds its own earlier deletion: idempotent.
			out.Actions = append(out.Actions, Action{masked, "already deleted", string(v.Code), why})
		case err != nil:
			// The answer may be lost after IAM acted (the deadline, a dropped connection, a
			// server error): what IAM holds now says what happened, not the error.
			switch gone, lerr := absent(ctx, deleter, k.id); {
			case lerr == nil && gone:
				out.Actions = append(out.Actions, Action{masked, "deleted", string(v.Code), advice.Msg(WhyDeleteAnswerLost, "error", scrub(err, k))})
			case lerr == nil:
				out.Actions = append(out.Actions, Action{masked, "refused", RefusedDelete, advice.Msg(WhyDeleteFailed, "error", scrub(err, k))})
			default:
				out.Actions = append(out.Actions, Action{masked, "refused", RefusedDelete,
					advice.Msg(WhyDeleteUnknown, "error", scrub(err, k), "list_error", scrub(lerr, k))})
			}
		default:
			out.Actions = append(out.Actions, Action{masked, "deleted", string(v.Code), why})
		}
	}
	return out
}

// lastUse reads IAM's own last-use record of the key and returns the action that stops the key:
// the record cannot be read, or it shows use inside the lookback that the credential report and
// CloudTrail did not (use after the report was generated, data events, a Region not read); nil
// when the record agrees that the key is unused.
func lastUse(ctx context.Context, sess RootIAM, rule advice.Rule, k rootKey) *Action {
	out, err := sess.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: aws.String(k.id.Reveal())})
	if err != nil {
		return &Action{k.masked, "refused", RefusedLastUsed, advice.Msg(WhyLastUsedFailed, "error", scrub(err, k))}
	}
	u := out.AccessKeyLastUsed
	if u == nil {
		return &Action{k.masked, "refused", RefusedLastUsed, advice.Msg(WhyLastUsedMissing)}
	}
	// No date ("N/A" service and Region): never used since IAM began tracking (April 2015).
	if u.LastUsedDate == nil {
		return nil
	}
	if d := aws.ToTime(u.LastUsedDate); !d.Before(rule.Start()) {
		return &Action{k.masked, "kept", string(advice.UsedUnexplained), advice.Msg(WhyLastUsedRecent,
			"last_used", d.UTC().Format(time.DateOnly), "region", orDash(aws.ToString(u.Region)),
			"service", orDash(aws.ToString(u.ServiceName)), "days", strconv.Itoa(rule.Days()))}
	}
	return nil
}

// absent reports whether the root's keys no longer include id. It runs even when ctx has
// ended, for a few seconds: it tells a lost answer from a failed deletion.
func absent(ctx context.Context, sess RootIAM, id evidence.KeyID) (bool, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	out, err := sess.ListAccessKeys(ctx, &iam.ListAccessKeysInput{})
	if err != nil {
		return false, err
	}
	for _, m := range out.AccessKeyMetadata {
		if aws.ToString(m.AccessKeyId) == id.Reveal() {
			return false, nil
		}
	}
	return true, nil
}

// scrub is an error's text with the whole key id masked: AWS error messages may quote it
// ("The Access Key with id … cannot be found"), and reasons reach tickets and logs.
func scrub(err error, k rootKey) string {
	return strings.ReplaceAll(err.Error(), k.id.Reveal(), k.masked)
}

// slotTolerance is how far a key's CreateDate (ListAccessKeys) and its slot's last_rotated
// (credential report) may differ and still be the same key: both are the key's creation, the
// report written to the second.
const slotTolerance = time.Second

// judge joins the listed keys to the report's slots by creation date and to CloudTrail's calls by
// the whole key id, and asks the single rule of advice for each key's verdict.
func (g *Guard) judge(rule advice.Rule, listed []iamtypes.AccessKeyMetadata, res investigation.Result) []rootKey {
	var report *evidence.RootReport
	if res.Inventory != nil {
		report = res.Inventory.Report
	}
	complete := rule.Complete(res.Coverage)
	var keys []rootKey
	for _, m := range listed {
		k := rootKey{id: evidence.KeyID(aws.ToString(m.AccessKeyId)), created: aws.ToTime(m.CreateDate)}
		if report != nil {
			var match []int
			for i, s := range report.Keys {
				if s.LastRotated != nil && k.created.Sub(*s.LastRotated).Abs() <= slotTolerance {
					match = append(match, i)
				}
			}
			if len(match) == 1 { // two slots with one creation time cannot be told apart
				k.slot = &report.Keys[match[0]]
			}
		}
		ke := advice.KeyEvidence{ReportRead: report != nil, Slot: k.slot, Complete: complete}
		for _, p := range res.Keys {
			if p.KeyID == k.id {
				ke.Calls, ke.LastCall = p.Calls, p.LastUse
			}
		}
		k.verdict = rule.Judge(ke)
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b rootKey) int { return strings.Compare(a.id.Reveal(), b.id.Reveal()) })
	// Masked together with the keys the evidence shows, so that no two print alike in one ticket.
	ids := make([]evidence.KeyID, 0, len(keys)+len(res.Keys))
	for _, k := range keys {
		ids = append(ids, k.id)
	}
	for _, p := range res.Keys {
		ids = append(ids, p.KeyID)
	}
	masks := evidence.MaskKeys(ids...)
	for i := range keys {
		keys[i].masked = masks[keys[i].id]
	}
	return keys
}

// unexplained says which slot of the report shows use in the lookback that no listed key's
// CloudTrail calls explain, or "".
func unexplained(rule advice.Rule, keys []rootKey, res investigation.Result) advice.Message {
	if res.Inventory == nil || res.Inventory.Report == nil {
		return advice.Message{}
	}
	for i, s := range res.Inventory.Report.Keys {
		if s.LastUsed == nil || s.LastUsed.Before(rule.Start()) {
			continue
		}
		var owner *rootKey
		for j := range keys {
			if keys[j].slot == &res.Inventory.Report.Keys[i] {
				owner = &keys[j]
			}
		}
		switch {
		case owner == nil:
			return advice.Msg(WhySlotUnjoined, "slot", strconv.Itoa(s.Slot), "last_used", s.LastUsed.Format(time.DateOnly),
				"region", orDash(s.LastUsedRegion), "service", orDash(s.LastUsedService))
		case !owner.verdict.Explained():
			return advice.Msg(WhySlotUnexplained, "slot", strconv.Itoa(s.Slot), "key", owner.masked,
				"last_used", s.LastUsed.Format(time.DateOnly), "region", orDash(s.LastUsedRegion),
				"service", orDash(s.LastUsedService), "calls", strconv.Itoa(owner.verdict.Calls))
		}
	}
	return advice.Message{}
}

// notUnused is the reason a key is not deleted, from its verdict.
func notUnused(v advice.Verdict) advice.Message {
	switch v.Code {
	case advice.UsedSeen:
		return advice.Msg(WhyUsedSeen, "calls", strconv.Itoa(v.Calls), "days", strconv.Itoa(v.LookbackDays))
	case advice.UsedUnexplained:
		return advice.Msg(WhyUsedUnexplained, "last_used", v.LastUsed.Format(time.DateOnly),
			"region", orDash(v.Region), "service", orDash(v.Service), "calls", strconv.Itoa(v.Calls))
	case advice.ReportUnreadable:
		return advice.Msg(WhyReportUnreadable)
	case advice.NotInReport:
		return advice.Msg(WhyNotInReport)
	case advice.EvidenceIncomplete:
		return advice.Msg(WhyIncomplete, "days", strconv.Itoa(v.LookbackDays))
	}
	return advice.Msg(WhyVerdict, "verdict", string(v.Code))
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func gaps(cov evidence.Coverage) string {
	var parts []string
	for _, g := range cov.Gaps {
		parts = append(parts, fmt.Sprintf("%s %s–%s (%s)", g.Region, g.From.Format(time.DateOnly), g.To.Format(time.DateOnly), g.Reason))
	}
	return strings.Join(parts, "; ")
}
