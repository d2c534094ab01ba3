package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/iam4-responder/iam4-responder/internal/emulator"
	"github.com/iam4-responder/iam4-responder/internal/localaws"
	"github.com/iam4-responder/iam4-responder/lambda/contract"
)

var (
	createKeyEvent  = mustSample("root-createaccesskey.json")
	deactivateEvent = mustSample("root-updateaccesskey-inactive-ADAPTED.json")
	reactivateEvent = mustSample("root-updateaccesskey-active-ADAPTED.json")
	keyCallEvent    = mustSample("root-key-call-ADAPTED.json")
	deleteKeyEvent  = mustSample("root-deleteaccesskey-ADAPTED.json")
)

// The follow-up story's account and key, and where its simulated clock starts: a fixed day, so
// that every date the messages print is the same on every run.
const (
	followAccount = "222233334444"
	followKey     = "AKIAIOSFODNN7MEMBER2"
)

var followStart = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

// Jira transitions the demo's function takes per follow-up state (IAM4_JIRA_STATUSES).
const followJiraStatuses = "deactivated=In Progress,ready_to_delete=Ready to delete,closed=Done"

// followMember is the second account: a member whose root has no key until the story creates
// one; its evidence comes through the member role.
func followMember() emulator.Member {
	return emulator.Member{Account: followAccount, Regions: []string{"us-east-1"}, Root: emulator.Root{MFA: true}}
}

// Transition is what every channel received for one follow-up transition.
type Transition struct {
	Day         string
	Emails      []string // subjects
	Chats       []string // card titles
	JiraComment int      // comments added
	JiraStatus  string
	OpsItem     string // status and iam4:state
	Note        string
}

// followRun holds what the story drives: the function, the emulator, the queues.
type followRun struct {
	w                     func(format string, args ...any)
	invokeURL, emu, table string
	srv                   *emulator.Server
	moto                  aws.Config
	emailQ, chatQ         string
	jiraComments          int
	seen                  map[string]bool // SNS message ids counted
}

// followUp is the demo's second story: a member account's case walks every follow-up state on
// the scenario's clock, each day's change made as the team would make it (the keys in IAM, the
// real-time CloudTrail event EventBridge passes on) and each day's re-check run by its schedule.
// After every step it prints each channel's message, once per transition.
func (f *followRun) followUp(ctx context.Context, finding []byte) ([]Transition, error) {
	say := f.w
	f.seen = map[string]bool{}
	say("\n== Follow-up")
	say("account %s, a member; the scenario's clock starts on %s", followAccount, followStart.Format(time.DateOnly))
	f.srv.Advance(followStart.Sub(f.srv.Now()))
	day := func(n int) time.Time { return followStart.Add(time.Duration(n) * 24 * time.Hour) }
	at := func(n int) { f.srv.Advance(day(n).Sub(f.srv.Now())) }
	keys := func(change func(k []emulator.RootKey) []emulator.RootKey) error {
		return f.srv.SetRootKeys(followAccount, change)
	}
	active := func(on bool, used bool) error {
		return keys(func(k []emulator.RootKey) []emulator.RootKey {
			for i := range k {
				k[i].Active = on
				if used {
					k[i].LastUsed, k[i].LastUsedRegion, k[i].LastUsedService = f.srv.Now(), "us-east-1", "s3"
				}
			}
			return k
		})
	}
	var out []Transition
	steps := []struct {
		day     int
		what    string
		change  func() error
		events  [][]byte // real-time events, in order
		recheck bool
	}{
		{0, "the root user creates an access key in the console: the real-time CreateAccessKey opens the case",
			func() error {
				return keys(func([]emulator.RootKey) []emulator.RootKey {
					return []emulator.RootKey{{ID: followKey, Active: true, Created: f.srv.Now().Truncate(time.Second)}}
				})
			}, [][]byte{createKeyEvent}, false},
		{1, "the team deactivates the key (UpdateAccessKey Inactive)", func() error { return active(false, false) },
			[][]byte{deactivateEvent}, false},
		{2, "the daily re-check finds the key still inactive", nil, nil, true},
		{3, "a nightly job failed: someone reactivates the key and the job calls with it",
			func() error { return active(true, true) }, [][]byte{reactivateEvent, keyCallEvent}, false},
		{4, "the job has its IAM role now: the key is deactivated again", func() error { return active(false, false) },
			[][]byte{deactivateEvent}, false},
		{5, "the daily re-check", nil, nil, true},
		{12, "the daily re-check, a week later", nil, nil, true},
		{13, "the team deletes the key (DeleteAccessKey), then the daily re-check",
			func() error { return keys(func([]emulator.RootKey) []emulator.RootKey { return nil }) },
			[][]byte{deleteKeyEvent}, true},
	}
	for i, s := range steps {
		at(s.day)
		say("\n-- %s, day %d: %s", day(s.day).Format(time.DateOnly), s.day, s.what)
		if s.change != nil {
			if err := s.change(); err != nil {
				return out, err
			}
		}
		for j, ev := range s.events {
			if err := invoke(ctx, f.invokeURL, realTime(ev, f.srv.Now(), fmt.Sprintf("demo-%d-%d", i, j))); err != nil {
				return out, err
			}
		}
		if s.recheck {
			if err := f.newRound(ctx); err != nil {
				return out, err
			}
			if err := invoke(ctx, f.invokeURL, []byte(`{"`+contract.TaskField+`":"`+contract.TaskRecheck+`"}`)); err != nil {
				return out, err
			}
		}
		t, err := f.received(ctx, day(s.day))
		if err != nil {
			return out, err
		}
		out = append(out, t)
		if i == 0 {
			// IAM.4's periodic check fails for the new key: its finding joins the case.
			if err := f.srv.AddFindings(finding); err != nil {
				return out, err
			}
			var ev map[string]any
			_ = json.Unmarshal(failedEvent, &ev)
			ev["detail"].(map[string]any)["findings"] = []json.RawMessage{finding}
			b, _ := json.Marshal(ev)
			if err := invoke(ctx, f.invokeURL, b); err != nil {
				return out, err
			}
			say("IAM.4's FAILED finding for the account arrives: it joins the case (no second ticket), workflow %s",
				f.workflow(ctx))
		}
	}
	return out, nil
}

