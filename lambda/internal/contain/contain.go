// Package contain is the opt-in containment of unused root access keys in member accounts,
// through centralized root access (sts:AssumeRoot with the AWS root-task policies). It deletes a
// key only when nothing used it in the whole lookback window across every Region, the evidence
// is complete, the credential report agrees, and a re-check of CloudTrail by the key's own id
// just before deleting finds nothing. Every action and every refusal says why.
//
// It never touches the management account, never deletes a key with any use, and never runs
// unless configured (the default mode is off).
package contain

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"

	"github.com/iam4-responder/iam4-responder/lambda/contract"
	"github.com/iam4-responder/iam4-responder/lambda/internal/evidence"
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
	TaskAudit  = contract.TaskAudit
	TaskDelete = contract.TaskDelete
)

// RootIAM is the part of IAM a root session calls.
type RootIAM interface {
	ListAccessKeys(ctx context.Context, in *iam.ListAccessKeysInput, opts ...func(*iam.Options)) (*iam.ListAccessKeysOutput, error)
	DeleteAccessKey(ctx context.Context, in *iam.DeleteAccessKeyInput, opts ...func(*iam.Options)) (*iam.DeleteAccessKeyOutput, error)
}

// Sessions opens root sessions in member accounts, each scoped by one task policy only.
type Sessions interface {
	Root(ctx context.Context, account, taskPolicy string) (RootIAM, error)
}

// Searcher reads CloudTrail for one key id across the lookback window in every Region.
type Searcher interface {
	KeyUse(ctx context.Context, account, keyID string) (calls int, cov evidence.Coverage, err error)
}

// Guard decides and acts.
type Guard struct {
	Mode       Mode
	Management string   // the organization's management account: never touched
	Allow      []string // when set, only these accounts
	Deny       []string // never these accounts
	Sessions   Sessions
	Search     Searcher
}

// Action is one thing done, or refused, with its reason and evidence.
type Action struct {
	Key string `json:"key"` // masked id
	Do  string `json:"do"`  // deleted, would delete, kept, refused, already deleted
	Why string `json:"why"`
}

// Outcome is what containment did for one account.
type Outcome struct {
	Mode    Mode     `json:"mode"`
	Account string   `json:"account"`
	Keys    []string `json:"keys,omitempty"` // the root's keys, masked, from the audit session
	Actions []Action `json:"actions,omitempty"`
	Refused string   `json:"refused,omitempty"` // why the account as a whole was not acted on
}

