package report

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/iam4-responder/iam4-responder/lambda/internal/followup"
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
