package report

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	gtext "github.com/yuin/goldmark/text"

	"github.com/iam4-responder/iam4-responder/lambda/internal/advice"
	"github.com/iam4-responder/iam4-responder/lambda/internal/contain"
	"github.com/iam4-responder/iam4-responder/lambda/internal/evidence"
	"github.com/iam4-responder/iam4-responder/lambda/internal/finding"
	"github.com/iam4-responder/iam4-responder/lambda/internal/investigation"
	"github.com/iam4-responder/iam4-responder/lambda/internal/route"
	"github.com/iam4-responder/iam4-responder/lambda/internal/textcap"
)

// hostileParts are what a key holder or a forged finding can put into a field: invisible and
// reordering characters, line breaks of every kind, markup of every channel, mentions, links,
// ADF-breaking JSON, invalid UTF-8 and wide characters.
var hostileParts = []string{
	"\u200b\u200c\u200d\u2060\ufeff",                         // zero-width
	"\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069", // bidi embeddings, overrides, isolates
	"\u200e\u200f\u061c",                                     // bidi marks
	"\u0080\u0085\u009b[31m\u009f",                           // C1
	"\x00\x07\x1b[2J\r\n\t\x7f",                              // C0 and DEL
	"\u2028\u2029",                                           // line and paragraph separators
	"\u00ad\u3164\U000E0041\u034f\ufe0f",                     // soft hyphen, filler, tag, CGJ, VS16
	"[Rotate now](https://evil.example/rotate)",
	"<https://evil.example|click> https://evil.example/x www.evil.example",
	"@here <!channel> <@U0123> @channel",
	"`code` *bold* _it_ ~strike~ # head \\ | cell | > quote",
	`"}]},{"type":"text","marks":[{"type":"link","attrs":{"href":"https://evil.example"}}]`,
	"<script>alert(1)</script><img src=x onerror=alert(1)>",
	"\xff\xfe\xc0",
	"日本語のテキスト😀",
	"Bcc: victim@example.com",
	"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
}

// hostileText returns a hostile string of at least n bytes drawn by rng.
func hostileText(rng *rand.Rand, n int) string {
	var b strings.Builder
	for b.Len() < n {
		b.WriteString(hostileParts[rng.IntN(len(hostileParts))])
	}
	return b.String()
}

// capped is a hostile value as evidence carries it: at most n runes.
func capped(rng *rand.Rand, n int) evidence.Text {
	return evidence.Text(textcap.Runes(hostileText(rng, 4*n), n))
}

// Largest lists the collector keeps per key (package evidence: maxIPs, maxAgents, maxActions,
// maxResources) and its string caps (capShort, capUserAgent, capARN).
const (
	maxIPs, maxAgents, maxActions, maxResources = 256, 64, 512, 32
	capShortRunes, capAgentRunes, capARNRunes   = 128, 256, 512
)

