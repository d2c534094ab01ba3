package report

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/iam4-responder/iam4-responder/lambda/internal/followup"
	"github.com/iam4-responder/iam4-responder/lambda/internal/textcap"
)

// Update is one follow-up transition of a case, rendered for each channel.
type Update struct {
	Report Report // the case's opening report (finding, account, language, links)
	T      followup.Transition
	// VerifyDays is the verification window the case runs under (setting verifyDays); zero is
	// followup.Defaults.VerifyDays. A transition carries the days a key has been inactive, not
	// the window they count against.
	VerifyDays int
	// Caller is who made the call that moved the case to used_again, when a real-time signal
	// named it; nil when the call is known only from the credential report or event history.
	Caller *Caller
}

// Caller is where a key call came from, as the CloudTrail record says: every field is written
// by whoever holds the key.
type Caller struct {
	Address string // sourceIPAddress
	Agent   string // userAgent
	Action  string // service:Action
}

// Update renders one transition of the report's case.
func (r Report) Update(t followup.Transition) Update { return Update{Report: r, T: t} }

// updateEmoji marks a chat card by state, as the opening card does.
var updateEmoji = map[followup.State]string{
	followup.Open:          ":rotating_light:",
	followup.Deactivated:   ":lock:",
	followup.Verifying:     ":hourglass_flowing_sand:",
	followup.ReadyToDelete: ":wastebasket:",
	followup.Closed:        ":white_check_mark:",
	followup.UsedAgain:     ":warning:",
	followup.NewKey:        ":rotating_light:",
	followup.Stalled:       ":zzz:",
}

// updateText is a transition's sentences in the report's language, with every untrusted value
// already made safe for one channel.
type updateText struct {
	title  string // update.title.<to>
	what   string // what happened
	caller string // who made the call, when known
	next   string // what to do next
	state  string // the state line
}

// text renders the transition's sentences; esc makes an untrusted value safe for the channel,
// within n runes.
func (u Update) text(esc func(s string, n int) string) updateText {
	r, t := u.Report, u.T
	verify := u.VerifyDays
	if verify <= 0 {
		verify = followup.Defaults.VerifyDays
	}
	left := max(verify-t.DaysInactive, 0)
	lastUsed := r.say("update.last_used.never", nil)
	if t.LastUsed != nil {
		lastUsed = day(*t.LastUsed)
	}
	p := map[string]string{
		"account":       esc(orDash(r.Account), capAccount),
		"at":            day(t.At),
		"days_inactive": r.days(t.DaysInactive),
		"verify_days":   r.days(verify),
		"days_left":     r.days(left),
		"last_used":     lastUsed,
		"called_at":     day(t.CalledAt),
		"key":           u.keyText(esc),
		"days_still":    r.days(t.DaysStill),
		"from":          u.stateName(t.From, esc),
		"to":            u.stateName(t.To, esc),
		"reason":        esc(orDash(string(t.Reason)), capReason),
	}
	next := "update.next." + string(t.To)
	if _, ok := r.messages()[next]; !ok {
		next = "update.next.other"
	}
	out := updateText{
		title: u.title(esc(orDash(r.Account), capAccount), esc),
		next:  r.say(next, p),
		state: r.say("update.state_line", p),
	}
	what := "update.what." + string(t.Reason)
	if _, ok := r.messages()[what]; !ok || t.Reason == "" {
		what = "update.what.unknown"
	}
	out.what = r.say(what, p)
	if c := u.Caller; c != nil && t.To == followup.UsedAgain {
		out.caller = r.say("update.caller", map[string]string{
			"address": esc(orDash(c.Address), capAddress),
			"agent":   esc(orDash(c.Agent), capAgent),
			"action":  esc(orDash(c.Action), capAction),
		})
	}
	return out
}

// title is the update's title with the account already made safe; a state no catalog knows
// (a newer producer than this renderer) is named by its code, made safe by esc.
func (u Update) title(account string, esc func(s string, n int) string) string {
	key := "update.title." + string(u.T.To)
	if _, ok := u.Report.messages()[key]; !ok {
		key = "update.title.other"
	}
	return u.Report.say(key, map[string]string{"account": account, "to": u.stateName(u.T.To, esc)})
}

