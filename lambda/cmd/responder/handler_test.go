package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/google/go-cmp/cmp"

	"github.com/iam4-responder/iam4-responder/internal/testenv"
	"github.com/iam4-responder/iam4-responder/lambda/internal/advice"
	"github.com/iam4-responder/iam4-responder/lambda/internal/investigation"
	"github.com/iam4-responder/iam4-responder/lambda/internal/ledger"
	"github.com/iam4-responder/iam4-responder/lambda/internal/sink"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func sample(t *testing.T, name string) json.RawMessage {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fakeLedger keeps states in memory with the same transitions as the DynamoDB ledger.
type fakeLedger struct {
	mu    sync.Mutex
	state map[string]ledger.State
	err   error
}

func (l *fakeLedger) move(key string, from []ledger.State, to ledger.State) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		return false, l.err
	}
	if l.state == nil {
		l.state = map[string]ledger.State{}
	}
	for _, s := range from {
		if l.state[key] == s {
			l.state[key] = to
			return true, nil
		}
	}
	return false, nil
}

func (l *fakeLedger) BeginOpen(_ context.Context, k string) (bool, error) {
	return l.move(k, []ledger.State{"", ledger.Resolved, ledger.Failed}, ledger.Opening)
}
func (l *fakeLedger) FinishOpen(_ context.Context, k, _ string) error {
	_, err := l.move(k, []ledger.State{ledger.Opening}, ledger.Open)
	return err
}
func (l *fakeLedger) AbortOpen(_ context.Context, k string) error {
	_, err := l.move(k, []ledger.State{ledger.Opening}, ledger.Failed)
	return err
}
func (l *fakeLedger) BeginResolve(_ context.Context, k string) (bool, error) {
	return l.move(k, []ledger.State{ledger.Open}, ledger.Resolving)
}
func (l *fakeLedger) FinishResolve(_ context.Context, k, _ string) error {
	_, err := l.move(k, []ledger.State{ledger.Resolving}, ledger.Resolved)
	return err
}
func (l *fakeLedger) AbortResolve(_ context.Context, k string) error {
	_, err := l.move(k, []ledger.State{ledger.Resolving}, ledger.Open)
	return err
}

type fakePublisher struct {
	subjects []string
	err      error
}

func (p *fakePublisher) Publish(_ context.Context, subject, _ string) (string, error) {
	if p.err != nil {
		return "", p.err
	}
	p.subjects = append(p.subjects, subject)
	return fmt.Sprintf("msg-%d", len(p.subjects)), nil
}

type fakeRejecter struct {
	reasons []string
	err     error
}

func (r *fakeRejecter) Reject(_ context.Context, _ []byte, reason string) error {
	if r.err != nil {
		return r.err
	}
	r.reasons = append(r.reasons, reason)
	return nil
}

func quietLog() *slog.Logger { return slog.New(slog.NewJSONHandler(io.Discard, nil)) }

func TestHandlerRunsTheRunbookIntake(t *testing.T) {
	const (
		opened   = "[IAM.4] Root user access key in account 111122223333"
		resolved = "[IAM.4] Resolved: root access key case in account 111122223333"
	)
	tests := []struct {
		name   string
		events []string
		want   []string
	}{
		{"a FAILED finding notifies", []string{"iam4-consolidated-failed.json"}, []string{opened}},
		{"the same event twice notifies once", []string{"iam4-consolidated-failed.json", "iam4-consolidated-failed.json"}, []string{opened}},
		{"a per-standard finding of the same case adds nothing", []string{"iam4-consolidated-failed.json", "iam4-fsbp-failed.json"}, []string{opened}},
		{"PASSED resolves an open case once", []string{"iam4-consolidated-failed.json", "iam4-consolidated-passed.json", "iam4-fsbp-passed.json"}, []string{opened, resolved}},
		{"PASSED without an open case sends nothing", []string{"iam4-consolidated-passed.json"}, nil},
		{"a new failure after resolution opens again", []string{"iam4-consolidated-failed.json", "iam4-consolidated-passed.json", "iam4-fsbp-failed.json"}, []string{opened, resolved, opened}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pub := &fakePublisher{}
			h := &Handler{Log: quietLog(), Ledger: &fakeLedger{}, Email: pub, DeadLetter: &fakeRejecter{}}
			for _, name := range tt.events {
				if err := h.Handle(t.Context(), sample(t, name)); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
			}
			if diff := cmp.Diff(tt.want, pub.subjects); diff != "" {
				t.Errorf("notifications (-want +got):\n%s", diff)
			}
		})
	}
}

func TestHandlerErrors(t *testing.T) {
	down := errors.New("service unavailable")
	tests := []struct {
		name        string
		event       json.RawMessage
		ledgerErr   error
		publishErr  error
		rejectErr   error
		wantErr     string // empty: no error, so no Lambda retry
		wantRejects int
	}{
		{"malformed event goes to the dead-letter queue without a retry", json.RawMessage(`{"source":"aws.securityhub"`), nil, nil, nil, "", 1},
		{"malformed event whose dead-letter send fails is retried", json.RawMessage(`[]`), nil, nil, down, "keeping it in the dead-letter queue failed", 0},
		{"a sink that is down is retried", sample(t, "iam4-consolidated-failed.json"), nil, down, nil, "service unavailable", 0},
		{"a ledger that is down is retried", sample(t, "iam4-consolidated-failed.json"), down, nil, nil, "service unavailable", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rej := &fakeRejecter{err: tt.rejectErr}
			h := &Handler{Log: quietLog(), Ledger: &fakeLedger{err: tt.ledgerErr}, Email: &fakePublisher{err: tt.publishErr}, DeadLetter: rej}
			err := h.Handle(t.Context(), tt.event)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("Handle = %v, want no error", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("Handle = %v, want an error containing %q", err, tt.wantErr)
			}
			if len(rej.reasons) != tt.wantRejects {
				t.Errorf("dead-lettered %d events, want %d", len(rej.reasons), tt.wantRejects)
			}
		})
	}
}

