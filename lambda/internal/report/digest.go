package report

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/iam4-responder/iam4-responder/lambda/internal/followup"
	"github.com/iam4-responder/iam4-responder/lambda/internal/textcap"
)

// DigestCase is one open case in a route's daily digest.
type DigestCase struct {
	Account, AccountName string
	State                followup.State
	Since, Opened        time.Time
	Links                map[string]string // channel -> ticket URL/key
}

// Digest lists a route's open cases in one daily message.
type Digest struct {
	Route string
	Lang  Lang
	At    time.Time
	Cases []DigestCase
}

// Caps of the digest's own values.
const (
	// Organizations AccountName: "max": 128 (botocore organizations model); a finding's
	// AwsAccountName comes from the same account name.
	capAccountName = 128
	// A route's name is a setting of ours; no real one is longer.
	capRoute = 64
	// digestNoticeReserve is the room kept to say how many cases did not fit.
	digestNoticeReserve = 200
)

// digestLinks are the ticket references a line shows, in this order, before any other channel.
var digestLinks = []string{"jira", "opsitem", "chat", "email"}

// report is a Report that only carries the digest's language, for the catalog.
func (d Digest) report() Report { return Report{Lang: d.Lang} }

// cases are the digest's cases, oldest first (the longest open needs attention most), then by
// account for a stable order.
func (d Digest) cases() []DigestCase {
	out := slices.Clone(d.Cases)
	slices.SortStableFunc(out, func(a, b DigestCase) int {
		return cmp.Or(a.Opened.Compare(b.Opened), strings.Compare(a.Account, b.Account))
	})
	return out
}

// route names the route, or says it is the default one.
func (d Digest) route(esc func(s string, n int) string) string {
	if strings.TrimSpace(d.Route) == "" {
		return d.report().say("digest.route.default", nil)
	}
	return esc(d.Route, capRoute)
}

// title is the digest's title with the route already made safe.
func (d Digest) title(route string) string {
	return d.report().say("digest.title", map[string]string{"count": strconv.Itoa(len(d.Cases)), "route": route})
}

// intro is the digest's first line.
func (d Digest) intro(esc func(s string, n int) string) string {
	p := map[string]string{"count": strconv.Itoa(len(d.Cases)), "route": d.route(esc), "date": day(d.At)}
	if len(d.Cases) == 0 {
		return d.report().say("digest.none", p)
	}
	return d.report().say("digest.intro", p)
}

// line renders one case; esc makes each untrusted value safe for the channel.
func (d Digest) line(c DigestCase, esc func(s string, n int) string) string {
	r := d.report()
	account := esc(orDash(c.Account), capAccount)
	if strings.TrimSpace(c.AccountName) != "" {
		account = r.say("digest.name", map[string]string{"account": account, "name": esc(c.AccountName, capAccountName)})
	}
	s := r.say("digest.case", map[string]string{
		"account":    account,
		"state":      Update{Report: r}.stateName(c.State, esc),
		"since":      day(c.Since),
		"state_days": r.days(daysBetween(c.Since, d.At)),
		"opened":     day(c.Opened),
		"age":        r.days(daysBetween(c.Opened, d.At)),
	})
	if len(c.Links) > 0 {
		var refs []string
		for _, ch := range slices.AppendSeq(slices.Clone(digestLinks), orderedRest(c.Links)) {
			if ref, ok := c.Links[ch]; ok {
				refs = append(refs, esc(ch, capTool)+" "+esc(orDash(ref), capTicket))
			}
		}
		s += " — " + r.say("digest.links", map[string]string{"links": strings.Join(refs, r.messages()["list.sep"])})
	}
	return s
}

// orderedRest yields the channels of links that digestLinks does not name, sorted.
func orderedRest(links map[string]string) func(func(string) bool) {
	rest := slices.Sorted(maps.Keys(links))
	return func(yield func(string) bool) {
		for _, ch := range rest {
			if !slices.Contains(digestLinks, ch) && !yield(ch) {
				return
			}
		}
	}
}

// daysBetween is the whole days from a to b; zero when either is unknown or a is later.
func daysBetween(a, b time.Time) int {
	if a.IsZero() || b.IsZero() || b.Before(a) {
		return 0
	}
	return int(b.Sub(a) / (24 * time.Hour))
}

// Email renders the digest as one SNS e-mail: the subject in English and ASCII, one line per
// case as far as SNS's 256 KB allow, and how many cases did not fit.
func (d Digest) Email() (subject, body string) {
	en := d
	en.Lang = English
	subject = asciiSubject(en.title(en.route(field)))
	b := byteBudget(snsMessageMaxBytes)
	b.must(d.intro(field))
	b.must("")
	cases := d.cases()
	for i, c := range cases {
		if !b.add("- "+d.line(c, field), digestNoticeReserve) {
			b.must("")
			b.must(d.more(len(cases) - i))
			break
		}
	}
	return subject, b.String() + "\n"
}

// Chat renders the digest as one chat card: as many cases as the description holds, and how
// many more there are. Untrusted values are inline code.
func (d Digest) Chat() []byte {
	route := d.route(chatText)
	n := chatNotification{Version: "1.0", Source: "custom"}
	n.Content.TextType = "client-markdown"
	title := d.title(route)
	n.Content.Title = textcap.Runes(":calendar: "+title, chatTitleMax)
	b := runeBudget(chatDescriptionMax)
	b.must(d.intro(chatCode))
	cases := d.cases()
	for i, c := range cases {
		if !b.add("• "+d.line(c, chatCode), digestNoticeReserve) {
			b.must(d.more(len(cases) - i))
			break
		}
	}
	n.Content.Description = textcap.Runes(b.String(), chatDescriptionMax)
	n.Content.Keywords = []string{"IAM.4", "digest"}
	n.Metadata.ThreadID = textcap.Runes("iam4-digest-"+route, chatContextMax)
	n.Metadata.Summary = textcap.Runes(title, chatTitleMax)
	n.Metadata.EventType = "IAM4RootAccessKeyDigest"
	n.Metadata.RelatedResources = []string{}
	n.Metadata.AdditionalContext = map[string]string{"route": route, "cases": strconv.Itoa(len(d.Cases))}
	return mustJSON(n)
}

// more says how many cases did not fit.
func (d Digest) more(n int) string {
	return d.report().say("digest.more", map[string]string{"count": fmt.Sprint(n)})
}
