package casework

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/iam4-responder/iam4-responder/internal/emulator"
	"github.com/iam4-responder/iam4-responder/internal/testenv"
	"github.com/iam4-responder/iam4-responder/lambda/internal/config"
)

// memberEvent is the consolidated FAILED sample about another account, as the delegated
// administrator's aggregation Region receives it.
func memberEvent(t *testing.T, account string) (json.RawMessage, json.RawMessage) {
	t.Helper()
	var ev map[string]any
	if err := json.Unmarshal(sample(t, "iam4-consolidated-failed.json"), &ev); err != nil {
		t.Fatal(err)
	}
	f := ev["detail"].(map[string]any)["findings"].([]any)[0].(map[string]any)
	f["Id"] = strings.ReplaceAll(f["Id"].(string), "111122223333", account)
	f["AwsAccountId"] = account
	b, _ := json.Marshal(ev)
	fb, _ := json.Marshal(f)
	return b, fb
}

func member(account string, calls int) emulator.Member {
	return emulator.Member{Account: account, Regions: []string{"us-west-2"},
		Root: emulator.Root{Keys: []emulator.RootKey{{ID: "AKIAMEMBER" + account[:10], Active: true, Created: time.Now().AddDate(-1, 0, 0)}}},
		Generate: []emulator.Generator{{Region: "us-west-2", Count: calls, Days: 20, Key: "AKIAMEMBER" + account[:10],
			IPs: []string{"203.0.113.9"}, UserAgent: "aws-cli/2.15.0 Python/3.11.6"}}}
}

func TestMemberFindingsGoThroughTheMemberRoleAndForeignOnesAreRefused(t *testing.T) {
	const memberAccount, foreign = "444455556666", "777788889999"
	event, findingJSON := memberEvent(t, memberAccount)
	foreignEvent, foreignJSON := memberEvent(t, foreign)
	l := startLocal(t, func(s *emulator.Scenario, c *config.Config) {
		s.Members = []emulator.Member{member(memberAccount, 12), member(foreign, 3)}
		s.Findings = append(s.Findings, findingJSON, foreignJSON)
		c.AllowedAccounts = []string{memberAccount}
		c.Regions = []string{"us-west-2"}
	})
	if err := l.handle(t, event); err != nil {
		t.Fatal(err)
	}
	email := testenv.Receive(t, l.motoConfig, l.emailQueue, 1)
	body := aws.ToString(email[0].Body)
	if !strings.Contains(body, "account "+memberAccount) || !strings.Contains(body, "12 calls with a root access key") {
		t.Errorf("member e-mail lacks the member's evidence: %s", body)
	}
	if n := l.server.AssumedRoles.Load(); n != 1 {
		t.Errorf("%d AssumeRole calls, want 1", n)
	}

	if err := l.handle(t, foreignEvent); err != nil {
		t.Fatalf("a refused finding must not fail the invocation: %v", err)
	}
	testenv.Receive(t, l.motoConfig, l.emailQueue, 0)
	if n := l.server.AssumedRoles.Load(); n != 1 {
		t.Errorf("a foreign account made the responder assume a role (%d calls)", n)
	}
}