// realTime is a real-time event of the story: the sample with the account, time, id and key set.
func realTime(sample []byte, at time.Time, id string) []byte {
	var m map[string]any
	_ = json.Unmarshal(sample, &m)
	m["account"], m["time"] = followAccount, at.UTC().Format(time.RFC3339)
	d := m["detail"].(map[string]any)
	d["eventTime"], d["eventID"], d["recipientAccountId"] = at.UTC().Format(time.RFC3339), id, followAccount
	if u, ok := d["userIdentity"].(map[string]any); ok {
		u["accountId"], u["arn"] = followAccount, "arn:aws:iam::"+followAccount+":root"
		if _, ok := u["invokedBy"]; !ok {
			u["accessKeyId"] = followKey // the job's call, made with the key itself
		}
	}
	if r, ok := d["requestParameters"].(map[string]any); ok && r["accessKeyId"] != nil {
		r["accessKeyId"] = followKey
	}
	if r, ok := d["responseElements"].(map[string]any); ok {
		if k, ok := r["accessKey"].(map[string]any); ok {
			k["accessKeyId"] = followKey
		}
	}
	b, _ := json.Marshal(m)
	return b
}

// newRound removes the day's re-check round marker, as the next real day's schedule starts a
// new round: the story's days pass on the scenario's clock, the function's ledger runs on the
// real one.
func (f *followRun) newRound(ctx context.Context) error {
	_, err := dynamodb.NewFromConfig(f.moto).DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(f.table),
		Key: map[string]ddbtypes.AttributeValue{"pk": &ddbtypes.AttributeValueMemberS{Value: "recheck#" + time.Now().UTC().Format(time.DateOnly)}}})
	return err
}

// collect keeps the follow-up account's messages not seen before, by subject (a chat card by its
// title). SQS hands a message out again after its visibility timeout: each is counted once.
func (f *followRun) collect(msgs []sqstypes.Message, into *[]string, chat bool) {
	for _, m := range msgs {
		// SQS hands a message out again after its visibility timeout: count each once, and
		// only the follow-up account's.
		var env struct {
			MessageID         string `json:"MessageId"`
			MessageAttributes map[string]struct{ Value string }
		}
		_ = json.Unmarshal([]byte(aws.ToString(m.Body)), &env)
		if f.seen[env.MessageID] || !strings.HasPrefix(env.MessageAttributes["iam4.delivery"].Value, followAccount+"/") {
			continue
		}
		f.seen[env.MessageID] = true
		subject, body := snsMessage(m.Body)
		if chat {
			var card struct {
				Content struct{ Title string } `json:"content"`
			}
			_ = json.Unmarshal([]byte(body), &card)
			subject = card.Content.Title
		}
		*into = append(*into, subject)
	}
}

