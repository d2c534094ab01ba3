package report

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/iam4-responder/iam4-responder/internal/samples"

	"github.com/google/go-cmp/cmp"

	"github.com/iam4-responder/iam4-responder/lambda/internal/followup"
	"github.com/iam4-responder/iam4-responder/lambda/internal/signal"
)

// states are every state of followup, in the order the runbook walks them.
var states = []followup.State{followup.Open, followup.Deactivated, followup.Verifying, followup.ReadyToDelete,
	followup.Closed, followup.UsedAgain, followup.NewKey, followup.Stalled}

// reasons are every reason followup gives a transition.
var reasons = []followup.Reason{followup.ReasonPassed, followup.ReasonNoKey, followup.ReasonAllInactive,
	followup.ReasonWindowBegun, followup.ReasonWindowDone, followup.ReasonReactivated, followup.ReasonCalled,
	followup.ReasonNewKey, followup.ReasonNoProgress}

func date(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func ptr[T any](v T) *T { return &v }

// sampleUpdates are the transitions each state is reached by, as followup.Step makes them (the
// open one by a reason no catalog knows: Step never returns to open, and a newer producer may).
func sampleUpdates() map[string]Update {
	at := date("2026-11-09T06:00:00Z")
	u := func(t followup.Transition) Update {
		t.At = at
		return Update{T: t}
	}
	out := map[string]Update{
		"open":                   u(followup.Transition{From: followup.Stalled, To: followup.Open, Reason: "reopened_by_hand"}),
		"deactivated":            u(followup.Transition{From: followup.Open, To: followup.Deactivated, Reason: followup.ReasonAllInactive}),
		"verifying":              u(followup.Transition{From: followup.Deactivated, To: followup.Verifying, Reason: followup.ReasonWindowBegun, DaysInactive: 3}),
		"ready_to_delete":        u(followup.Transition{From: followup.Verifying, To: followup.ReadyToDelete, Reason: followup.ReasonWindowDone, DaysInactive: 7, LastUsed: ptr(date("2026-08-14T22:41:00Z"))}),
		"ready_to_delete-never":  u(followup.Transition{From: followup.Verifying, To: followup.ReadyToDelete, Reason: followup.ReasonWindowDone, DaysInactive: 10}),
		"closed":                 u(followup.Transition{From: followup.ReadyToDelete, To: followup.Closed, Reason: followup.ReasonPassed}),
		"closed-no-key":          u(followup.Transition{From: followup.ReadyToDelete, To: followup.Closed, Reason: followup.ReasonNoKey}),
		"used_again":             u(followup.Transition{From: followup.Verifying, To: followup.UsedAgain, Reason: followup.ReasonCalled, CalledAt: date("2026-11-08T02:00:13Z")}),
		"used_again-reactivated": u(followup.Transition{From: followup.Verifying, To: followup.UsedAgain, Reason: followup.ReasonReactivated, Key: "key 0a1b2c3d4e5f6071"}),
		"new_key":                u(followup.Transition{From: followup.Open, To: followup.NewKey, Reason: followup.ReasonNewKey, Key: "key created 2026-11-08T17:20:05Z"}),
		"stalled":                u(followup.Transition{From: followup.Open, To: followup.Stalled, Reason: followup.ReasonNoProgress, DaysStill: 14}),
	}
	called := out["used_again"]
	called.Caller = &Caller{Address: "203.0.113.7", Agent: "aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64.amzn.2023", Action: "s3:ListBuckets"}
	out["used_again-caller"] = called
	return out
}

// updateReport is the opening report of the sample case, in a language.
func updateReport(lang Lang) Report {
	r := New(Opened, sampleFinding(), "")
	r.Lang = lang
	return r
}

// TestUpdatesGolden renders every state's transition in every channel and language; the golden
// files under testdata/update are what each audience reads (go test -update rewrites them).
func TestUpdatesGolden(t *testing.T) {
	for _, lang := range []Lang{English, Japanese} {
		for name, u := range sampleUpdates() {
			u.Report = updateReport(lang)
			base := fmt.Sprintf("update/%s-%s", name, lang)
			t.Run(name+"-"+string(lang), func(t *testing.T) {
				subject, body := u.Email()
				golden(t, base+".email.txt", "Subject: "+subject+"\n\n"+body)
				var chat any
				if err := json.Unmarshal(u.Chat(), &chat); err != nil {
					t.Fatalf("chat JSON: %v", err)
				}
				golden(t, base+".chat.json", pretty(t, chat))
				doc := u.JiraComment()
				validADF(t, "Jira comment", doc)
				golden(t, base+".jira.json", pretty(t, doc))
				golden(t, base+".opsitem.json", pretty(t, map[string]any{"status": u.OpsItemStatus(), "data": u.OpsItemData()}))
				golden(t, base+".note.txt", u.SecurityHubNote()+"\n")
			})
		}
	}
}

// TestUpdateFitsTheServiceModels checks the OpsItem renderings against SSM's model: every status
// is one of the OpsItemStatus enum, data keys are within the key limit and do not begin with a
// reserved prefix, and the model still says an update only adds or edits keys.
func TestUpdateFitsTheServiceModels(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "update", "models.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Services map[string]struct {
			Shapes map[string]struct {
				Enum []string
				Max  int
			} `json:"shapes"`
			Members map[string]struct{ Documentation string } `json:"members"`
		} `json:"services"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	enum := m.Services["ssm"].Shapes["OpsItemStatus"].Enum
	doc := m.Services["ssm"].Members["UpdateOpsItemRequest.OperationalData"].Documentation
	if !strings.Contains(doc, "Add new keys or edit existing key-value pairs") {
		t.Errorf("UpdateOpsItemRequest.OperationalData no longer says an update adds or edits keys: %s", doc)
	}
	if got := m.Services["organizations"].Shapes["AccountName"].Max; got != capAccountName {
		t.Errorf("Organizations AccountName max %d, capAccountName %d", got, capAccountName)
	}
	var keys []string
	for name, u := range sampleUpdates() {
		u.Report = updateReport(English)
		if st := u.OpsItemStatus(); !slices.Contains(enum, st) {
			t.Errorf("%s: status %q is not an OpsItemStatus", name, st)
		}
		data := u.OpsItemData()
		if keys == nil {
			keys = slices.Sorted(maps.Keys(data))
		}
		if diff := cmp.Diff(keys, slices.Sorted(maps.Keys(data))); diff != "" {
			t.Errorf("%s: data keys differ from another state's, so a value would linger (-first +this):\n%s", name, diff)
		}
		for k := range data {
			for _, reserved := range []string{"amazon", "aws", "amzn", "ssm"} {
				if strings.HasPrefix(strings.ToLower(k), reserved) {
					t.Errorf("%s: data key %q begins with the reserved %q", name, k, reserved)
				}
			}
			if len(k) > opsDataKeyMax {
				t.Errorf("%s: data key %q is longer than %d", name, k, opsDataKeyMax)
			}
		}
	}
}

func TestOpsItemStatusFollowsTheRunbook(t *testing.T) {
	want := map[followup.State]string{
		followup.Open: "Open", followup.Deactivated: "InProgress", followup.Verifying: "InProgress",
		followup.ReadyToDelete: "InProgress", followup.Closed: "Resolved", followup.UsedAgain: "Open",
		followup.NewKey: "Open", followup.Stalled: "Open", followup.State("from_the_future"): "Open",
	}
	got := map[followup.State]string{}
	for s := range want {
		got[s] = Update{T: followup.Transition{To: s}}.OpsItemStatus()
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestEveryStateAndReasonHasItsSentences fails when a state or a reason of followup has no
// sentence: the catalogs' agreement (TestCatalogsAgree) then covers the other language.
func TestEveryStateAndReasonHasItsSentences(t *testing.T) {
	for lang, cat := range catalogs {
		for _, s := range states {
			for _, k := range []string{"update.state.", "update.title.", "update.next."} {
				if _, ok := cat[k+string(s)]; !ok {
					t.Errorf("%s: no %s%s", lang, k, s)
				}
			}
			if updateEmoji[s] == "" {
				t.Errorf("no chat emoji for %s", s)
			}
		}
		for _, r := range reasons {
			if _, ok := cat["update.what."+string(r)]; !ok {
				t.Errorf("%s: no update.what.%s", lang, r)
			}
		}
	}
}

// TestReadyToDeleteSaysWhatWasVerified: the message that invites deletion names, in every
// channel and language, the days inactive, the window and the credential report's last use.
func TestReadyToDeleteSaysWhatWasVerified(t *testing.T) {
	tests := []struct {
		name, sample string
		lang         Lang
		want         []string
	}{
		{"a key last used before deactivation", "ready_to_delete", English, []string{"inactive for 7 days", "verification window of 7 days", "last use of any key: 2026-08-14"}},
		{"a key never used", "ready_to_delete-never", English, []string{"inactive for 10 days", "verification window of 7 days", "last use of any key: never (credential report)"}},
		{"a key last used before deactivation, in Japanese", "ready_to_delete", Japanese, []string{"7 日間非アクティブ", "確認期間 7 日", "最終使用: 2026-08-14"}},
		{"a key never used, in Japanese", "ready_to_delete-never", Japanese, []string{"10 日間非アクティブ", "最終使用: 使用履歴なし"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := sampleUpdates()[tt.sample]
			u.Report = updateReport(tt.lang)
			_, body := u.Email()
			var chat chatNotification
			if err := json.Unmarshal(u.Chat(), &chat); err != nil {
				t.Fatal(err)
			}
			for channel, out := range map[string]string{"e-mail": body, "chat": chat.Content.Description,
				"Jira": adfText(u.JiraComment()), "OpsItem": u.OpsItemData()["iam4:update"], "note": u.SecurityHubNote()} {
				for _, w := range tt.want {
					if !strings.Contains(out, w) {
						t.Errorf("%s does not say %q:\n%s", channel, w, out)
					}
				}
			}
		})
	}
}

// TestUsedAgainNamesTheCaller: a call after deactivation names its address, tool and action when
// the signal carried them, and only then.
func TestUsedAgainNamesTheCaller(t *testing.T) {
	for _, tt := range []struct {
		sample string
		want   bool
	}{{"used_again-caller", true}, {"used_again", false}, {"used_again-reactivated", false}} {
		u := sampleUpdates()[tt.sample]
		u.Report = updateReport(English)
		_, body := u.Email()
		for _, w := range []string{"203.0.113.7", "aws-cli/2.15.0", "s3:ListBuckets"} {
			if got := strings.Contains(body, w); got != tt.want {
				t.Errorf("%s: e-mail names %q: %v, want %v", tt.sample, w, got, tt.want)
			}
		}
		if got := strings.Contains(body, "2026-11-08"); got != (tt.sample != "used_again-reactivated") {
			t.Errorf("%s: e-mail names the call's day: %v", tt.sample, got)
		}
	}
}

// TestEveryStepTransitionRenders walks a case through followup.Step (the real state machine)
// and renders each transition: every one has its own sentence, not the fallback for a reason
// no catalog knows, and the numbers it carries.
func TestEveryStepTransitionRenders(t *testing.T) {
	day0 := date("2026-11-01T06:00:00Z")
	at := func(d int) time.Time { return day0.Add(time.Duration(d) * 24 * time.Hour) }
	created := date("2025-01-10T08:00:00Z")
	used := date("2026-10-20T12:00:00Z")
	key := func(active bool, last *time.Time) []followup.Key {
		return []followup.Key{{Slot: 1, Created: created, Active: active, LastUsed: last}}
	}
	walk := []followup.Observation{
		{At: at(1), KeysKnown: true, Keys: key(false, &used)},
		{At: at(2), KeysKnown: true, Keys: key(false, &used)},
		{At: at(3), KeysKnown: true, Keys: key(false, &used), CalledAt: at(3).Add(-time.Hour)},
		{At: at(4), KeysKnown: true, Keys: key(false, &used)},
		{At: at(5), KeysKnown: true, Keys: key(false, &used)},
		{At: at(12), KeysKnown: true, Keys: key(false, &used)},
		{At: at(13), KeysKnown: true, Keys: append(key(false, &used), followup.Key{Slot: 2, Created: at(13), Active: true})},
		{At: at(40), KeysKnown: true, Keys: append(key(false, &used), followup.Key{Slot: 2, Created: at(13), Active: true})},
		{At: at(41), Passed: true},
	}
	c := followup.Start(day0, key(true, &used))
	var got []followup.State
	for _, o := range walk {
		var ts []followup.Transition
		c, ts = followup.Step(c, o, followup.Defaults)
		for _, tr := range ts {
			got = append(got, tr.To)
			for _, lang := range []Lang{English, Japanese} {
				u := updateReport(lang).Update(tr)
				_, body := u.Email()
				if strings.Contains(body, string(tr.Reason)) {
					t.Errorf("%s %s: the e-mail falls back to the reason's code:\n%s", lang, tr.To, body)
				}
				for _, n := range []int{tr.DaysInactive, tr.DaysStill} {
					if n > 0 && !strings.Contains(body, fmt.Sprint(n)) {
						t.Errorf("%s %s: the e-mail lacks %d:\n%s", lang, tr.To, n, body)
					}
				}
				validADF(t, "Jira comment", u.JiraComment())
			}
		}
	}
	want := []followup.State{followup.Deactivated, followup.Verifying, followup.UsedAgain, followup.Deactivated,
		followup.Verifying, followup.ReadyToDelete, followup.NewKey, followup.Stalled, followup.Closed}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("the walk's transitions (-want +got):\n%s", diff)
	}
}

// TestChatNextStepsAreNeverCut: the next step of every state, in every language, fits a chat
// next step whole.
func TestChatNextStepsAreNeverCut(t *testing.T) {
	for _, lang := range []Lang{English, Japanese} {
		for name, u := range sampleUpdates() {
			u.Report = updateReport(lang)
			u.T.DaysStill = 1 << 30 // the widest number a step can hold
			if n := runes(u.text(chatCode).next); n > chatNextStepMax {
				t.Errorf("%s %s: next step of %d characters, chat takes %d", lang, name, n, chatNextStepMax)
			}
		}
	}
}

// TestRealEventsRenderThroughTheStateMachine: real CloudTrail events, parsed by package signal
// and stepped by followup as the function will, render the caller they name and the key they
// create by its fingerprint, never by its id.
func TestRealEventsRenderThroughTheStateMachine(t *testing.T) {
	read := func(name string) signal.Signal {
		t.Helper()
		raw, err := samples.File(name)
		if err != nil {
			t.Fatal(err)
		}
		s, err := signal.Parse(raw)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return s
	}
	reportKey := func(active bool) []followup.Key {
		return []followup.Key{{Slot: 1, Created: date("2018-06-01T10:00:00Z"), Active: active}}
	}
	tests := []struct {
		name    string
		event   string
		start   time.Time              // the case opened
		before  []followup.Observation // the daily re-checks before the event
		want    followup.State
		says    []string
		neverID string
	}{
		{
			name:  "a root key call after deactivation names its caller",
			event: "root-key-call-ADAPTED.json",
			start: date("2022-11-01T06:00:00Z"),
			before: []followup.Observation{
				{At: date("2022-11-02T06:00:00Z"), KeysKnown: true, Keys: reportKey(false)},
				{At: date("2022-11-03T06:00:00Z"), KeysKnown: true, Keys: reportKey(false)},
			},
			want:    followup.UsedAgain,
			says:    []string{"on 2022-11-10", "from 192.0.2.0", "tool aws-cli/1.11.10 Python/2.7.8", "action iam:EnableMFADevice"},
			neverID: "AKIAIOSFODNN7EXAMPLE",
		},
		{
			name:  "a root key created in the console is a new key, named by its fingerprint",
			event: "root-createaccesskey.json",
			start: date("2018-12-31T06:00:00Z"),
			want:  followup.NewKey,
			// followup's fingerprint of the event's key id "1111": the first 8 bytes of its SHA-256.
			says: []string{"a root access key not seen before: the key with fingerprint 0ffe1abd1a082153 (2019-01-01)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := read(tt.event)
			c := followup.Start(tt.start, reportKey(true))
			for _, o := range tt.before {
				c, _ = followup.Step(c, o, followup.Defaults)
			}
			_, ts := followup.Step(c, s.Observation(), followup.Defaults)
			if len(ts) != 1 || ts[0].To != tt.want {
				t.Fatalf("transitions %+v, want one to %s", ts, tt.want)
			}
			r := updateReport(English)
			r.Account = s.Account
			u := r.Update(ts[0])
			if s.Kind == signal.KeyUsed {
				u.Caller = &Caller{Address: s.SourceIP, Agent: s.UserAgent, Action: s.Action}
			}
			_, body := u.Email()
			for _, w := range tt.says {
				if !strings.Contains(body, w) {
					t.Errorf("the e-mail does not say %q:\n%s", w, body)
				}
			}
			all := body + string(u.Chat()) + string(mustJSON(u.JiraComment())) + string(mustJSON(u.OpsItemData())) + u.SecurityHubNote()
			if tt.neverID != "" && strings.Contains(all, tt.neverID) {
				t.Errorf("a rendering shows the key id %s", tt.neverID)
			}
		})
	}
}