// stateName names a state in the report's language; an unknown one shows as its code, made
// safe by esc.
func (u Update) stateName(s followup.State, esc func(s string, n int) string) string {
	if n, ok := u.Report.messages()["update.state."+string(s)]; ok {
		return n
	}
	return esc(orDash(string(s)), capControl)
}

// keyText names the key a transition carries. followup labels a key "key <fingerprint>" or
// "key created <RFC 3339 time>" (never its id); anything else is shown as an untrusted value.
func (u Update) keyText(esc func(s string, n int) string) string {
	r, k := u.Report, u.T.Key
	if rest, ok := strings.CutPrefix(k, "key created "); ok {
		if at, err := time.Parse(time.RFC3339, rest); err == nil {
			return r.say("update.key.created", map[string]string{"created": day(at)})
		}
	}
	if fp, ok := strings.CutPrefix(k, "key "); ok && len(fp) == 16 {
		if _, err := hex.DecodeString(fp); err == nil {
			return r.say("update.key.fp", map[string]string{"fp": fp})
		}
	}
	if k == "" {
		return r.say("update.key.unknown", nil)
	}
	return esc(k, capKey)
}

// Email renders the update as the SNS e-mail: subject in English and ASCII like the opening
// e-mail's, the body in the report's language with the case's facts and links.
func (u Update) Email() (subject, body string) {
	r := u.Report
	tt := r.t()
	en := u
	en.Report.Lang = English
	subject = asciiSubject(en.title(orDash(field(r.Account, capAccount)), field))
	x := u.text(field)
	lines := []string{x.what}
	if x.caller != "" {
		lines = append(lines, x.caller)
	}
	f := r.Finding
	lines = append(lines, "",
		r.say("update.next_label", nil)+" "+x.next,
		"",
		x.state,
		"",
		fmt.Sprintf("%s:  %s", tt.account, orDash(field(r.Account, capAccount))),
		fmt.Sprintf("%s:  %s", tt.region, orDash(field(f.Region, capRegion))),
		fmt.Sprintf("%s:  %s", tt.finding, orDash(field(f.ID, capFindID))),
		fmt.Sprintf("%s:  %s", tt.control, orDash(field(f.Control, capControl))),
		"",
		fmt.Sprintf("%s:  %s", tt.findingLink, r.FindingURL()),
		fmt.Sprintf("%s: %s", tt.credentialsLink, r.CredentialsURL()),
	)
	// Every value is capped, so the body is a few kilobytes at most; the cap only guards it.
	return subject, textcap.Bytes(strings.Join(lines, "\n"), snsMessageMaxBytes-1) + "\n"
}

// Chat renders the update as a custom notification of Amazon Q Developer in chat applications,
// in the opening card's thread and within the same caps; untrusted values are inline code.
func (u Update) Chat() []byte {
	r := u.Report
	account := chatText(orDash(r.Account), capAccount)
	x := u.text(chatCode)
	n := chatNotification{Version: "1.0", Source: "custom"}
	n.Content.TextType = "client-markdown"
	title := u.title(account, chatText)
	n.Content.Title = textcap.Runes(updateEmoji[u.T.To]+" "+title, chatTitleMax)
	desc := []string{x.what}
	if x.caller != "" {
		desc = append(desc, x.caller)
	}
	desc = append(desc, x.state)
	n.Content.Description = textcap.Runes(strings.Join(desc, "\n"), chatDescriptionMax)
	n.Content.NextSteps = []string{
		textcap.Runes(x.next, chatNextStepMax),
		"<" + r.FindingURL() + "|" + r.t().findingLink + ">",
	}
	state := chatText(u.stateName(u.T.To, chatText), chatKeywordMax)
	n.Content.Keywords = []string{"IAM.4", state}
	n.Metadata.ThreadID = "iam4-" + account
	n.Metadata.Summary = textcap.Runes(title, chatTitleMax)
	n.Metadata.EventType = "IAM4RootAccessKeyUpdate"
	n.Metadata.RelatedResources = []string{"arn:" + r.partition() + ":iam::" + account + ":root"}
	n.Metadata.AdditionalContext = map[string]string{
		"account": account,
		"region":  chatText(orDash(r.Finding.Region), capRegion),
		"state":   state,
	}
	return mustJSON(n)
}

