package contain

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/google/go-cmp/cmp"

	"github.com/iam4-responder/iam4-responder/internal/emulator"
	"github.com/iam4-responder/iam4-responder/internal/testenv"
	"github.com/iam4-responder/iam4-responder/lambda/internal/evidence"
	"github.com/iam4-responder/iam4-responder/lambda/internal/investigation"
)

const (
	admin      = "111122223333" // the management account (or IAM delegated administrator)
	usedAndOld = "444455556666" // one key used, one unused for 200 days
	onlyUnused = "555566667777"
	usedKey    = "AKIAUSEDKEY000000001"
	unusedKey  = "AKIAOLDKEY0000000002"
	lonelyKey  = "AKIALONELYKEY0000003"
)

type rig struct {
	srv     *emulator.Server
	guard   *Guard
	clients func(ctx context.Context, account string) (investigation.Clients, error)
}

func setup(t *testing.T, mode Mode) *rig {
	t.Helper()
	now := time.Now()
	srv, err := emulator.New(&emulator.Scenario{Account: admin, Rate: &emulator.Rate{PerSecond: 1000, Burst: 1000},
		Members: []emulator.Member{
			{Account: usedAndOld, Regions: []string{"us-west-2"}, Root: emulator.Root{Keys: []emulator.RootKey{
				{ID: usedKey, Active: true, Created: now.AddDate(-1, 0, 0), LastUsed: now.Add(-time.Hour), LastUsedRegion: "us-west-2", LastUsedService: "ec2"},
				{ID: unusedKey, Active: true, Created: now.AddDate(-2, 0, 0), LastUsed: now.AddDate(0, 0, -200), LastUsedRegion: "us-east-1", LastUsedService: "iam"},
			}}, Generate: []emulator.Generator{{Region: "us-west-2", Count: 12, Days: 20, Key: usedKey, IPs: []string{"203.0.113.9"}}}},
			{Account: onlyUnused, Regions: []string{"us-west-2"}, Root: emulator.Root{Keys: []emulator.RootKey{
				{ID: lonelyKey, Active: true, Created: now.AddDate(-3, 0, 0)},
			}}},
		}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	cfg := testenv.AWSConfig(hs.URL)
	stsClient := sts.NewFromConfig(cfg)
	clients := func(_ context.Context, account string) (investigation.Clients, error) {
		c := cfg.Copy()
		c.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(stsClient,
			"arn:aws:iam::"+account+":role/"+emulator.DefaultEvidenceRole))
		return investigation.NewClients(c), nil
	}
	return &rig{srv: srv, clients: clients, guard: &Guard{
		Mode: mode, Management: admin, Sessions: AssumeRoot{STS: stsClient, Config: cfg},
		Search: TrailSearch{Clients: clients, Regions: []string{"us-west-2", "us-east-1"}},
	}}
}

func (r *rig) evidence(t *testing.T, account string) investigation.Result {
	t.Helper()
	c, _ := r.clients(t.Context(), account)
	res, err := investigation.Investigate(t.Context(), c, investigation.Options{Account: account, Regions: []string{"us-west-2", "us-east-1"}})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func dos(o Outcome) []string {
	var out []string
	for _, a := range o.Actions {
		out = append(out, a.Key+" "+a.Do)
	}
	return out
}

func TestUsedKeyUntouchedUnusedKeyDeleted(t *testing.T) {
	r := setup(t, DeleteUnused)
	o := r.guard.Run(t.Context(), usedAndOld, r.evidence(t, usedAndOld))
	want := []string{"AKIA…0002 deleted", "AKIA…0001 kept"}
	if diff := cmp.Diff(want, dos(o)); diff != "" {
		t.Errorf("actions (-want +got):\n%s\n%+v", diff, o)
	}
	if r.srv.DeletedKeys.Load() != 1 {
		t.Errorf("%d keys deleted, want 1", r.srv.DeletedKeys.Load())
	}
	for _, a := range o.Actions {
		if a.Why == "" {
			t.Errorf("%s without a reason", a.Do)
		}
	}
	// Retried (Lambda retries the invocation): the deleted key is gone, nothing else happens.
	again := r.guard.Run(t.Context(), usedAndOld, r.evidence(t, usedAndOld))
	if diff := cmp.Diff([]string{"AKIA…0001 kept"}, dos(again)); diff != "" || r.srv.DeletedKeys.Load() != 1 {
		t.Errorf("retry (-want +got):\n%s", diff)
	}
}

func TestDryRunChangesNothing(t *testing.T) {
	r := setup(t, DryRun)
	o := r.guard.Run(t.Context(), onlyUnused, r.evidence(t, onlyUnused))
	if diff := cmp.Diff([]string{"AKIA…0003 would delete"}, dos(o)); diff != "" {
		t.Errorf("actions (-want +got):\n%s", diff)
	}
	if !strings.Contains(o.Actions[0].Why, "no call in 90 days across 2 Regions") {
		t.Errorf("reason: %q", o.Actions[0].Why)
	}
	if r.srv.DeletedKeys.Load() != 0 {
		t.Error("dry-run deleted a key")
	}
}

func TestPartialEvidenceRefuses(t *testing.T) {
	r := setup(t, DeleteUnused)
	res := r.evidence(t, onlyUnused)
	res.Coverage.Gaps = append(res.Coverage.Gaps, evidence.Gap{Region: "eu-west-1", From: res.WindowStart, To: res.WindowEnd, Reason: "deadline"})
	o := r.guard.Run(t.Context(), onlyUnused, res)
	if len(o.Actions) != 1 || o.Actions[0].Do != "refused" || !strings.Contains(o.Actions[0].Why, "partial") {
		t.Errorf("outcome = %+v", o)
	}
	if r.srv.DeletedKeys.Load() != 0 {
		t.Error("deleted on partial evidence")
	}
}

func TestCredentialReportDisagreementRefuses(t *testing.T) {
	r := setup(t, DeleteUnused)
	res := r.evidence(t, onlyUnused)
	recent := time.Now().Add(-time.Hour)
	res.Inventory.Report.Keys[0].LastUsed = &recent // used, say, by S3 data events CloudTrail history lacks
	o := r.guard.Run(t.Context(), onlyUnused, res)
	if len(o.Actions) != 1 || o.Actions[0].Do != "refused" || !strings.Contains(o.Actions[0].Why, "credential report") {
		t.Errorf("outcome = %+v", o)
	}
}

func TestGuardrails(t *testing.T) {
	tests := []struct {
		name    string
		mode    Mode
		account string
		edit    func(*Guard)
		want    string
	}{
		{"off opens no session", Off, onlyUnused, nil, ""},
		{"the management account is refused", DeleteUnused, admin, nil, "management account"},
		{"a denylisted account is refused", DeleteUnused, onlyUnused, func(g *Guard) { g.Deny = []string{onlyUnused} }, "denylist"},
		{"an account off the allowlist is refused", DeleteUnused, onlyUnused, func(g *Guard) { g.Allow = []string{usedAndOld} }, "allowlist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := setup(t, tt.mode)
			if tt.edit != nil {
				tt.edit(r.guard)
			}
			o := r.guard.Run(t.Context(), tt.account, investigation.Result{})
			if !strings.Contains(o.Refused, tt.want) || len(o.Actions) != 0 {
				t.Errorf("outcome = %+v, want refused with %q", o, tt.want)
			}
			if n := r.srv.RootSessions.Load(); n != 0 {
				t.Errorf("%d root sessions opened", n)
			}
		})
	}
}

func TestParseMode(t *testing.T) {
	for in, want := range map[string]Mode{"": Off, "off": Off, "dry-run": DryRun, "delete-unused": DeleteUnused} {
		if got, err := ParseMode(in); err != nil || got != want {
			t.Errorf("ParseMode(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseMode("delete-all"); err == nil {
		t.Error("delete-all accepted")
	}
}
