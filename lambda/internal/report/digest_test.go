package report

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iam4-responder/iam4-responder/lambda/internal/followup"
	"github.com/iam4-responder/iam4-responder/lambda/internal/textcap"
)

// sampleDigests are a route's digest with cases in several states, the default route's, and a
// route with nothing open.
func sampleDigests(lang Lang) map[string]Digest {
	at := date("2026-11-09T07:00:00Z")
	cases := []DigestCase{
		{Account: "444455556666", AccountName: "payments-prod", State: followup.Verifying,
			Since: date("2026-11-06T07:00:00Z"), Opened: date("2026-10-28T11:02:00Z"),
			Links: map[string]string{"jira": "PAY-118", "opsitem": "oi-0a1b2c3d4e5f"}},
		{Account: "111122223333", State: followup.UsedAgain,
			Since: date("2026-11-08T02:00:13Z"), Opened: date("2026-10-12T09:30:00Z"),
			Links: map[string]string{"jira": "PAY-97", "opsitem": "oi-9f8e7d6c5b4a", "servicenow": "INC0012345"}},
		{Account: "777788889999", AccountName: "決済-検証", State: followup.Stalled,
			Since: date("2026-11-01T07:00:00Z"), Opened: date("2026-10-18T16:45:00Z")},
	}
	return map[string]Digest{
		"payments": {Route: "payments", Lang: lang, At: at, Cases: cases},
		"default":  {Lang: lang, At: at, Cases: cases[1:2]},
		"empty":    {Route: "sandbox", Lang: lang, At: at},
	}
}

// TestDigestsGolden renders every sample digest in both channels and languages (go test
// -update rewrites testdata/digest).
func TestDigestsGolden(t *testing.T) {
	for _, lang := range []Lang{English, Japanese} {
		for name, d := range sampleDigests(lang) {
			base := fmt.Sprintf("digest/%s-%s", name, lang)
			t.Run(name+"-"+string(lang), func(t *testing.T) {
				subject, body := d.Email()
				golden(t, base+".email.txt", "Subject: "+subject+"\n\n"+body)
				var chat any
				if err := json.Unmarshal(d.Chat(), &chat); err != nil {
					t.Fatalf("chat JSON: %v", err)
				}
				golden(t, base+".chat.json", pretty(t, chat))
			})
		}
	}
}

