package report

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/iam4-responder/iam4-responder/lambda/internal/textcap"
)

// chatNoticeReserve is the room kept in the description to say what did not fit.
const chatNoticeReserve = 200

// Chat renders the custom notification of Amazon Q Developer in chat applications (Slack,
// Microsoft Teams): the "custom" source schema of its administrator guide, with client-markdown
// text. Untrusted values are shown as inline code, so neither markdown, links nor mentions in
// them take effect; every field is within the caps in limits.go.
func (r Report) Chat() []byte {
	t := r.t()
	f := r.Finding
	account := chatText(orDash(r.Account), capAccount)
	n := chatNotification{Version: "1.0", Source: "custom"}
	n.Content.TextType = "client-markdown"
	n.Metadata.ThreadID = "iam4-" + account
	n.Metadata.EventType = "IAM4RootAccessKey"
	n.Metadata.RelatedResources = []string{"arn:" + r.partition() + ":iam::" + account + ":root"}
	n.Metadata.AdditionalContext = map[string]string{"account": account, "region": chatText(orDash(f.Region), capRegion)}
	if name := chatText(r.Owner.Name, capOwnerName); strings.TrimSpace(name) != "" {
		n.Metadata.AdditionalContext["accountName"] = textcap.Runes(name, chatContextMax)
	}
	if r.Kind == Resolved {
		n.Content.Title = textcap.Runes(":white_check_mark: "+r.testMark()+fmt.Sprintf(t.titleResolved, account), chatTitleMax)
		n.Content.Description = textcap.Runes(strings.Join(append([]string{fmt.Sprintf(t.resolvedIntro, account,
			chatCode(r.resolvedReason(r.Reason), capReason))}, r.ownerLines(chatCode)...), "\n"), chatDescriptionMax)
		n.Metadata.Summary = textcap.Runes(r.testMark()+fmt.Sprintf(t.titleResolved, account), chatTitleMax)
		n.Content.Keywords = []string{"IAM.4", "resolved"}
		return mustJSON(n)
	}
	n.Content.Title = textcap.Runes(":rotating_light: "+r.testMark()+fmt.Sprintf(t.titleOpened, account), chatTitleMax)
	n.Metadata.Summary = textcap.Runes(r.testMark()+fmt.Sprintf(t.titleOpened, account), chatTitleMax)
	n.Content.Keywords = []string{"IAM.4", chatText(orDash(r.severity(f.Severity)), chatKeywordMax)}
	desc := []string{fmt.Sprintf(t.intro, account, chatCode(r.severity(f.Severity), capSeverity))}
	desc = append(desc, r.ownerLines(chatCode)...)
	desc = append(desc, t.unlimited)
	var steps []string
	if ev := r.Evidence; ev != nil {
		c := chatLists
		desc = append(desc, fmt.Sprintf(t.decision, "*"+r.decisionText(string(ev.Advice.Decision))+"*"))
		desc = append(desc, r.sourceLines(ev.Sources, func(s string) string { return chatCode(s, capError) })...)
		for _, k := range ev.Keys {
			ips, more := head(k.SourceIPs, c.addresses)
			var from []string
			for _, ip := range ips {
				where := t.outside
				if ip.InsideAWS {
					where = t.inside
				}
				from = append(from, chatCode(string(ip.IP), capAddress)+" ("+where+")")
			}
			if more > 0 {
				from = append(from, fmt.Sprintf(t.moreAddresses, r.count(int64(more), "more address")))
			}
			desc = append(desc, fmt.Sprintf(t.key, chatCode(k.ID, capKey), r.count(int64(k.Calls), "call"), k.Errors, day(k.FirstUse), day(k.LastUse))+
				": "+strings.Join(from, ", "))
			desc = append(desc, r.activityLines(k, sparkNarrow, c.addresses, func(s string) string { return chatCode(s, capAddress) },
				func(s string) string { return "`" + s + "`" })...)
		}
		if cl := r.containmentLines(func(s string) string { return chatCode(s, capCaution) }); len(cl) > 0 {
			desc = append(desc, cl...)
		}
		for _, st := range ev.Advice.Steps {
			title, _ := r.stepText(st, st.Callers, c.callers, func(s string) string { return chatCode(s, capAddress) })
			steps = append(steps, chatText(st.ID, capKey)+" "+title)
		}
	} else {
		desc = append(desc, fmt.Sprintf(t.noEvidence, chatCode(r.EvidenceError, capError)))
		steps = t.byHandSteps[:]
	}
	b := runeBudget(chatDescriptionMax)
	for _, l := range desc {
		b.add(l, chatNoticeReserve)
	}
	if b.dropped > 0 {
		b.must(fmt.Sprintf(t.moreLines, r.count(int64(b.dropped), "more line")))
	}
	n.Content.Description = b.String()
	// The last steps are the links to the finding and to the root's event history; FindingURL
	// keeps the first short.
	shown, _ := head(steps, chatNextSteps-2)
	for _, s := range shown {
		n.Content.NextSteps = append(n.Content.NextSteps, textcap.Runes(s, chatNextStepMax))
	}
	n.Content.NextSteps = append(n.Content.NextSteps, "<"+r.FindingURL()+"|"+t.findingLink+">",
		"<"+r.EventHistoryURL()+"|"+r.say("link.event_history", nil)+">")
	return mustJSON(n)
}

type chatNotification struct {
	Version string `json:"version"`
	Source  string `json:"source"`
	Content struct {
		TextType    string   `json:"textType"`
		Title       string   `json:"title"`
		Description string   `json:"description"`
		NextSteps   []string `json:"nextSteps,omitempty"`
		Keywords    []string `json:"keywords,omitempty"`
	} `json:"content"`
	Metadata struct {
		ThreadID          string            `json:"threadId"`
		Summary           string            `json:"summary"`
		EventType         string            `json:"eventType"`
		RelatedResources  []string          `json:"relatedResources"`
		AdditionalContext map[string]string `json:"additionalContext"`
	} `json:"metadata"`
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only plain structs of strings are rendered
	}
	return b
}