// largestReport is an opened case with the largest evidence the collector allows, every list
// full and every string at its cap and hostile, hostile advice texts, and finding fields of 1 MiB.
func largestReport(t *testing.T, rng *rand.Rand, lang Lang, keys, resources int) Report {
	t.Helper()
	const mib = 1 << 20
	f := finding.Finding{
		ID: hostileText(rng, mib), ProductARN: "arn:aws:securityhub:us-west-2::product/aws/securityhub", AccountID: hostileText(rng, mib),
		Region: hostileText(rng, mib), Control: hostileText(rng, mib), Severity: hostileText(rng, mib), UpdatedAt: time.Now(),
	}
	var sum evidence.Summary
	for k := range keys {
		p := evidence.KeyProfile{ID: fmt.Sprintf("AKIA…%04d", k) + string(capped(rng, 4)), Calls: 1 << 20, Errors: 7,
			FirstUse: time.Date(2026, 8, 3, 0, 0, 0, 0, time.UTC), LastUse: time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC)}
		for i := range maxIPs {
			p.SourceIPs = append(p.SourceIPs, evidence.IPCount{IP: capped(rng, capShortRunes), Calls: i + 1, InsideAWS: i%2 == 0,
				AWSRegion: "us-east-1", AWSService: "EC2", Activity: largestActivity(i)})
			p.Regions = append(p.Regions, evidence.Count{Value: string(capped(rng, capShortRunes)), Calls: i})
		}
		for i := range maxAgents {
			p.UserAgents = append(p.UserAgents, evidence.AgentCount{Tool: evidence.Tool(capped(rng, capShortRunes)), Agent: capped(rng, capAgentRunes), Calls: i})
			p.Tools = append(p.Tools, evidence.Count{Value: string(capped(rng, capShortRunes)), Calls: i})
		}
		for i := range maxActions {
			a := evidence.ActionCount{Action: fmt.Sprintf("s3:Act%d", i) + string(capped(rng, capShortRunes-12)), Calls: i, AllNamed: true}
			for range resources {
				a.Resources = append(a.Resources, capped(rng, capARNRunes))
			}
			p.Actions = append(p.Actions, a)
		}
		sum.Keys = append(sum.Keys, p)
		sum.AccessKeyCalls += p.Calls
	}
	// A year and a day: the longest window evidence keeps each caller's days for.
	res := investigation.Result{Account: string(capped(rng, 12)), Summary: sum, Partial: true,
		WindowStart: activityEnd.AddDate(0, 0, -365), WindowEnd: activityEnd}
	res.Advice = advice.Advise(advice.Input{Usage: sum, Now: res.WindowEnd})
	for range 20 {
		res.Advice.Cautions = append(res.Advice.Cautions, advice.Msg(advice.CautionReportUnreadable, "error", hostileText(rng, 2000)))
		res.Advice.Policies.Notes = append(res.Advice.Policies.Notes, advice.PolicyNote{Code: advice.NoteUnmapped, Action: hostileText(rng, 200),
			Params: map[string]string{"error": hostileText(rng, 2000), "call": hostileText(rng, 200)}})
	}
	r := New(Opened, f, "").WithOwner(hostileOwner(rng))
	r.Lang, r.Evidence, r.EvidenceError = lang, &res, hostileText(rng, mib)
	r.Containment = &contain.Outcome{Mode: contain.DeleteUnused, Refused: contain.RefusedOther, RefusedError: hostileText(rng, mib),
		Actions: []contain.Action{
			{Key: "AKIA…0001", Do: "kept", Why: advice.Msg(contain.WhyRecheckFailed, "error", hostileText(rng, mib))},
			{Key: "AKIA…0002", Do: "deleted", Why: advice.Msg(contain.WhyUsedSeen, "calls", hostileText(rng, 5000), "days", "90")}}}
	return r
}

// activityEnd is the last day of the largest report's window.
var activityEnd = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// largestActivity is a caller's activity at its largest: a call on every one of the 366 days
// evidence keeps, in every hour, and calls before them.
func largestActivity(i int) *evidence.Activity {
	a := &evidence.Activity{FirstDay: activityEnd.AddDate(0, 0, -365).Format(time.DateOnly), Hours: make([]int, 24), Older: i}
	for d := range 366 {
		a.PerDay = append(a.PerDay, 1+(d*i)%97)
	}
	for h := range a.Hours {
		a.Hours[h] = i + h
	}
	return a
}

// hostileOwner is what a member account's administrator can make Organizations say: a name, OU
// names and tags far beyond their caps and hostile, more OUs than the five levels Organizations
// allows, and more tags than any ticket shows.
func hostileOwner(rng *rand.Rand) route.Account {
	a := route.Account{Name: hostileText(rng, 1<<20), Tags: map[string]string{}}
	for range 8 {
		a.OUs = append(a.OUs, route.OU{ID: hostileText(rng, 200), Name: hostileText(rng, 4096)})
	}
	for range 50 {
		a.Tags[hostileText(rng, 300)] = hostileText(rng, 1000)
	}
	return a
}

