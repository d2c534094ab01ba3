package casework

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/google/go-cmp/cmp"

	"github.com/iam4-responder/iam4-responder/internal/memstore"
	"github.com/iam4-responder/iam4-responder/internal/testenv"
	"github.com/iam4-responder/iam4-responder/lambda/contract"
	"github.com/iam4-responder/iam4-responder/lambda/internal/followup"
	"github.com/iam4-responder/iam4-responder/lambda/internal/ledger"
	"github.com/iam4-responder/iam4-responder/lambda/internal/route"
	"github.com/iam4-responder/iam4-responder/lambda/internal/sink"
)

// accountOwners answers per account, as Organizations would.
type accountOwners map[string]route.Account

func (o accountOwners) Lookup(_ context.Context, id string) (route.Account, error) {
	a := o[id]
	a.ID = id
	return a, nil
}

// savedCase puts a case in the ledger as the opening left it: its Jira ticket open, and its
// follow-up in state (none when state is "").
func savedCase(t *testing.T, store *memstore.Store[ledger.Case], account string, state ledger.State, opened time.Time, fu followup.State) {
	t.Helper()
	c := ledger.Case{ID: account + "/IAM.4", State: state, Epoch: 1,
		Steps: map[string]ledger.Step{"open/jira": {Status: ledger.Done, Ref: "SEC-" + account[:3], Epoch: 1, At: opened.Unix()}}}
	if fu != "" {
		b, err := json.Marshal(followup.Case{State: fu, Since: opened.Add(48 * time.Hour), Progress: opened})
		if err != nil {
			t.Fatal(err)
		}
		c.FollowUp = &ledger.FollowUp{Case: string(b)}
	}
	if err := store.Save(t.Context(), c, 0); err != nil {
		t.Fatal(err)
	}
}

// TestDigestListsEachRoutesOpenCasesOncePerDay: the digest route's open cases (and only they) go
// out in one e-mail and one chat message per day, however often and concurrently the task fires;
// the next day sends again.
func TestDigestListsEachRoutesOpenCasesOncePerDay(t *testing.T) {
	cfg := testenv.AWSConfig(testenv.Moto(t))
	client := sns.NewFromConfig(cfg)
	topics, queues := map[string]string{}, map[string]string{}
	for _, name := range []string{"stack-mail", "sandbox-mail", "sandbox-chat"} {
		topics[name], queues[name] = testenv.TopicWithQueue(t, cfg, testenv.Name("digest-"+name))
	}
	day := time.Date(2026, 11, 29, 6, 30, 0, 0, time.UTC)
	now := day
	var mu sync.Mutex
	r := newRig()
	r.h.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	r.h.Sinks = []CaseSink{sink.Email{SNS: sink.SNS{API: client, TopicARN: topics["stack-mail"]}}, r.jira}
	sandbox := route.Account{Tags: map[string]string{"env": "sandbox"}}
	r.h.Owners = accountOwners{"111122223333": {Name: "sandbox-one", Tags: sandbox.Tags}, "222233334444": sandbox,
		"555566667777": sandbox, "666677778888": sandbox, "444455556666": {Tags: map[string]string{"env": "prod"}}}
	jira := sink.Jira{BaseURL: "https://example.atlassian.net", Project: "SEC"}
	r.h.Routes = &Routes{SNS: client, Jira: &jira, Table: route.Table{Rules: []route.Rule{
		{Name: "sandbox", Tags: map[string]string{"env": "sandbox"}, Digest: true,
			Channels: route.Channels{EmailTopicARN: topics["sandbox-mail"], ChatTopicARN: topics["sandbox-chat"]}},
	}}}
	opened := day.Add(-10 * 24 * time.Hour)
	savedCase(t, r.store, "111122223333", ledger.Open, opened, followup.Verifying)
	savedCase(t, r.store, "222233334444", ledger.Open, opened.Add(24*time.Hour), "")
	savedCase(t, r.store, "444455556666", ledger.Open, opened, followup.Deactivated) // another route
	savedCase(t, r.store, "555566667777", ledger.Resolved, opened, followup.Closed)  // resolved
	savedCase(t, r.store, "666677778888", ledger.Open, opened, followup.Closed)      // follow-up closed

	task := json.RawMessage(`{"` + contract.TaskField + `":"` + contract.TaskDigest + `"}`)
	fire := func(n int) {
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				if err := r.h.Handle(t.Context(), task); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	}
	fire(4) // the schedule fired, Lambda retried, and two more ran at once
	got := map[string]int{}
	var mail string
	for name, q := range queues {
		msgs := testenv.Receive(t, cfg, q, map[string]int{"sandbox-mail": 1, "sandbox-chat": 1}[name])
		got[name] = len(msgs)
		if name == "sandbox-mail" && len(msgs) == 1 {
			mail = aws.ToString(msgs[0].Body)
		}
	}
	if diff := cmp.Diff(map[string]int{"stack-mail": 0, "sandbox-mail": 1, "sandbox-chat": 1}, got); diff != "" {
		t.Errorf("messages per topic on the first day (-want +got):\n%s", diff)
	}
	for _, want := range []string{"111122223333", "sandbox-one", "222233334444", "https://example.atlassian.net/browse/SEC-111"} {
		if !strings.Contains(mail, want) {
			t.Errorf("the digest lacks %q:\n%s", want, mail)
		}
	}
	for _, never := range []string{"444455556666", "555566667777", "666677778888"} {
		if strings.Contains(mail, never) {
			t.Errorf("the digest lists %s, which is not an open case of the route", never)
		}
	}

	mu.Lock()
	now = day.Add(24 * time.Hour)
	mu.Unlock()
	fire(2)
	got = map[string]int{}
	for name, q := range queues {
		got[name] = len(testenv.Receive(t, cfg, q, map[string]int{"sandbox-mail": 1, "sandbox-chat": 1}[name]))
	}
	if diff := cmp.Diff(map[string]int{"stack-mail": 0, "sandbox-mail": 1, "sandbox-chat": 1}, got); diff != "" {
		t.Errorf("messages per topic on the next day (-want +got):\n%s", diff)
	}
}

// TestDigestWithoutADigestRouteSendsNothing: no route asks, so the task keeps no marker.
func TestDigestWithoutADigestRouteSendsNothing(t *testing.T) {
	r := newRig()
	r.h.Routes = &Routes{Table: route.Table{Rules: []route.Rule{{Name: "payments", OU: "ou-ab12-paymnts1"}}}}
	savedCase(t, r.store, "111122223333", ledger.Open, time.Now(), followup.Verifying)
	if err := r.h.Digest(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := r.h.Ledger.Kept(t.Context(), DigestKey("payments", time.Now())); ok || err != nil {
		t.Errorf("a marker was kept (%v) without a digest route", err)
	}
}
