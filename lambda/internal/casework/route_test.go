package casework

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/google/go-cmp/cmp"

	"github.com/iam4-responder/iam4-responder/internal/testenv"
	"github.com/iam4-responder/iam4-responder/lambda/internal/ledger"
	"github.com/iam4-responder/iam4-responder/lambda/internal/route"
	"github.com/iam4-responder/iam4-responder/lambda/internal/sink"
)

const (
	stackMail = "arn:aws:sns:us-east-1:999988887777:iam4-mail"
	stackChat = "arn:aws:sns:us-east-1:999988887777:iam4-chat"
	payMail   = "arn:aws:sns:us-east-1:111122223333:pay-mail"
	payChat   = "arn:aws:sns:us-east-1:111122223333:pay-chat"
)

var (
	paymentsOU = []route.OU{{ID: "ou-ab12-paymnts1", Name: "Payments"}}
	routeTable = route.Table{Rules: []route.Rule{
		{Name: "payments", OU: "ou-ab12-paymnts1", Channels: route.Channels{JiraProject: "PAY", ChatTopicARN: payChat, EmailTopicARN: payMail}},
		{Name: "sandbox", Tags: map[string]string{"env": "sandbox"}, Digest: true},
		{Name: "pay-sandbox", OU: "ou-ab12-paymnts1", Tags: map[string]string{"env": "sandbox"}, Channels: route.Channels{JiraProject: "PAYSB"}},
	}}
)

// described names each sink by its kind and where it delivers.
func described(sinks []CaseSink) []string {
	var out []string
	for _, s := range sinks {
		switch s := s.(type) {
		case sink.Email:
			out = append(out, "email "+s.SNS.TopicARN)
		case sink.Chat:
			out = append(out, "chat "+s.SNS.TopicARN)
		case sink.Jira:
			out = append(out, "jira "+s.Project)
		default:
			out = append(out, s.Name())
		}
	}
	return out
}

// TestEachAccountsCaseTakesItsRoute: the first matching rule's channels replace the stack's of
// the same kind; a digest route has no per-event e-mail or chat; an owner Organizations cannot
// name takes the default route, with a log line.
func TestEachAccountsCaseTakesItsRoute(t *testing.T) {
	full := []CaseSink{sink.Email{SNS: sink.SNS{TopicARN: stackMail}}, sink.Chat{SNS: sink.SNS{TopicARN: stackChat}},
		sink.OpsItem{}, sink.Jira{Project: "SEC"}}
	noChat := []CaseSink{sink.Email{SNS: sink.SNS{TopicARN: stackMail}}, sink.OpsItem{}, sink.Jira{Project: "SEC"}}
	tests := []struct {
		name    string
		base    []CaseSink
		table   *route.Table // nil: no routing configured
		owner   *fakeOwners  // nil: no Organizations
		want    []string
		wantLog string
	}{
		{"no routing: the stack's channels", full, nil, &fakeOwners{account: route.Account{OUs: paymentsOU}},
			[]string{"email " + stackMail, "chat " + stackChat, "opsitem", "jira SEC"}, ""},
		{"an account under the payments OU goes to its channels", full, &routeTable,
			&fakeOwners{account: route.Account{ID: "111122223333", OUs: paymentsOU}},
			[]string{"email " + payMail, "chat " + payChat, "opsitem", "jira PAY"}, ""},
		{"first match wins: a payments sandbox is a payments case", full, &routeTable,
			&fakeOwners{account: route.Account{ID: "111122223333", OUs: paymentsOU, Tags: map[string]string{"env": "sandbox"}}},
			[]string{"email " + payMail, "chat " + payChat, "opsitem", "jira PAY"}, ""},
		{"a digest route's case opens tickets but sends no e-mail or chat", full, &routeTable,
			&fakeOwners{account: route.Account{ID: "444455556666", Tags: map[string]string{"env": "sandbox"}}},
			[]string{"opsitem", "jira SEC"}, ""},
		{"an account no rule matches takes the default route", full, &routeTable,
			&fakeOwners{account: route.Account{ID: "555566667777", Tags: map[string]string{"env": "prod"}}},
			[]string{"email " + stackMail, "chat " + stackChat, "opsitem", "jira SEC"}, ""},
		{"a route's chat topic is added where the stack has none", noChat, &routeTable,
			&fakeOwners{account: route.Account{ID: "111122223333", OUs: paymentsOU}},
			[]string{"email " + payMail, "chat " + payChat, "opsitem", "jira PAY"}, ""},
		{"Organizations denied: the default route, with a log line", full, &routeTable,
			&fakeOwners{account: route.Account{ID: "111122223333", OUs: paymentsOU}, err: errors.New("AccessDeniedException: not a delegated administrator")},
			[]string{"email " + stackMail, "chat " + stackChat, "opsitem", "jira SEC"}, "account owner unknown: the case takes the default route"},
		{"the table's default channels replace the stack's", full, &route.Table{Default: route.Channels{EmailTopicARN: payMail}},
			&fakeOwners{account: route.Account{ID: "111122223333"}},
			[]string{"email " + payMail, "chat " + stackChat, "opsitem", "jira SEC"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			h := &Handler{Log: slog.New(slog.NewJSONHandler(&logs, nil)), Sinks: tt.base, Owners: tt.owner}
			if tt.table != nil {
				jira := sink.Jira{Project: "SEC"}
				h.Routes = &Routes{Table: *tt.table, Jira: &jira}
			}
			got := described(h.sinksFor(t.Context(), "111122223333"))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("sinks (-want +got):\n%s", diff)
			}
			if tt.wantLog != "" && !strings.Contains(logs.String(), tt.wantLog) {
				t.Errorf("log %q lacks %q", logs.String(), tt.wantLog)
			}
			if tt.wantLog == "" && strings.Contains(logs.String(), "WARN") {
				t.Errorf("unexpected warning: %s", logs.String())
			}
		})
	}
}