// forbiddenRune is checked against a list written here, not against the renderer's own
// predicate: C0 but the line break, DEL, C1, soft hyphen, CGJ, Arabic letter mark, Hangul
// fillers, Mongolian vowel separator, zero-width and bidi marks, embeddings and overrides, line
// and paragraph separators, word joiner to nominal digit shapes (isolates included), variation
// selectors, BOM, halfwidth filler and tag characters.
func forbiddenRune(r rune) bool {
	switch {
	case r < 0x20 && r != '\n', r >= 0x7f && r <= 0x9f:
		return true
	case r < 0xad:
		return false
	}
	for _, rg := range [][2]rune{{0xad, 0xad}, {0x34f, 0x34f}, {0x61c, 0x61c}, {0x115f, 0x1160}, {0x180e, 0x180e},
		{0x200b, 0x200f}, {0x202a, 0x202e}, {0x2028, 0x2029}, {0x2060, 0x206f}, {0x3164, 0x3164},
		{0xfe00, 0xfe0f}, {0xfeff, 0xfeff}, {0xffa0, 0xffa0}, {0xe0000, 0xe007f}} {
		if r >= rg[0] && r <= rg[1] {
			return true
		}
	}
	return false
}

func firstForbidden(s string) (rune, bool) {
	for _, r := range s {
		if forbiddenRune(r) {
			return r, true
		}
	}
	return 0, false
}

// inertText fails when s is not valid UTF-8 or carries a forbidden character; a line break is
// allowed only where the channel has lines.
func inertText(t *testing.T, where, s string, lines bool) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Errorf("%s: invalid UTF-8", where)
	}
	if r, bad := firstForbidden(s); bad {
		t.Errorf("%s carries %U", where, r)
	}
	if !lines && strings.Contains(s, "\n") {
		t.Errorf("%s carries a line break", where)
	}
}

func runes(s string) int { return utf8.RuneCountInString(s) }

// TestRenderingsStayWithinLimitsAndInert is the property test of issue 13: with the largest
// evidence the collector allows, hostile strings everywhere and 1 MiB finding fields, every
// rendering of every channel in both languages fits its channel's limits and carries nothing
// that a channel would read as markup, a link, a mention or an invisible character.
func TestRenderingsStayWithinLimitsAndInert(t *testing.T) {
	cases := []struct {
		name            string
		seed            uint64
		keys, resources int
	}{
		{"largest evidence the collector allows", 1, 2, maxResources},
		{"more keys than a root user holds, few resources", 2, 4, 1},
		{"one key whose records name no resource", 3, 1, 0},
	}
	for _, tc := range cases {
		for _, lang := range []Lang{English, Japanese} {
			t.Run(fmt.Sprintf("%s/%s", tc.name, lang), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(tc.seed, 13))
				opened := largestReport(t, rng, lang, tc.keys, tc.resources)
				noEvidence := opened
				noEvidence.Evidence, noEvidence.Containment = nil, nil
				resolved := New(Resolved, opened.Finding, hostileText(rng, 1<<20))
				resolved.Lang = lang
				for name, r := range map[string]Report{"opened": opened, "no evidence": noEvidence, "resolved": resolved} {
					t.Run(name, func(t *testing.T) {
						checkEmail(t, r)
						checkChat(t, r)
						checkNote(t, r, map[string]string{"jira": hostileText(rng, 1<<20), "opsitem": hostileText(rng, 300)})
						if r.Kind == Opened {
							checkJira(t, r)
							checkOpsItem(t, r)
						} else {
							validADF(t, "Jira resolution", r.JiraResolution())
							if n := runes(string(mustJSON(r.JiraResolution()))); n > jiraCommentMax {
								t.Errorf("Jira resolution: %d characters", n)
							}
							res := r.OpsResolution()
							inertText(t, "OpsItem resolution", res, false)
							if len(res) > opsDataValueMaxBytes {
								t.Errorf("OpsItem resolution: %d bytes", len(res))
							}
						}
					})
				}
			})
		}
	}
}

