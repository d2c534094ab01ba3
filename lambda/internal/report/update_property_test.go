package report

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iam4-responder/iam4-responder/lambda/internal/finding"
	"github.com/iam4-responder/iam4-responder/lambda/internal/followup"
	"github.com/iam4-responder/iam4-responder/lambda/internal/textcap"
)

// hostileUpdate is a transition of a case whose finding fields are 1 MiB of hostile text, whose
// caller (written by whoever holds the key) is hostile, and whose key label, states and reason
// are not what followup writes.
func hostileUpdate(t *testing.T, seed uint64, lang Lang) Update {
	t.Helper()
	rng := newRand(seed)
	const mib = 1 << 20
	f := finding.Finding{
		ID: hostileText(rng, mib), ProductARN: "arn:aws:securityhub:us-west-2::product/aws/securityhub", AccountID: hostileText(rng, mib),
		Region: hostileText(rng, mib), Control: hostileText(rng, mib), Severity: hostileText(rng, mib), UpdatedAt: time.Now(),
	}
	r := New(Opened, f, "")
	r.Lang = lang
	last := date("2026-08-14T22:41:00Z")
	u := r.Update(followup.Transition{From: followup.State(hostileText(rng, 300)), To: followup.State(hostileText(rng, 300)),
		At: date("2026-11-09T06:00:00Z"), Reason: followup.Reason(hostileText(rng, 300)), DaysInactive: 1 << 30, LastUsed: &last,
		CalledAt: date("2026-11-08T02:00:13Z"), Key: "key " + hostileText(rng, mib), DaysStill: 1 << 30})
	u.VerifyDays = 1 << 20
	u.Caller = &Caller{Address: hostileText(rng, mib), Agent: hostileText(rng, mib), Action: hostileText(rng, mib)}
	return u
}

// TestUpdatesStayWithinLimitsAndInert renders every state, a state and a reason no catalog
// knows, and every known reason, with hostile values everywhere, in every channel and language,
// and checks each channel's limits and that nothing in it is markup, a link, a mention or an
// invisible character.
func TestUpdatesStayWithinLimitsAndInert(t *testing.T) {
	for i, lang := range []Lang{English, Japanese} {
		hostile := hostileUpdate(t, uint64(18+i), lang)
		// Every state with a reason no catalog knows, then every reason with a state no catalog
		// knows: each sentence of the catalogs meets the hostile values once.
		var cases []Update
		for _, s := range append(slices.Clone(states), hostile.T.To) {
			u := hostile
			u.T.To = s
			cases = append(cases, u)
		}
		for _, reason := range reasons {
			u := hostile
			u.T.Reason = reason
			cases = append(cases, u)
		}
		for _, u := range cases {
			name := fmt.Sprintf("%s/%s/%s", lang, textcap.Runes(string(u.T.To), 16), textcap.Runes(string(u.T.Reason), 16))
			t.Run(name, func(t *testing.T) { checkUpdate(t, u) })
		}
	}
}

