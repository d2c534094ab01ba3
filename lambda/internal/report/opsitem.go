package report

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/iam4-responder/iam4-responder/lambda/internal/contain"
	"github.com/iam4-responder/iam4-responder/lambda/internal/textcap"
)

// OpsItem is the content of an OpsCenter OpsItem.
type OpsItem struct {
	Title string
	// Description is Markdown (CreateOpsItem: "in Markdown format"), escaped.
	Description string
	// Data is the operational data, by key; values are strings (JSON where structured), each
	// within 20 KB. A value too large for one key is split over key:1, key:2, …
	Data map[string]string
}

// Searchable says whether a data key may be SearchableString, which everyone who can list
// OpsItems sees (DescribeOpsItems); the full evidence and the policies are String, which only
// those who can open the OpsItem see (GetOpsItem) — CreateOpsItem, OperationalData.
func (OpsItem) Searchable(key string) bool {
	return !strings.HasPrefix(key, "iam4:evidence") && !strings.HasPrefix(key, "iam4:policy-")
}

// opsNoticeReserve is the room kept in the description to say what did not fit: a blank line
// and the moreLines sentence, at most about 60 characters in either language, with room to spare.
// (It was 400; in 2,048 characters the checklist needs that room more, now that the footer also
// links the event history.)
const opsNoticeReserve = 160

// OpsItem renders the OpsItem of an opened case: a Markdown description whose untrusted values
// are code spans (never markup, never links) and whose account, Region and links always fit, and
// the operational data holding the rest: every draft policy and the full evidence, as far as
// OpsCenter's limits allow (what is left out is named).
func (r Report) OpsItem() OpsItem {
	data, keys, omitted := r.opsData()
	return OpsItem{
		Title:       textcap.Runes(r.testMark()+fmt.Sprintf(r.t().titleOpened, orDash(field(r.Account, capAccount))), opsTitleMax),
		Description: r.opsDescription(keys, omitted),
		Data:        data,
	}
}

