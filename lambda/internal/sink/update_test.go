package sink

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/google/go-cmp/cmp"

	"github.com/iam4-responder/iam4-responder/internal/emulator"
	"github.com/iam4-responder/iam4-responder/internal/testenv"
	"github.com/iam4-responder/iam4-responder/lambda/internal/followup"
	"github.com/iam4-responder/iam4-responder/lambda/internal/report"
)

var updateAt = time.Date(2026, 11, 30, 6, 0, 0, 0, time.UTC)

func transition(from, to followup.State, reason followup.Reason) followup.Transition {
	return followup.Transition{From: from, To: to, At: updateAt, Reason: reason, DaysInactive: 8}
}

func TestJiraUpdateCommentsOnceAndTakesTheStatesTransition(t *testing.T) {
	url := emulate(t, &emulator.Scenario{Jira: &emulator.Jira{Email: "ops@example.com", Token: "t0ken", Projects: []string{"SEC"},
		Transitions: []string{"In Progress", "Done"}}})
	j := jiraSink(t, url, "t0ken")
	j.Statuses = map[string]string{"deactivated": "In Progress", "ready_to_delete": "Ready to delete"}
	f, _ := sampleFinding(t)
	r := report.New(report.Opened, f, "")
	issue, err := j.Open(t.Context(), r, "111122223333/IAM.4#1")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		t        followup.Transition
		delivery string
		wantRef  string
		status   string
		comments int
	}{
		{"deactivated: a comment and the configured transition", transition(followup.Open, followup.Deactivated, followup.ReasonAllInactive),
			"111122223333/IAM.4#1#fu/1/jira", issue, "In Progress", 1},
		{"the same delivery again (a lost answer) comments nothing more", transition(followup.Open, followup.Deactivated, followup.ReasonAllInactive),
			"111122223333/IAM.4#1#fu/1/jira", issue, "In Progress", 1},
		{"verifying has no configured status: a comment only", transition(followup.Deactivated, followup.Verifying, followup.ReasonWindowBegun),
			"111122223333/IAM.4#1#fu/2/jira", issue, "In Progress", 2},
		{"a transition the workflow does not offer is said in the reference", transition(followup.Verifying, followup.ReadyToDelete, followup.ReasonWindowDone),
			"111122223333/IAM.4#1#fu/3/jira", issue + ` (status unchanged: no transition named "Ready to delete")`, "In Progress", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ref, err := j.Update(t.Context(), r.Update(tt.t), issue, tt.delivery)
			if err != nil {
				t.Fatal(err)
			}
			var got struct {
				Fields struct {
					Status  struct{ Name string }
					Comment struct{ Total int }
				}
			}
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, url+"/rest/api/3/issue/"+issue, nil)
			req.SetBasicAuth("ops@example.com", "t0ken")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			_ = json.NewDecoder(resp.Body).Decode(&got)
			if diff := cmp.Diff([]any{tt.wantRef, tt.status, tt.comments}, []any{ref, got.Fields.Status.Name, got.Fields.Comment.Total}); diff != "" {
				t.Errorf("ref, status, comments (-want +got):\n%s", diff)
			}
		})
	}
}

func TestOpsItemUpdateSetsStatusAndState(t *testing.T) {
	url := emulate(t, &emulator.Scenario{})
	api := ssm.NewFromConfig(testenv.AWSConfig(url))
	f, _ := sampleFinding(t)
	r := report.New(report.Opened, f, "")
	o := OpsItem{API: api}
	id, err := o.Open(t.Context(), r, "111122223333/IAM.4#1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o.Update(t.Context(), r.Update(transition(followup.Open, followup.Deactivated, followup.ReasonAllInactive)), "", "k"); err == nil {
		t.Error("an update without the OpsItem id succeeded")
	}
	for _, tt := range []struct {
		t    followup.Transition
		want []string
	}{
		{transition(followup.Open, followup.Deactivated, followup.ReasonAllInactive), []string{"InProgress", "deactivated", "SearchableString"}},
		{transition(followup.Deactivated, followup.UsedAgain, followup.ReasonCalled), []string{"Open", "used_again", "SearchableString"}},
		{transition(followup.ReadyToDelete, followup.Closed, followup.ReasonNoKey), []string{"Resolved", "closed", "SearchableString"}},
	} {
		if _, err := o.Update(t.Context(), r.Update(tt.t), id, "k"); err != nil {
			t.Fatal(err)
		}
		item, err := api.GetOpsItem(t.Context(), &ssm.GetOpsItemInput{OpsItemId: aws.String(id)})
		if err != nil {
			t.Fatal(err)
		}
		state := item.OpsItem.OperationalData["iam4:state"]
		got := []string{string(item.OpsItem.Status), aws.ToString(state.Value), string(state.Type)}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s: status, state, type (-want +got):\n%s", tt.t.To, diff)
		}
	}
}

func TestEmailAndChatUpdatesCarryTheirDeliveryKey(t *testing.T) {
	cfg := testenv.AWSConfig(testenv.Moto(t))
	topic, queue := testenv.TopicWithQueue(t, cfg, testenv.Name("update"))
	s := SNS{API: sns.NewFromConfig(cfg), TopicARN: topic}
	f, _ := sampleFinding(t)
	u := report.New(report.Opened, f, "").Update(transition(followup.Verifying, followup.ReadyToDelete, followup.ReasonWindowDone))
	if _, err := (Email{SNS: s}).Update(t.Context(), u, "", "111122223333/IAM.4#1#fu/3/email"); err != nil {
		t.Fatal(err)
	}
	if _, err := (Chat{SNS: s}).Update(t.Context(), u, "", "111122223333/IAM.4#1#fu/3/chat"); err != nil {
		t.Fatal(err)
	}
	subject, body := u.Email()
	want := map[string][2]string{
		"111122223333/IAM.4#1#fu/3/email": {subject, body},
		"111122223333/IAM.4#1#fu/3/chat":  {"", string(u.Chat())},
	}
	got := map[string][2]string{}
	for _, m := range testenv.Receive(t, cfg, queue, 2) {
		var env struct {
			Subject, Message  string
			MessageAttributes map[string]struct{ Value string }
		}
		if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &env); err != nil {
			t.Fatal(err)
		}
		got[env.MessageAttributes[DeliveryAttribute].Value] = [2]string{env.Subject, env.Message}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("messages by delivery key (-want +got):\n%s", diff)
	}
}