func TestDigestListsOldestFirstWithAges(t *testing.T) {
	d := sampleDigests(English)["payments"]
	_, body := d.Email()
	var got []string
	for _, l := range strings.Split(body, "\n") {
		if strings.HasPrefix(l, "- ") {
			got = append(got, l)
		}
	}
	want := []string{
		"- 111122223333: used again since 2026-11-08 (1 day), opened 2026-10-12 (27 days ago) — tickets: jira PAY-97; opsitem oi-9f8e7d6c5b4a; servicenow INC0012345",
		"- 777788889999 (決済-検証): stalled since 2026-11-01 (8 days), opened 2026-10-18 (21 days ago)",
		"- 444455556666 (payments-prod): verifying since 2026-11-06 (3 days), opened 2026-10-28 (11 days ago) — tickets: jira PAY-118; opsitem oi-0a1b2c3d4e5f",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// moreCases finds the "N more cases" line of a digest.
var moreCases = map[Lang]*regexp.Regexp{
	English:  regexp.MustCompile(`… and (\d+) more, not shown`),
	Japanese: regexp.MustCompile(`未完了の対応がほか (\d+) 件`),
}

// TestLargestDigestFitsAndCountsWhatItLeavesOut: a route with thousands of open cases, every
// name and link hostile and at its cap, fits SNS's and chat's limits, stays inert, and says how
// many cases it left out; shown and left out add up to every case.
func TestLargestDigestFitsAndCountsWhatItLeavesOut(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cases int
	}{{"a few cases fit whole", 3}, {"hundreds of cases", 700}, {"more cases than any organization has accounts", 12000}} {
		for _, lang := range []Lang{English, Japanese} {
			t.Run(fmt.Sprintf("%s/%s", tc.name, lang), func(t *testing.T) {
				d := largestDigest(t, lang, tc.cases, uint64(tc.cases))
				subject, body := d.Email()
				if len(subject) > snsSubjectMax || len(subject) == 0 {
					t.Errorf("subject: %d bytes", len(subject))
				}
				inertText(t, "digest subject", subject, false)
				if len(body) > snsMessageMaxBytes {
					t.Errorf("e-mail: %d bytes, SNS takes %d", len(body), snsMessageMaxBytes)
				}
				inertText(t, "digest e-mail", body, true)
				shown := strings.Count(body, "\n- ")
				checkCounted(t, "e-mail", lang, body, shown, tc.cases)

				raw := d.Chat()
				if len(raw) > snsMessageMaxBytes {
					t.Errorf("chat: %d bytes", len(raw))
				}
				var n chatNotification
				if err := json.Unmarshal(raw, &n); err != nil {
					t.Fatal(err)
				}
				c := n.Content
				if runes(c.Title) > chatTitleMax || runes(c.Description) > chatDescriptionMax || runes(n.Metadata.Summary) > chatTitleMax {
					t.Errorf("chat sizes: title %d, description %d, summary %d", runes(c.Title), runes(c.Description), runes(n.Metadata.Summary))
				}
				for where, s := range map[string]string{"title": c.Title, "description": c.Description, "summary": n.Metadata.Summary,
					"thread": n.Metadata.ThreadID, "route": n.Metadata.AdditionalContext["route"]} {
					inertText(t, "digest chat "+where, s, where == "description")
					if m := chatMention.FindString(s); m != "" {
						t.Errorf("digest chat %s carries %q", where, m)
					}
				}
				if runes(n.Metadata.ThreadID) > chatContextMax || runes(n.Metadata.AdditionalContext["route"]) > chatContextMax {
					t.Errorf("chat metadata: thread %d, route %d", runes(n.Metadata.ThreadID), runes(n.Metadata.AdditionalContext["route"]))
				}
				checkCounted(t, "chat", lang, c.Description, strings.Count(c.Description, "\n• "), tc.cases)
				// Untrusted values are code spans, where chat reads no markup; outside them, no link.
				if out := codeSpan.ReplaceAllString(c.Description, ""); strings.Contains(out, "](") || strings.Contains(out, "<http") {
					t.Errorf("chat description carries a link outside a code span: %q", textcap.Runes(out, 300))
				}
			})
		}
	}
}

var codeSpan = regexp.MustCompile("`[^`\n]*`")

// checkCounted fails unless the cases shown and the "N more" line account for every case, and
// the line is there exactly when some were left out.
func checkCounted(t *testing.T, channel string, lang Lang, text string, shown, all int) {
	t.Helper()
	m := moreCases[lang].FindStringSubmatch(text)
	more := 0
	if m != nil {
		more, _ = strconv.Atoi(m[1])
	}
	if shown+more != all {
		t.Errorf("%s shows %d cases and says %d more, of %d", channel, shown, more, all)
	}
	if shown == 0 {
		t.Errorf("%s shows no case", channel)
	}
}

// largestDigest is a digest of n cases whose account ids, names, route and links are hostile
// and longer than any cap.
func largestDigest(t *testing.T, lang Lang, n int, seed uint64) Digest {
	t.Helper()
	rng := newRand(seed)
	at := date("2026-11-09T07:00:00Z")
	d := Digest{Route: hostileText(rng, 4096), Lang: lang, At: at}
	all := append(states, followup.State(hostileText(rng, 200)))
	for i := range n {
		d.Cases = append(d.Cases, DigestCase{
			Account:     hostileText(rng, 64),
			AccountName: hostileText(rng, 1024),
			State:       all[i%len(all)],
			Since:       at.Add(-time.Duration(i%40) * 24 * time.Hour),
			Opened:      at.Add(-time.Duration(i%400) * 24 * time.Hour),
			Links: map[string]string{"jira": hostileText(rng, 512), "opsitem": hostileText(rng, 512),
				hostileText(rng, 64): hostileText(rng, 512)},
		})
	}
	return d
}

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 18)) }
