package report

import (
	"fmt"
	"strings"

	"github.com/iam4-responder/iam4-responder/lambda/internal/advice"
)

// policyTitles hold the heading of one caller group's draft, per language: target name, callers,
// calls. Kept beside the policy rendering rather than in the catalog while the renderers' budgets
// are being reworked.
var policyTitles = map[Lang]map[string]string{
	English: {
		"role": "Role %s for the callers on AWS at %s (%s):",
		"user": "IAM user %s for the callers outside AWS at %s (%s):",
		"none": "No policy is needed from this evidence.",
		"ref":  "Actions checked against %s.",
	},
	Japanese: {
		"role": "AWS 上の呼び出し元 %[2]s 用のロール %[1]s（呼び出し %[3]s）:",
		"user": "AWS 外の呼び出し元 %[2]s 用の IAM ユーザー %[1]s（呼び出し %[3]s）:",
		"none": "この証拠からは付与すべき権限はありません。",
		"ref":  "アクションは %s で確認済み。",
	},
}

// policyBlock is one caller group's draft as every renderer shows it; the last block may hold
// only the notes that concern no single group.
type policyBlock struct {
	group string // the group's suggested name, for the attachment's and data key's name
	title string
	json  []byte // the JSON document; nil when the group needs no permission
	notes []string
}

// maxCallersShown bounds the addresses named in a draft's title; the JSON result has them all.
const maxCallersShown = 5

// policyBlocks renders the drafts' titles and notes; esc makes untrusted values (addresses,
// action names from records) safe for the channel. The policy documents are JSON already, whose
// encoding escapes control characters in the ARNs they hold.
func (r Report) policyBlocks(d advice.Drafts, esc func(string) string) []policyBlock {
	lt, ok := policyTitles[r.Lang]
	if !ok {
		lt = policyTitles[English]
	}
	var out []policyBlock
	for _, g := range d.Groups {
		var ips []string
		for i, c := range g.Callers {
			if i == maxCallersShown {
				ips = append(ips, fmt.Sprintf("+%d", len(g.Callers)-maxCallersShown))
				break
			}
			where := esc(string(c.IP))
			if c.AWSService != "" || c.AWSRegion != "" {
				where += " (" + strings.TrimSpace(esc(c.AWSService)+" "+esc(c.AWSRegion)) + ")"
			}
			ips = append(ips, where)
		}
		format, ok := lt[g.Target]
		if !ok {
			format = lt["user"]
		}
		b := policyBlock{group: fileSafe(g.Name), title: fmt.Sprintf(format, esc(g.Name), strings.Join(ips, ", "), r.count(int64(g.Calls), "call")),
			json: g.Policy}
		if g.Policy == nil {
			b.notes = append(b.notes, lt["none"])
		}
		for _, n := range g.Notes {
			b.notes = append(b.notes, esc(r.noteText(n)))
		}
		out = append(out, b)
	}
	var general []string
	for _, n := range d.Notes {
		general = append(general, esc(r.noteText(n)))
	}
	if d.Reference != "" {
		general = append(general, fmt.Sprintf(lt["ref"], d.Reference))
	}
	if len(general) > 0 {
		out = append(out, policyBlock{notes: general})
	}
	return out
}

// fileSafe keeps a group name usable in a file and data-key name: letters, digits, - and _.
func fileSafe(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_':
			b.WriteRune(c)
		}
		if b.Len() >= 64 {
			break
		}
	}
	if b.Len() == 0 {
		return "group"
	}
	return b.String()
}
