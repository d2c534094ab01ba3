package report

import (
	"slices"
	"strconv"
	"strings"

	"github.com/iam4-responder/iam4-responder/lambda/internal/route"
)

// Caps on what Organizations says about an account, all of it untrusted text (botocore's
// organizations model: AccountName and OrganizationalUnitName at most 128 characters, TagKey 128,
// TagValue 256; ASFF AwsAccountName at most 50).
const (
	capOwnerName = 128
	capOUName    = 128
	capOUID      = 68 // ou-<4–32>-<8–32>: the model's pattern
	capTagKey    = 128
	capTagValue  = 256
	// ownerOUsShown is the deepest OU path Organizations allows (five levels under the root).
	ownerOUsShown = 5
	// ownerTagsShown bounds the tags named; the settings choose which tags are read at all.
	ownerTagsShown = 10
)

// WithOwner returns the report with what Organizations says about the account. A name
// Organizations does not give keeps the finding's (AwsAccountName); the id is always the case's.
func (r Report) WithOwner(a route.Account) Report {
	name := r.Owner.Name
	if strings.TrimSpace(a.Name) != "" {
		name = a.Name
	}
	a.ID, a.Name = r.Account, name
	r.Owner = a
	return r
}

// ownerLines name who owns the account: its name, its OU path (names with ids, from the top)
// and the chosen tags, one line each and only those known; esc makes a value safe for the
// channel and caps it. With nothing known, the ticket names the account id alone (every
// rendering already does).
func (r Report) ownerLines(esc func(string, int) string) []string {
	o := r.Owner
	var lines []string
	if strings.TrimSpace(o.Name) != "" {
		lines = append(lines, r.say("owner.name", map[string]string{"name": esc(o.Name, capOwnerName)}))
	}
	if len(o.OUs) > 0 {
		ous, more := head(o.OUs, ownerOUsShown)
		parts := make([]string, 0, len(ous)+1)
		for _, ou := range ous {
			switch {
			case strings.TrimSpace(ou.Name) == "":
				parts = append(parts, esc(ou.ID, capOUID))
			default:
				parts = append(parts, esc(ou.Name, capOUName)+" ("+esc(ou.ID, capOUID)+")")
			}
		}
		if more > 0 {
			parts = append(parts, r.say("owner.more", map[string]string{"count": strconv.Itoa(more)}))
		}
		lines = append(lines, r.say("owner.ous", map[string]string{"path": strings.Join(parts, " / ")}))
	}
	if len(o.Tags) > 0 {
		keys := make([]string, 0, len(o.Tags))
		for k := range o.Tags {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		shown, more := head(keys, ownerTagsShown)
		parts := make([]string, 0, len(shown)+1)
		for _, k := range shown {
			parts = append(parts, esc(k, capTagKey)+"="+esc(o.Tags[k], capTagValue))
		}
		if more > 0 {
			parts = append(parts, r.say("owner.more", map[string]string{"count": strconv.Itoa(more)}))
		}
		lines = append(lines, r.say("owner.tags", map[string]string{"tags": strings.Join(parts, r.messages()["list.sep"])}))
	}
	return lines
}

// ownerData is the owner as the OpsItem's iam4:owner holds it: every value capped and inert,
// at most ownerOUsShown OUs and ownerTagsShown tags (sorted by key).
func (r Report) ownerData() route.Account {
	o := r.Owner
	out := route.Account{ID: field(r.Account, capAccount), Name: field(o.Name, capOwnerName)}
	ous, _ := head(o.OUs, ownerOUsShown)
	for _, ou := range ous {
		out.OUs = append(out.OUs, route.OU{ID: field(ou.ID, capOUID), Name: field(ou.Name, capOUName)})
	}
	keys := make([]string, 0, len(o.Tags))
	for k := range o.Tags {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	shown, _ := head(keys, ownerTagsShown)
	for _, k := range shown {
		if out.Tags == nil {
			out.Tags = map[string]string{}
		}
		out.Tags[field(k, capTagKey)] = field(o.Tags[k], capTagValue)
	}
	return out
}