// checkSNSEmail holds an e-mail to SNS's limits: a printable ASCII subject within snsSubjectMax
// bytes and a message within snsMessageMaxBytes.
func checkSNSEmail(t *testing.T, subject, body string) {
	t.Helper()
	if len(subject) > snsSubjectMax || len(subject) == 0 {
		t.Errorf("e-mail subject: %d bytes", len(subject))
	}
	for _, c := range subject {
		if c < 0x20 || c > 0x7e {
			t.Errorf("e-mail subject carries %q", c)
			break
		}
	}
	if len(body) > snsMessageMaxBytes {
		t.Errorf("e-mail body: %d bytes, SNS takes %d", len(body), snsMessageMaxBytes)
	}
}

func checkEmail(t *testing.T, r Report) {
	t.Helper()
	subject, body := r.Email()
	checkSNSEmail(t, subject, body)
	inertText(t, "e-mail body", body, true)
	for _, want := range []string{r.t().findingLink + ":", r.t().credentialsLink + ":", r.say("link.event_history", nil) + ": https://"} {
		if !strings.Contains(body, want) {
			t.Errorf("e-mail lost its line %q", want)
		}
	}
}

var chatMention = regexp.MustCompile("@(here|channel|everyone)|<[!@#]|<https?:")

func checkChat(t *testing.T, r Report) {
	t.Helper()
	raw := r.Chat()
	if len(raw) > snsMessageMaxBytes {
		t.Errorf("chat notification: %d bytes", len(raw))
	}
	var n chatNotification
	if err := json.Unmarshal(raw, &n); err != nil {
		t.Fatalf("chat JSON: %v", err)
	}
	c := n.Content
	if runes(c.Title) > chatTitleMax || runes(c.Description) > chatDescriptionMax || len(c.NextSteps) > chatNextSteps ||
		runes(n.Metadata.Summary) > chatTitleMax {
		t.Errorf("chat sizes: title %d, description %d, %d next steps, summary %d",
			runes(c.Title), runes(c.Description), len(c.NextSteps), runes(n.Metadata.Summary))
	}
	inertText(t, "chat title", c.Title, false)
	inertText(t, "chat description", c.Description, true)
	for i, s := range c.NextSteps {
		inertText(t, "chat next step", s, false)
		// The last two steps are the links: the finding and the root's event history.
		last := i >= len(c.NextSteps)-2
		if last {
			if !strings.HasPrefix(s, "<https://") || strings.Count(s, "<") != 1 {
				t.Errorf("chat link step: %q", textcap.Runes(s, 200))
			}
			continue
		}
		if runes(s) > chatNextStepMax {
			t.Errorf("chat next step: %d characters", runes(s))
		}
		if m := chatMention.FindString(s); m != "" {
			t.Errorf("chat next step carries %q", m)
		}
	}
	for _, k := range c.Keywords {
		if runes(k) > chatKeywordMax {
			t.Errorf("chat keyword: %d characters", runes(k))
		}
		inertText(t, "chat keyword", k, false)
	}
	for k, v := range n.Metadata.AdditionalContext {
		if runes(v) > chatContextMax {
			t.Errorf("chat context %s: %d characters", k, runes(v))
		}
		inertText(t, "chat context", v, false)
	}
	for _, s := range []string{c.Title, c.Description, n.Metadata.Summary, n.Metadata.ThreadID} {
		if m := chatMention.FindString(s); m != "" {
			t.Errorf("chat text carries %q", m)
		}
	}
}

func checkNote(t *testing.T, r Report, tickets map[string]string) {
	t.Helper()
	note := r.SecurityHubNote(tickets)
	if runes(note) > noteMax || strings.TrimSpace(note) == "" {
		t.Errorf("Security Hub note: %d characters", runes(note))
	}
	inertText(t, "Security Hub note", note, false)
}

// consoleLink is the only kind of link a rendering may carry.
var consoleLink = regexp.MustCompile(`^https://([a-z0-9-]+\.)?console\.(aws\.amazon\.com|amazonaws\.cn|amazonaws-us-gov\.com)/`)