func (r Report) opsDescription(keys, omitted []string) string {
	t := r.t()
	f := r.Finding
	account := mdCode(r.Account, capAccount)
	var lines []string
	line := func(format string, args ...any) { lines = append(lines, fmt.Sprintf(format, args...)) }
	line(md(t.intro)+" "+md(t.unlimited), account, mdCode(r.severity(f.Severity), capSeverity))
	// Who owns the account comes after the checklist: the description holds 2,048 characters,
	// the title already names the account, and iam4:owner holds the owner whole.
	owner := func() {
		if ol := r.ownerLines(mdCode); len(ol) > 0 {
			line("")
			for _, l := range ol {
				line("- %s", l)
			}
		}
	}
	if ev := r.Evidence; ev != nil {
		c := opsLists
		line("")
		line("**%s**", md(fmt.Sprintf(t.decision, r.decisionText(string(ev.Advice.Decision)))))
		line("")
		if src := r.sourceLines(ev.Sources, func(s string) string { return field(s, capError) }); len(src) > 0 {
			for _, l := range src {
				line("- %s", md(l))
			}
			line("")
		}
		for _, k := range ev.Keys {
			line("- "+md(t.key), mdCode(k.ID, capKey), r.count(int64(k.Calls), "call"), k.Errors, day(k.FirstUse), day(k.LastUse))
			ips, more := head(k.SourceIPs, c.addresses)
			for _, ip := range ips {
				where := t.outside
				if ip.InsideAWS {
					where = t.inside
				}
				line("  - "+md(t.from), mdCode(string(ip.IP), capAddress), r.count(int64(ip.Calls), "call"), md(where))
			}
			if more > 0 {
				line("  - "+md(t.moreAddresses), r.count(int64(more), "more address"))
			}
			acts, more := head(k.Actions, c.actions)
			for _, a := range acts {
				line("  - "+md(t.action), mdCode(a.Action, capAction), r.count(int64(a.Calls), "call"))
			}
			if more > 0 {
				line("  - "+md(t.moreActions), r.count(int64(more), "more action"))
			}
		}
		if cl := r.containmentLines(func(s string) string { return mdCode(s, capCaution) }); len(cl) > 0 {
			line("")
			line("**%s**", md(cl[0]))
			for _, l := range cl[1:] {
				line("- %s", strings.TrimSpace(l))
			}
		}
		if len(ev.Advice.Steps) > 0 {
			line("")
			line("**%s**", md(t.todo))
			for _, st := range ev.Advice.Steps {
				title, _ := r.stepText(st, st.Callers, c.callers, func(s string) string { return mdCode(s, capAddress) })
				line("- %s %s", mdCode(st.ID, capKey), md(title))
			}
		}
		owner()
		// The charts come after the checklist: when the description is full, they go first.
		for _, k := range ev.Keys {
			al := r.activityLines(k, sparkNarrow, c.addresses, func(s string) string { return mdCode(s, capAddress) },
				func(s string) string { return "`" + s + "`" })
			if len(al) == 0 {
				continue
			}
			// One entry for the whole chart, so that a title never stands without its rows.
			block := []string{"", fmt.Sprintf("**%s** %s", mdCode(k.ID, capKey), md(al[0]))}
			for _, l := range al[1:] {
				block = append(block, "- "+l)
			}
			lines = append(lines, strings.Join(block, "\n"))
		}
	} else {
		line("")
		line(md(t.noEvidence), mdCode(r.EvidenceError, capError))
		line("")
		line("**%s**", md(t.byHand))
		line("")
		for _, s := range t.byHandSteps {
			line("%s", md(s)) // numbered: a Markdown ordered list
		}
		owner()
	}
	// The rule ends the checklist, so the footer's list is a list of its own.
	footer := []string{"", "---", "",
		fmt.Sprintf("- %s: %s", md(t.account), account),
		fmt.Sprintf("- %s: %s", md(t.region), mdCode(f.Region, capRegion)),
		fmt.Sprintf("- [%s](%s)", md(t.findingLink), r.FindingURL()),
		fmt.Sprintf("- [%s](%s)", md(t.credentialsLink), r.CredentialsURL()),
		fmt.Sprintf("- [%s](%s)", md(r.say("link.event_history", nil)), r.EventHistoryURL()),
	}
	if len(keys) > 0 {
		footer = append(footer, "", md(fmt.Sprintf(t.opsData, strings.Join(keys, ", "))))
	}
	if len(omitted) > 0 {
		footer = append(footer, "", md(fmt.Sprintf(t.opsOmitted, strings.Join(omitted, ", "))))
	}
	b := runeBudget(opsDescriptionMax)
	reserve := b.cost(footer...) + opsNoticeReserve
	for _, l := range lines {
		b.add(l, reserve)
	}
	if b.dropped > 0 {
		b.must("")
		b.must(md(fmt.Sprintf(t.moreLines, r.count(int64(b.dropped), "more line"))))
	}
	for _, l := range footer {
		b.must(l)
	}
	// The footer's parts are each capped; this only guards the sum.
	return textcap.Runes(b.String(), opsDescriptionMax)
}