// TestOrganizationBurstLosesNothing enables the standard across 300 accounts at once: every
// finding ends with its tickets, or in the dead-letter queue with a reason, with the function's
// concurrency bounded as reserved concurrency bounds it and Lambda's retries modelled.
func TestOrganizationBurstLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("300 accounts")
	}
	const accounts, concurrency = 300, 8
	var members []emulator.Member
	var events, findings []json.RawMessage
	var allowed []string
	for i := range accounts {
		acct := fmt.Sprintf("%012d", 210000000000+i)
		members = append(members, member(acct, 3))
		ev, f := memberEvent(t, acct)
		events, findings, allowed = append(events, ev), append(findings, f), append(allowed, acct)
	}
	l := startLocal(t, func(s *emulator.Scenario, c *config.Config) {
		s.Members, s.Findings = members, append(s.Findings, findings...)
		c.AllowedAccounts, c.Regions = allowed, []string{"us-west-2"}
	})

	work := make(chan json.RawMessage)
	var mu sync.Mutex
	var dead []string
	var wg sync.WaitGroup
	t0 := time.Now()
	for range concurrency {
		wg.Go(func() {
			for ev := range work {
				// Lambda's asynchronous invocation: the first try and two retries, then the
				// on-failure destination keeps the event with the error.
				var err error
				for range 3 {
					if err = l.handle(t, ev); err == nil {
						break
					}
				}
				if err != nil {
					_ = l.h.DeadLetter.Reject(context.Background(), ev, err.Error())
					mu.Lock()
					dead = append(dead, err.Error())
					mu.Unlock()
				}
			}
		})
	}
	for _, ev := range events {
		work <- ev
	}
	close(work)
	wg.Wait()
	t.Logf("%d accounts in %.1fs with %d concurrent invocations", accounts, time.Since(t0).Seconds(), concurrency)

	if len(dead) > 0 {
		t.Fatalf("%d findings dead-lettered, want none; first: %s", len(dead), dead[0])
	}
	emails := testenv.Receive(t, l.motoConfig, l.emailQueue, accounts)
	notified := 0
	for _, f := range l.findings(t) {
		if f.Workflow.Status == shtypes.WorkflowStatusNotified {
			notified++
		}
	}
	_, _, lastIssue := l.jiraIssue(t, fmt.Sprintf("SEC-%d", accounts-len(dead)))
	_, _, extraIssue := l.jiraIssue(t, fmt.Sprintf("SEC-%d", accounts-len(dead)+1))
	if len(emails)+len(dead) != accounts || notified+len(dead) != accounts || !lastIssue || extraIssue ||
		len(l.opsItems(t))+len(dead) != accounts {
		t.Errorf("of %d findings: %d e-mails, %d written back, %d OpsItems, Jira up to SEC-%d %v, %d dead-lettered",
			accounts, len(emails), notified, len(l.opsItems(t)), accounts-len(dead), lastIssue && !extraIssue, len(dead))
	}
	for _, reason := range dead {
		if reason == "" {
			t.Error("a dead-lettered finding has no reason")
		}
	}
	if n := l.server.Throttled.Load(); n != 0 {
		t.Errorf("CloudTrail throttled %d times: the per-account, per-Region limit was exceeded", n)
	}
	if n := l.server.AssumedRoles.Load(); n != accounts {
		t.Errorf("%d AssumeRole calls for %d accounts, want one each (credentials cached)", n, accounts)
	}
}

// TestContainmentDeletesTheUnusedMemberKeyAndSaysSo runs delete-unused through the handler: the
// member's used key stays, the unused one is deleted, and the ticket and the note say so.
func TestContainmentDeletesTheUnusedMemberKeyAndSaysSo(t *testing.T) {
	const memberAccount = "444455556666"
	event, findingJSON := memberEvent(t, memberAccount)
	m := member(memberAccount, 12)
	m.Root.Keys = append(m.Root.Keys, emulator.RootKey{ID: "AKIAOLDKEY0000000002", Active: true,
		Created: time.Now().AddDate(-3, 0, 0), LastUsed: time.Now().AddDate(0, 0, -200)})
	l := startLocal(t, func(s *emulator.Scenario, c *config.Config) {
		s.Members = []emulator.Member{m}
		s.Findings = append(s.Findings, findingJSON)
		c.AllowedAccounts, c.Regions = []string{memberAccount}, []string{"us-west-2"}
		c.Containment, c.ManagementAccount = "delete-unused", testenv.Account
	})
	if err := l.handle(t, event); err != nil {
		t.Fatal(err)
	}
	var envelope struct{ Message string }
	_ = json.Unmarshal([]byte(aws.ToString(testenv.Receive(t, l.motoConfig, l.emailQueue, 1)[0].Body)), &envelope)
	body := envelope.Message
	for _, want := range []string{"Containment (delete-unused)", "AKIA…0002: deleted", "AKIA…5566: kept"} {
		if !strings.Contains(body, want) {
			t.Errorf("e-mail lacks %q:\n%s", want, body)
		}
	}
	if n := l.server.DeletedKeys.Load(); n != 1 {
		t.Errorf("%d keys deleted, want 1", n)
	}
	for _, f := range l.findings(t) {
		if aws.ToString(f.AwsAccountId) == memberAccount && !strings.Contains(aws.ToString(f.Note.Text), "AKIA…0002 deleted") {
			t.Errorf("note: %q", aws.ToString(f.Note.Text))
		}
	}
}