// Run applies the mode to one account, given the evidence the responder gathered.
func (g *Guard) Run(ctx context.Context, account string, res investigation.Result) Outcome {
	out := Outcome{Mode: g.Mode, Account: account}
	if g.Mode == Off || g.Mode == "" {
		out.Mode = Off
		return out
	}
	switch {
	case account == g.Management:
		out.Refused = "the management account's root user is never touched (AssumeRoot works on member accounts only)"
		return out
	case slices.Contains(g.Deny, account):
		out.Refused = "the account is on the containment denylist"
		return out
	case len(g.Allow) > 0 && !slices.Contains(g.Allow, account):
		out.Refused = "the account is not on the containment allowlist"
		return out
	}
	audit, err := g.Sessions.Root(ctx, account, TaskAudit)
	if err != nil {
		out.Refused = "no audit root session: " + err.Error()
		return out
	}
	listed, err := audit.ListAccessKeys(ctx, &iam.ListAccessKeysInput{})
	if err != nil {
		out.Refused = "listing the root's access keys failed: " + err.Error()
		return out
	}
	var ids []string
	for _, k := range listed.AccessKeyMetadata {
		ids = append(ids, aws.ToString(k.AccessKeyId))
	}
	slices.Sort(ids)
	for _, id := range ids {
		out.Keys = append(out.Keys, evidence.MaskKey(id))
	}
	if len(ids) == 0 {
		return out
	}
	if why := refuseEvidence(res); why != "" {
		for _, id := range ids {
			out.Actions = append(out.Actions, Action{evidence.MaskKey(id), "refused", why})
		}
		return out
	}
	used := map[string]int{}
	for _, k := range res.Keys {
		used[k.ID] = k.Calls
	}
	var deleter RootIAM
	// One key at a time, each re-checked right before it is deleted.
	for _, id := range ids {
		masked := evidence.MaskKey(id)
		if n := used[masked]; n > 0 {
			out.Actions = append(out.Actions, Action{masked, "kept", fmt.Sprintf("%d calls in the window: replace its callers first", n)})
			continue
		}
		calls, cov, err := g.Search.KeyUse(ctx, account, id)
		switch {
		case err != nil:
			out.Actions = append(out.Actions, Action{masked, "refused", "re-check of CloudTrail by key id failed: " + err.Error()})
			continue
		case cov.Partial():
			out.Actions = append(out.Actions, Action{masked, "refused", "re-check of CloudTrail by key id is incomplete: " + gaps(cov)})
			continue
		case calls > 0:
			out.Actions = append(out.Actions, Action{masked, "kept", fmt.Sprintf("the re-check by key id found %d calls", calls)})
			continue
		}
		why := fmt.Sprintf("no call in %d days across %d Regions (re-checked by key id just now)%s",
			days(res), len(cov.Regions), reportNote(res))
		if g.Mode == DryRun {
			out.Actions = append(out.Actions, Action{masked, "would delete", why})
			continue
		}
		if deleter == nil {
			if deleter, err = g.Sessions.Root(ctx, account, TaskDelete); err != nil {
				out.Actions = append(out.Actions, Action{masked, "refused", "no delete root session: " + err.Error()})
				return out
			}
		}
		_, err = deleter.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{AccessKeyId: aws.String(id)})
		var apiErr smithy.APIError
		switch {
		case errors.As(err, &apiErr) && apiErr.ErrorCode() == "NoSuchEntity":
			// A retried invocation finds its own earlier deletion: idempotent.
			out.Actions = append(out.Actions, Action{masked, "already deleted", why})
		case err != nil:
			out.Actions = append(out.Actions, Action{masked, "refused", "delete failed: " + err.Error()})
		default:
			out.Actions = append(out.Actions, Action{masked, "deleted", why})
		}
	}
	return out
}

// refuseEvidence says why the evidence cannot justify any deletion, or "".
func refuseEvidence(res investigation.Result) string {
	if res.Coverage == nil || res.Coverage.Partial() {
		if res.Coverage == nil {
			return "no CloudTrail coverage: the evidence was not gathered from the account"
		}
		return "the evidence is partial: " + gaps(*res.Coverage)
	}
	if res.Inventory == nil || res.Inventory.Report == nil {
		return "the credential report could not be read, so it cannot confirm the key is unused"
	}
	// The report names slots, not ids: every slot used within the window must be explained by
	// a key CloudTrail saw, or some key is used in a way the evidence does not show.
	recent := 0
	for _, k := range res.Inventory.Report.Keys {
		if k.LastUsed != nil && !k.LastUsed.Before(res.WindowStart) {
			recent++
		}
	}
	if seen := len(res.Keys); recent > seen {
		return fmt.Sprintf("the credential report shows %d keys used in the window, CloudTrail %d: the difference is unexplained", recent, seen)
	}
	return ""
}

func gaps(cov evidence.Coverage) string {
	var parts []string
	for _, g := range cov.Gaps {
		parts = append(parts, fmt.Sprintf("%s %s–%s (%s)", g.Region, g.From.Format(time.DateOnly), g.To.Format(time.DateOnly), g.Reason))
	}
	return strings.Join(parts, "; ")
}

func days(res investigation.Result) int {
	return int(res.WindowEnd.Sub(res.WindowStart).Hours()/24 + 0.5)
}

func reportNote(res investigation.Result) string {
	if res.Inventory == nil || res.Inventory.Report == nil {
		return ""
	}
	var used []string
	for _, k := range res.Inventory.Report.Keys {
		if k.LastUsed == nil {
			used = append(used, fmt.Sprintf("slot %d never used", k.Slot))
		} else {
			used = append(used, fmt.Sprintf("slot %d last used %s", k.Slot, k.LastUsed.Format(time.DateOnly)))
		}
	}
	return "; credential report: " + strings.Join(used, ", ")
}