func checkJira(t *testing.T, r Report) {
	t.Helper()
	summary := r.JiraSummary()
	if runes(summary) > jiraSummaryMax {
		t.Errorf("Jira summary: %d characters", runes(summary))
	}
	inertText(t, "Jira summary", summary, false)
	doc := r.JiraDescription()
	if n := runes(string(mustJSON(doc))); n > jiraDescriptionMax {
		t.Errorf("Jira description: %d characters, Jira takes %d", n, jiraDescriptionMax)
	}
	validADF(t, "Jira description", doc)
	var walk func(n ADF, inCode bool)
	walk = func(n ADF, inCode bool) {
		for _, m := range n.Marks {
			if href, _ := m.Attrs["href"].(string); m.Type == "link" && !consoleLink.MatchString(href) {
				t.Errorf("ADF link to %q", textcap.Runes(href, 80))
			}
		}
		inertText(t, "ADF text", n.Text, inCode)
		for _, c := range n.Content {
			walk(c, inCode || n.Type == "codeBlock")
		}
	}
	walk(doc, false)
	files := r.JiraAttachments()
	if r.Evidence != nil && len(files) == 0 {
		t.Error("no attachments: the full policy and evidence are nowhere in Jira")
	}
	for _, f := range files {
		if !json.Valid(f.Body) {
			t.Errorf("attachment %s is not JSON", f.Name)
		}
		inertText(t, "attachment "+f.Name, string(f.Body), true)
	}
}

func checkOpsItem(t *testing.T, r Report) {
	t.Helper()
	item := r.OpsItem()
	if n := runes(item.Title); n > opsTitleMax || strings.TrimSpace(item.Title) == "" {
		t.Errorf("OpsItem title: %d characters", n)
	}
	inertText(t, "OpsItem title", item.Title, false)
	if n := runes(item.Description); n > opsDescriptionMax {
		t.Errorf("OpsItem description: %d characters, OpsCenter takes %d", n, opsDescriptionMax)
	}
	inertText(t, "OpsItem description", item.Description, true)
	tt := r.t()
	for _, want := range []string{"- " + md(tt.account) + ": `", "- " + md(tt.region) + ": `",
		"- [" + md(tt.findingLink) + "](https://", "- [" + md(tt.credentialsLink) + "](https://",
		"- [" + md(r.say("link.event_history", nil)) + "](https://"} {
		if !strings.Contains(item.Description, want) {
			t.Errorf("OpsItem description lost its line %q", want)
		}
	}
	markdownLinks(t, item.Description, 3)
	total := 0
	for k, v := range item.Data {
		if len(k) > opsDataKeyMax || len(v) > opsDataValueMaxBytes || strings.TrimSpace(v) == "" {
			t.Errorf("OpsItem data %s: key %d, value %d bytes", textcap.Runes(k, 40), len(k), len(v))
		}
		inertText(t, "OpsItem data "+k, v, true)
		total += len(k) + len(v)
	}
	if total > opsDataTotalMaxBytes {
		t.Errorf("OpsItem data: %d bytes in all", total)
	}
}

// markdownLinks parses a description as GitHub-flavoured Markdown (goldmark, with its linkify
// extension) and fails unless it has exactly want links, all to the console, and no raw HTML.
func markdownLinks(t *testing.T, src string, want int) {
	t.Helper()
	md := goldmark.New(goldmark.WithExtensions(extension.GFM))
	doc := md.Parser().Parse(gtext.NewReader([]byte(src)))
	links := 0
	ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Link:
			links++
			if !consoleLink.Match(n.Destination) {
				t.Errorf("Markdown link to %q", textcap.Runes(string(n.Destination), 80))
			}
		case *ast.AutoLink:
			links++
			t.Errorf("Markdown autolink %q", textcap.Runes(string(n.URL([]byte(src))), 80))
		case *ast.Image:
			t.Error("Markdown image")
		case *ast.RawHTML, *ast.HTMLBlock:
			t.Errorf("raw HTML in Markdown: %T", n)
		}
		return ast.WalkContinue, nil
	})
	if links != want {
		t.Errorf("Markdown has %d links, want %d", links, want)
	}
}