// JiraComment renders the update as a comment on the case's issue. ADF keeps every text node
// inert; untrusted values are capped plain text in them.
func (u Update) JiraComment() ADF {
	r := u.Report
	tt := r.t()
	x := u.text(func(s string, n int) string { return orDash(field(s, n)) })
	blocks := []ADF{para(strong(x.title)), para(text(x.what))}
	if x.caller != "" {
		blocks = append(blocks, para(text(x.caller)))
	}
	blocks = append(blocks,
		para(strong(r.say("update.next_label", nil)+" "), text(x.next)),
		para(text(x.state)),
		para(link(tt.findingLink, r.FindingURL()), text(" · "), link(tt.credentialsLink, r.CredentialsURL())),
	)
	return ADF{Type: "doc", Version: 1, Content: blocks}
}

// OpsItemData is the operational data an update sets on the case's OpsItem: the state and its
// facts as codes, numbers and dates for searches and automation, and the update's sentences.
// Every key is set on every update ("-" where a fact does not apply), so no value of an earlier
// state lingers.
func (u Update) OpsItemData() map[string]string {
	t := u.T
	x := u.text(field)
	num := func(n int) string {
		if n <= 0 {
			return "-"
		}
		return strconv.Itoa(n)
	}
	lastUsed := "-"
	if t.To == followup.ReadyToDelete {
		lastUsed = "never"
		if t.LastUsed != nil {
			lastUsed = day(*t.LastUsed)
		}
	}
	data := map[string]string{
		"iam4:state":         field(string(t.To), capControl),
		"iam4:state_from":    field(string(t.From), capControl),
		"iam4:state_since":   day(t.At),
		"iam4:state_reason":  field(string(t.Reason), capReason),
		"iam4:days_inactive": num(t.DaysInactive),
		"iam4:last_used":     lastUsed,
		"iam4:called_at":     day(t.CalledAt),
		"iam4:days_still":    num(t.DaysStill),
		"iam4:update":        strings.Join(nonBlank(x.what, x.caller), " "),
		"iam4:next":          x.next,
	}
	for k, v := range data {
		data[k] = orDash(textcap.Bytes(v, opsDataValueMaxBytes))
	}
	return data
}

func nonBlank(parts ...string) []string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

// OpsItemStatus is the OpsItem's status after the update, one of SSM's OpsItemStatus values: a
// case that needs someone to act on the key again is Open, one moving along the runbook is
// InProgress, a closed one Resolved.
func (u Update) OpsItemStatus() string {
	switch u.T.To {
	case followup.Closed:
		return "Resolved"
	case followup.Deactivated, followup.Verifying, followup.ReadyToDelete:
		return "InProgress"
	}
	return "Open" // open, used_again, new_key, stalled, and any state this renderer does not know
}

// SecurityHubNote is the note (ASFF) or comment (OCSF) an update writes back to the finding,
// inert and within the opening note's 512 characters: what happened always, then the caller and
// what to do next as far as each fits whole.
func (u Update) SecurityHubNote() string {
	x := u.text(field)
	note := textcap.Runes(inert(x.what), noteMax)
	for _, part := range nonBlank(x.caller, u.Report.say("update.next_label", nil)+" "+x.next) {
		part = inert(part)
		if runes := len([]rune(note)) + 1 + len([]rune(part)); runes <= noteMax {
			note += " " + part
		}
	}
	return note
}

// days says a number of days in the report's language, singular or plural.
func (r Report) days(n int) string { return r.count(int64(n), "day") }