// opsData builds the operational data within OpsCenter's limits: each value at most 20 KB
// (larger ones split over numbered keys), the whole map within its budget. It returns the data,
// the keys holding the policies and the evidence, and what did not fit.
func (r Report) opsData() (data map[string]string, keys, omitted []string) {
	data = map[string]string{}
	total := 0
	// put stores one value, split when it is larger than a value may be; all parts or none.
	put := func(key, value string) bool {
		value = orDash(value)
		parts := splitBytes(value, opsDataValueMaxBytes)
		size := 0
		for range parts {
			size += len(key) + 4
		}
		size += len(value)
		if total+size > opsDataTotalMaxBytes {
			return false
		}
		total += size
		if len(parts) == 1 {
			data[key] = parts[0]
			return true
		}
		for i, p := range parts {
			data[key+":"+strconv.Itoa(i+1)] = p
		}
		return true
	}
	account := orDash(field(r.Account, capAccount))
	dedup, _ := json.Marshal(map[string]string{"dedupString": "iam4-responder:" + field(r.Case, capCase)})
	resources, _ := json.Marshal([]map[string]string{{"arn": "arn:" + r.partition() + ":iam::" + account + ":root"}})
	put("/aws/dedup", string(dedup))
	put("/aws/resources", string(resources))
	put("iam4:case", field(r.Case, capCase))
	put("iam4:finding", field(r.Finding.ID, capFindID))
	put("iam4:link", r.FindingURL())
	if o := r.Owner; strings.TrimSpace(o.Name) != "" || len(o.OUs) > 0 || len(o.Tags) > 0 {
		b, _ := json.Marshal(r.ownerData())
		put("iam4:owner", string(inertJSON(b)))
	}
	if c := r.Containment; c != nil && c.Mode != contain.Off {
		b, _ := json.Marshal(c)
		put("iam4:containment", string(inertJSON(b)))
	}
	ev := r.Evidence
	if ev == nil {
		return data, nil, nil
	}
	put("iam4:decision", string(ev.Advice.Decision))
	put("iam4:partial", strconv.FormatBool(ev.Partial))
	type keySummary struct {
		ID        string   `json:"id"`
		Calls     int      `json:"calls"`
		InsideAWS bool     `json:"inside_aws"`
		SourceIPs []string `json:"source_ips"`
	}
	var summary []keySummary
	for _, k := range ev.Keys {
		ks := keySummary{ID: field(k.ID, capKey), Calls: k.Calls, InsideAWS: k.InsideAWS, SourceIPs: []string{}}
		ips, _ := head(k.SourceIPs, opsKeyAddresses)
		for _, ip := range ips {
			ks.SourceIPs = append(ks.SourceIPs, field(string(ip.IP), capAddress))
		}
		summary = append(summary, ks)
	}
	b, _ := json.Marshal(summary)
	put("iam4:keys", string(inertJSON(b)))
	// Every caller's chart and cadence, which the description holds only as far as it has room.
	var activity []string
	for _, k := range ev.Keys {
		al := r.activityLines(k, sparkWide, opsKeyAddresses, func(s string) string { return field(s, capAddress) },
			func(s string) string { return s })
		if len(al) > 0 {
			activity = append(activity, field(k.ID, capKey)+" "+al[0])
			for _, l := range al[1:] {
				activity = append(activity, "  "+l)
			}
		}
	}
	if len(activity) > 0 && put("iam4:activity", strings.Join(activity, "\n")) {
		keys = append(keys, "iam4:activity")
	}
	r.opsPolicies(put, &keys, &omitted)
	if doc, _ := r.evidenceWithin(opsDataTotalMaxBytes - total); doc != nil && put("iam4:evidence", string(doc)) {
		keys = append(keys, "iam4:evidence")
	} else {
		omitted = append(omitted, "iam4:evidence")
	}
	slices.Sort(keys)
	return data, keys, omitted
}

// opsPolicies stores every draft policy under iam4:policy-<group>.
func (r Report) opsPolicies(put func(key, value string) bool, keys, omitted *[]string) {
	for _, p := range r.policies() {
		if len(p.raw) == 0 {
			continue
		}
		key := "iam4:policy-" + p.Group
		if put(key, string(p.JSON())) {
			*keys = append(*keys, key)
		} else {
			*omitted = append(*omitted, key)
		}
	}
}

// splitBytes cuts s into parts of at most n bytes, never inside a character.
func splitBytes(s string, n int) []string {
	var parts []string
	for len(s) > n {
		cut := n
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		parts = append(parts, s[:cut])
		s = s[cut:]
	}
	return append(parts, s)
}

// OpsResolution is the note added when the case closes.
func (r Report) OpsResolution() string {
	return fmt.Sprintf(r.t().resolvedIntro, orDash(field(r.Account, capAccount)), orDash(field(r.resolvedReason(r.Reason), capReason)))
}