// TestARoutedCaseReachesItsRoutesTopics runs a real FAILED finding through the handler with SNS
// on moto: the e-mail and chat go to the route's topics, not the stack's; a digest route's case
// sends neither.
func TestARoutedCaseReachesItsRoutesTopics(t *testing.T) {
	cfg := testenv.AWSConfig(testenv.Moto(t))
	client := sns.NewFromConfig(cfg)
	topics := map[string]string{}
	queues := map[string]string{}
	for _, name := range []string{"stack-mail", "stack-chat", "pay-mail", "pay-chat"} {
		topics[name], queues[name] = testenv.TopicWithQueue(t, cfg, testenv.Name("route-"+name))
	}
	table := route.Table{Rules: []route.Rule{
		{Name: "payments", OU: "ou-ab12-paymnts1", Channels: route.Channels{ChatTopicARN: topics["pay-chat"], EmailTopicARN: topics["pay-mail"]}},
		{Name: "sandbox", Tags: map[string]string{"env": "sandbox"}, Digest: true},
	}}
	tests := []struct {
		name    string
		account route.Account
		want    map[string]int // messages per queue
	}{
		{"a payments account", route.Account{OUs: paymentsOU},
			map[string]int{"stack-mail": 0, "stack-chat": 0, "pay-mail": 1, "pay-chat": 1}},
		{"a sandbox account on a digest route", route.Account{Tags: map[string]string{"env": "sandbox"}},
			map[string]int{"stack-mail": 0, "stack-chat": 0, "pay-mail": 0, "pay-chat": 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig()
			r.h.Sinks = []CaseSink{sink.Email{SNS: sink.SNS{API: client, TopicARN: topics["stack-mail"]}},
				sink.Chat{SNS: sink.SNS{API: client, TopicARN: topics["stack-chat"]}}, r.jira}
			r.h.Owners = &fakeOwners{account: tt.account}
			r.h.Routes = &Routes{Table: table, SNS: client}
			if err := r.h.Handle(t.Context(), sample(t, "iam4-consolidated-failed.json")); err != nil {
				t.Fatal(err)
			}
			got := map[string]int{}
			for name, q := range queues {
				got[name] = len(testenv.Receive(t, cfg, q, tt.want[name]))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("messages per topic (-want +got):\n%s", diff)
			}
			if len(r.jira.opened) != 1 {
				t.Errorf("the Jira ticket opened %d times, want once", len(r.jira.opened))
			}
			c, err := r.h.Ledger.Load(t.Context(), "111122223333/IAM.4")
			if err != nil || c.State != ledger.Open {
				t.Errorf("case %q, %v; want open", c.State, err)
			}
		})
	}
}