func checkUpdate(t *testing.T, u Update) {
	t.Helper()
	subject, body := u.Email()
	checkSNSEmail(t, subject, body)
	inertText(t, "e-mail body", body, true)
	if !strings.Contains(body, u.Report.t().findingLink+":  https://") {
		t.Error("e-mail lost its link to the finding")
	}

	raw := u.Chat()
	if len(raw) > snsMessageMaxBytes {
		t.Errorf("chat: %d bytes", len(raw))
	}
	var n chatNotification
	if err := json.Unmarshal(raw, &n); err != nil {
		t.Fatalf("chat JSON: %v", err)
	}
	c := n.Content
	if runes(c.Title) > chatTitleMax || runes(c.Description) > chatDescriptionMax || runes(n.Metadata.Summary) > chatTitleMax || len(c.NextSteps) > chatNextSteps {
		t.Errorf("chat sizes: title %d, description %d, summary %d, %d steps", runes(c.Title), runes(c.Description), runes(n.Metadata.Summary), len(c.NextSteps))
	}
	texts := map[string]string{"title": c.Title, "description": c.Description, "summary": n.Metadata.Summary, "thread": n.Metadata.ThreadID}
	for k, v := range n.Metadata.AdditionalContext {
		texts["context "+k] = v
		if runes(v) > chatContextMax {
			t.Errorf("chat context %s: %d characters", k, runes(v))
		}
	}
	for i, s := range c.NextSteps {
		if i == len(c.NextSteps)-1 {
			if !strings.HasPrefix(s, "<https://") || strings.Count(s, "<") != 1 {
				t.Errorf("chat link step: %q", textcap.Runes(s, 200))
			}
			continue
		}
		texts[fmt.Sprint("next step ", i)] = s
		if runes(s) > chatNextStepMax {
			t.Errorf("chat next step: %d characters", runes(s))
		}
	}
	for _, k := range c.Keywords {
		texts["keyword "+k] = k
		if runes(k) > chatKeywordMax {
			t.Errorf("chat keyword: %d characters", runes(k))
		}
	}
	for where, s := range texts {
		inertText(t, "chat "+where, s, where == "description")
		if m := chatMention.FindString(s); m != "" {
			t.Errorf("chat %s carries %q", where, m)
		}
		if out := codeSpan.ReplaceAllString(s, ""); strings.Contains(out, "](") || strings.Contains(out, "<http") {
			t.Errorf("chat %s carries a link outside a code span: %q", where, textcap.Runes(out, 300))
		}
	}

	doc := u.JiraComment()
	if size := runes(string(mustJSON(doc))); size > jiraCommentMax {
		t.Errorf("Jira comment: %d characters, Jira takes %d", size, jiraCommentMax)
	}
	validADF(t, "Jira comment", doc)
	var walk func(n ADF)
	walk = func(n ADF) {
		for _, m := range n.Marks {
			if href, _ := m.Attrs["href"].(string); m.Type == "link" && !consoleLink.MatchString(href) {
				t.Errorf("ADF link to %q", textcap.Runes(href, 80))
			}
		}
		inertText(t, "ADF text", n.Text, false)
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(doc)

	total := 0
	for k, v := range u.OpsItemData() {
		if len(k) > opsDataKeyMax || len(v) > opsDataValueMaxBytes || strings.TrimSpace(v) == "" {
			t.Errorf("OpsItem data %s: value %d bytes", k, len(v))
		}
		inertText(t, "OpsItem data "+k, v, false)
		total += len(k) + len(v)
	}
	if total > opsDataTotalMaxBytes {
		t.Errorf("OpsItem data: %d bytes in all", total)
	}

	note := u.SecurityHubNote()
	if runes(note) > noteMax || strings.TrimSpace(note) == "" {
		t.Errorf("Security Hub note: %d characters", runes(note))
	}
	inertText(t, "Security Hub note", note, false)
}

// TestJapaneseUpdatesHaveNoEnglish renders every update and digest in Japanese and finds no
// English word outside the allowlist of the opening tickets and the values the samples carry.
// E-mail subjects are English by design (SNS keeps them ASCII).
func TestJapaneseUpdatesHaveNoEnglish(t *testing.T) {
	extra := map[string]bool{}
	for _, w := range strings.Fields(`IAM4RootAccessKeyUpdate IAM4RootAccessKeyDigest lock hourglass_flowing_sand
		wastebasket warning zzz calendar digest reopened_by_hand INC0012345 PAY oi servicenow payments prod sandbox`) {
		extra[strings.ToLower(w)] = true
	}
	for _, s := range states {
		extra[string(s)] = true // the state codes in keywords and context
	}
	outs := map[string]string{}
	for name, u := range sampleUpdates() {
		u.Report = updateReport(Japanese)
		_, body := u.Email()
		var chat any
		if err := json.Unmarshal(u.Chat(), &chat); err != nil {
			t.Fatal(err)
		}
		outs[name+" e-mail"] = body
		outs[name+" chat"] = strings.Join(jsonStrings(chat), "\n")
		outs[name+" Jira"] = adfText(u.JiraComment())
		data := u.OpsItemData()
		outs[name+" OpsItem"] = data["iam4:update"] + "\n" + data["iam4:next"]
		outs[name+" note"] = u.SecurityHubNote()
	}
	for name, d := range sampleDigests(Japanese) {
		_, body := d.Email()
		var chat any
		if err := json.Unmarshal(d.Chat(), &chat); err != nil {
			t.Fatal(err)
		}
		outs[name+" digest e-mail"] = body
		outs[name+" digest chat"] = strings.Join(jsonStrings(chat), "\n")
	}
	word := regexp.MustCompile(`[A-Za-z][A-Za-z0-9_]*`)
	hexRun := regexp.MustCompile(`\b[0-9a-f]{8,}\b`)
	for where, out := range outs {
		var english []string
		// After the values: key fingerprints and OpsItem ids are hexadecimal runs.
		for _, w := range word.FindAllString(hexRun.ReplaceAllString(stripValues(out), " "), -1) {
			if !allowed[strings.ToLower(w)] && !extra[strings.ToLower(w)] {
				english = append(english, w)
			}
		}
		if len(english) > 0 {
			t.Errorf("%s: English words %q", where, slices.Compact(english))
		}
	}
}

// TestSubjectsCutStayASCII: a subject longer than SNS takes is cut, and the cut's own mark is
// ASCII too (SNS refuses any other character in a subject).
func TestSubjectsCutStayASCII(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"short ASCII is kept", "[IAM.4] Account 111122223333", "[IAM.4] Account 111122223333"},
		{"non-ASCII becomes question marks", "[IAM.4] 振り分け payments", "[IAM.4] ???? payments"},
		{"a long subject is cut with three dots", strings.Repeat("a", 150), strings.Repeat("a", 96) + "..."},
		{"a long non-ASCII subject is cut, then mapped", strings.Repeat("é", 80), strings.Repeat("?", 48) + "..."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := asciiSubject(tt.in)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if len(got) > snsSubjectMax {
				t.Errorf("%d bytes", len(got))
			}
		})
	}
}