func TestAFailedDeliveryIsRetriedByTheNextInvocation(t *testing.T) {
	pub := &fakePublisher{err: errors.New("throttled")}
	h := &Handler{Log: quietLog(), Ledger: &fakeLedger{}, Email: pub, DeadLetter: &fakeRejecter{}}
	if err := h.Handle(t.Context(), sample(t, "iam4-consolidated-failed.json")); err == nil {
		t.Fatal("first attempt: no error, so Lambda would not retry")
	}
	pub.err = nil
	if err := h.Handle(t.Context(), sample(t, "iam4-consolidated-failed.json")); err != nil {
		t.Fatal(err)
	}
	if len(pub.subjects) != 1 {
		t.Errorf("retry sent %d notifications, want 1", len(pub.subjects))
	}
}

// TestHandlerAgainstMoto runs the handler over the real SDK: the ledger in DynamoDB, the
// notification through SNS to a subscribed queue, a malformed event into the SQS dead-letter queue.
func TestHandlerAgainstMoto(t *testing.T) {
	cfg := testenv.AWSConfig(testenv.Moto(t))
	name := fmt.Sprintf("handler-%d", time.Now().UnixNano())
	db := dynamodb.NewFromConfig(cfg)
	testenv.Table(t, cfg, name, ledger.Key)
	topic, inbox := testenv.TopicWithQueue(t, cfg, name)
	dlq, _ := testenv.Queue(t, cfg, name+"-dlq")
	h := &Handler{
		Log:        quietLog(),
		Ledger:     &ledger.Ledger{API: db, Table: name, Lease: time.Minute},
		Email:      sink.SNS{API: sns.NewFromConfig(cfg), TopicARN: topic},
		DeadLetter: DeadLetter{API: sqs.NewFromConfig(cfg), QueueURL: dlq},
	}
	for _, ev := range []string{"iam4-consolidated-failed.json", "iam4-fsbp-failed.json", "iam4-consolidated-failed.json"} {
		if err := h.Handle(t.Context(), sample(t, ev)); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.Handle(t.Context(), json.RawMessage(`{"source":"aws.securityhub","detail-type":"Security Hub Findings - Imported","detail":{"findings":[]}}`)); err != nil {
		t.Fatal(err)
	}
	msgs := testenv.Receive(t, cfg, inbox, 1)
	if !strings.Contains(aws.ToString(msgs[0].Body), "Root user access key in account 111122223333") {
		t.Errorf("notification: %s", aws.ToString(msgs[0].Body))
	}
	rejected := testenv.Receive(t, cfg, dlq, 1)
	if got := aws.ToString(rejected[0].MessageAttributes["reason"].StringValue); got != "detail.findings: missing or empty" {
		t.Errorf("dead-letter reason = %q", got)
	}
}

func TestDeadLetterKeepsUnsafeBytesReadable(t *testing.T) {
	tests := []struct {
		name string
		in   string
		safe bool
	}{
		{"json", `{"a":1}`, true},
		{"empty", "", false},
		{"nul byte", "a\x00b", false},
		{"invalid utf-8", "a\xffb", false},
		{"tab and newline", "a\tb\nc", true},
	}
	for _, tt := range tests {
		if got := sqsSafe(tt.in); got != tt.safe {
			t.Errorf("%s: sqsSafe = %v, want %v", tt.name, got, tt.safe)
		}
	}
	if got := validPrefix("aé", 2); got != "a" {
		t.Errorf("validPrefix split a rune: %q", got)
	}
}

type fakeInvestigator struct {
	calls int
	err   error
}

func (f *fakeInvestigator) Investigate(_ context.Context, account string) (investigation.Result, error) {
	f.calls++
	if f.err != nil {
		return investigation.Result{}, f.err
	}
	return investigation.Result{Account: account, AccessKeyCalls: 7, Advice: advice.Advice{Decision: advice.ReplaceWithRole}}, nil
}

type bodyPublisher struct{ bodies []string }

func (p *bodyPublisher) Publish(_ context.Context, _, body string) (string, error) {
	p.bodies = append(p.bodies, body)
	return "msg", nil
}

func TestEvidenceIsGatheredOncePerCaseAndNeverBlocksTheTicket(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		wantBody string
	}{
		{"evidence in the ticket", nil, "Decision: callers run on AWS: replace the key with an IAM role"},
		{"failed evidence is said, and the ticket still goes out", errors.New("cross-account evidence needs an evidence role"),
			"Evidence could not be gathered: cross-account evidence needs an evidence role"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := &fakeInvestigator{err: tt.err}
			pub := &bodyPublisher{}
			h := &Handler{Log: quietLog(), Ledger: &fakeLedger{}, Email: pub, DeadLetter: &fakeRejecter{}, Evidence: inv}
			for _, ev := range []string{"iam4-consolidated-failed.json", "iam4-fsbp-failed.json", "iam4-consolidated-passed.json"} {
				if err := h.Handle(t.Context(), sample(t, ev)); err != nil {
					t.Fatal(err)
				}
			}
			if inv.calls != 1 {
				t.Errorf("investigated %d times for one case, want 1", inv.calls)
			}
			if len(pub.bodies) != 2 || !strings.Contains(pub.bodies[0], tt.wantBody) {
				t.Errorf("bodies: %d, first:\n%s", len(pub.bodies), pub.bodies[0])
			}
		})
	}
}