// received prints and returns what each channel got since the last step.
func (f *followRun) received(ctx context.Context, day time.Time) (Transition, error) {
	say := f.w
	t := Transition{Day: day.Format(time.DateOnly)}
	for _, q := range []struct {
		url  string
		into *[]string
		chat bool
	}{{f.emailQ, &t.Emails, false}, {f.chatQ, &t.Chats, true}} {
		// Every step of the story moves the case, so each channel has a message for it: wait for
		// it (a loaded machine may take a while), up to a bound.
		deadline := time.Now().Add(20 * time.Second)
		for before := len(*q.into); len(*q.into) == before && time.Now().Before(deadline); {
			msgs, err := localaws.Drain(ctx, f.moto, q.url, 3*time.Second)
			if err != nil {
				return t, err
			}
			f.collect(msgs, q.into, q.chat)
		}
	}
	issue, err := jiraIssue(ctx, f.emu, "SEC-2")
	if err != nil {
		return t, err
	}
	comments, _ := issue["comments"].(int)
	t.JiraComment, f.jiraComments = comments-f.jiraComments, comments
	t.JiraStatus, _ = issue["status"].(string)
	t.OpsItem = f.opsItem(ctx)
	t.Note = f.note(ctx)
	if len(t.Emails) == 0 && len(t.Chats) == 0 && t.JiraComment == 0 {
		say("   no transition: nothing sent")
		return t, nil
	}
	for _, s := range t.Emails {
		say("   e-mail:    %s", s)
	}
	for _, s := range t.Chats {
		say("   chat:      %s", s)
	}
	say("   Jira SEC-2: %d comment(s) added, status %s", t.JiraComment, t.JiraStatus)
	say("   OpsItem:   %s", t.OpsItem)
	if t.Note != "" {
		say("   Security Hub note: %s", t.Note)
	}
	return t, nil
}

// opsItem is the case's OpsItem status and follow-up state.
func (f *followRun) opsItem(ctx context.Context) string {
	items, err := ssm.NewFromConfig(localaws.Config(f.emu)).DescribeOpsItems(ctx, &ssm.DescribeOpsItemsInput{})
	if err != nil {
		return err.Error()
	}
	for _, it := range items.OpsItemSummaries {
		dedup := aws.ToString(it.OperationalData["/aws/dedup"].Value)
		if !strings.Contains(dedup, followAccount) {
			continue
		}
		state := "-"
		if v, ok := it.OperationalData["iam4:state"]; ok {
			state = aws.ToString(v.Value)
		}
		return string(it.Status) + ", iam4:state " + state
	}
	return "none"
}

func (f *followRun) finding(ctx context.Context) *shtypes.AwsSecurityFinding {
	out, err := securityhub.NewFromConfig(localaws.Config(f.emu)).GetFindings(ctx, &securityhub.GetFindingsInput{})
	if err != nil {
		return nil
	}
	for _, fd := range out.Findings {
		if aws.ToString(fd.AwsAccountId) == followAccount {
			return &fd
		}
	}
	return nil
}

func (f *followRun) note(ctx context.Context) string {
	if fd := f.finding(ctx); fd != nil && fd.Note != nil {
		return aws.ToString(fd.Note.Text)
	}
	return ""
}

func (f *followRun) workflow(ctx context.Context) string {
	if fd := f.finding(ctx); fd != nil && fd.Workflow != nil {
		return string(fd.Workflow.Status)
	}
	return "-"
}

// memberFinding is the FAILED sample's finding about the follow-up account.
func memberFinding() []byte {
	var ev map[string]any
	_ = json.Unmarshal(failedEvent, &ev)
	f := ev["detail"].(map[string]any)["findings"].([]any)[0].(map[string]any)
	f["Id"] = strings.ReplaceAll(f["Id"].(string), localaws.Account, followAccount)
	f["AwsAccountId"] = followAccount
	if res, ok := f["Resources"].([]any); ok {
		for _, r := range res {
			if m, ok := r.(map[string]any); ok {
				m["Id"] = "AWS::::Account:" + followAccount
			}
		}
	}
	b, _ := json.Marshal(f)
	return b
}
