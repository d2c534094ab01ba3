package contain

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/google/go-cmp/cmp"

	"github.com/iam4-responder/iam4-responder/internal/emulator"
	"github.com/iam4-responder/iam4-responder/internal/samples"
	"github.com/iam4-responder/iam4-responder/internal/testenv"
	"github.com/iam4-responder/iam4-responder/lambda/internal/advice"
	"github.com/iam4-responder/iam4-responder/lambda/internal/evidence"
	"github.com/iam4-responder/iam4-responder/lambda/internal/finding"
	"github.com/iam4-responder/iam4-responder/lambda/internal/investigation"
)

const (
	admin      = "111122223333" // the management account (or IAM delegated administrator)
	usedAndOld = "444455556666" // one key used, one unused for 200 days
	onlyUnused = "555566667777" // one key, never used
	rotated    = "666677778888" // rotated 30 days ago: old key in CloudTrail, new key used for S3 only
	usedKey    = "AKIAUSEDKEY000000001"
	unusedKey  = "AKIAOLDKEY0000000002"
	lonelyKey  = "AKIALONELYKEY0000003"
	currentKey = "AKIACURRENTKEY000004"
	formerKey  = "AKIAFORMERKEY0000005"
	stale      = "777788889999" // one key, first used an hour ago for S3 only, after the report
	staleKey   = "AKIASTALEKEY00000006"
	home       = "us-west-2" // the findings' Region
	// AWS's two documentation keys, which agree in their last seven characters.
	docKeys   = "888899990000" // AKIAIOSFODNN7EXAMPLE used, AKIAI44QH8DHBEXAMPLE unused for 200 days
	docUsed   = "AKIAIOSFODNN7EXAMPLE"
	docUnused = "AKIAI44QH8DHBEXAMPLE"
)

var regions = []string{home, "us-east-1"}

// sample reads one of the project's shared samples (internal/samples) as a JSON object. The tests
// change, and say where: the account the finding is about (and the account part of its id), the
// fields a forger or Security Hub itself would set (ProductArn, GeneratorId, workflow, record
// state, compliance), and, for the CloudTrail record, the key id, the event time and the event
// id, to place a rotated key's old calls in the lookback.
func sample(t *testing.T, name string) map[string]any {
	t.Helper()
	b, err := samples.File(name)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// asff is the sample FAILED IAM.4 event, its finding moved to account and changed by edit; it
// returns the event and the finding as Security Hub would hold it.
func asff(t *testing.T, account string, edit func(f map[string]any)) ([]byte, json.RawMessage) {
	t.Helper()
	ev := sample(t, "iam4-consolidated-failed.json")
	f := ev["detail"].(map[string]any)["findings"].([]any)[0].(map[string]any)
	f["Id"] = strings.ReplaceAll(f["Id"].(string), admin, account)
	f["AwsAccountId"] = account
	if edit != nil {
		edit(f)
	}
	eb, _ := json.Marshal(ev)
	fb, _ := json.Marshal(f)
	return eb, fb
}

// ocsf is the same for the new Security Hub's OCSF event.
func ocsf(t *testing.T, account string, edit func(f map[string]any)) ([]byte, json.RawMessage) {
	t.Helper()
	ev := sample(t, "ocsf-iam4-failed.json")
	f := ev["detail"].(map[string]any)["findings"].([]any)[0].(map[string]any)
	info := f["finding_info"].(map[string]any)
	info["uid"] = strings.ReplaceAll(info["uid"].(string), admin, account)
	f["cloud"].(map[string]any)["account"].(map[string]any)["uid"] = account
	if edit != nil {
		edit(f)
	}
	eb, _ := json.Marshal(ev)
	fb, _ := json.Marshal(f)
	return eb, fb
}

// parsed is the finding the intake makes of an event.
func parsed(t *testing.T, event []byte) finding.Finding {
	t.Helper()
	ev, err := finding.Parse(event)
	if err != nil {
		t.Fatal(err)
	}
	return ev.Findings[0]
}

// formerCalls are the real-shaped root record signed with the rotated-away key, n times, the
// newest 31 days ago: the old key's management calls before the rotation.
func formerCalls(t *testing.T, now time.Time, n int) []json.RawMessage {
	t.Helper()
	var out []json.RawMessage
	for i := range n {
		r := sample(t, "cloudtrail-root-accesskey-event-ADAPTED.json")
		r["userIdentity"].(map[string]any)["accessKeyId"] = formerKey
		r["eventTime"] = now.AddDate(0, 0, -31-i).UTC().Format(time.RFC3339)
		r["eventID"] = fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
		b, _ := json.Marshal(r)
		out = append(out, b)
	}
	return out
}

type rig struct {
	srv     *emulator.Server
	guard   *Guard
	clients func(ctx context.Context, account string) (investigation.Clients, error)
	now     time.Time
}

// hub is what Security Hub holds: ASFF and OCSF findings, and how many empty pages its
// filtered reads answer first.
type hub struct {
	asff, ocsf []json.RawMessage
	empty      int
}

func setup(t *testing.T, mode Mode, held hub) *rig {
	t.Helper()
	now := time.Now()
	srv, err := emulator.New(&emulator.Scenario{Account: admin, Rate: &emulator.Rate{PerSecond: 1000, Burst: 1000},
		Findings: held.asff, FindingsV2: held.ocsf, EmptyPages: held.empty,
		Members: []emulator.Member{
			{Account: usedAndOld, Regions: []string{home}, Root: emulator.Root{Keys: []emulator.RootKey{
				{ID: usedKey, Active: true, Created: now.AddDate(-1, 0, 0), LastUsed: now.Add(-time.Minute), LastUsedRegion: home, LastUsedService: "ec2"},
				{ID: unusedKey, Active: true, Created: now.AddDate(-2, 0, 0), LastUsed: now.AddDate(0, 0, -200), LastUsedRegion: "us-east-1", LastUsedService: "iam"},
			}}, Generate: []emulator.Generator{{Region: home, Count: 12, Days: 20, Key: usedKey, IPs: []string{"203.0.113.9"}}}},
			{Account: docKeys, Regions: []string{home}, Root: emulator.Root{Keys: []emulator.RootKey{
				{ID: docUsed, Active: true, Created: now.AddDate(-1, 0, 0), LastUsed: now.Add(-time.Minute), LastUsedRegion: home, LastUsedService: "ec2"},
				{ID: docUnused, Active: true, Created: now.AddDate(-2, 0, 0), LastUsed: now.AddDate(0, 0, -200), LastUsedRegion: "us-east-1", LastUsedService: "iam"},
			}}, Generate: []emulator.Generator{{Region: home, Count: 3, Days: 20, Key: docUsed, IPs: []string{"203.0.113.9"}}}},
			{Account: onlyUnused, Regions: []string{home}, Root: emulator.Root{Keys: []emulator.RootKey{
				{ID: lonelyKey, Active: true, Created: now.AddDate(-3, 0, 0)},
			}}},
			// The rotation: the old key made management calls until 31 days ago and is
			// gone; the current key, created 30 days ago, is used daily for S3 object calls,
			// which event history never holds.
			{Account: rotated, Regions: []string{home}, Root: emulator.Root{Keys: []emulator.RootKey{
				{ID: currentKey, Active: true, Created: now.AddDate(0, 0, -30), LastUsed: now.Add(-20 * time.Hour), LastUsedRegion: home, LastUsedService: "s3"},
			}}, Events: formerCalls(t, now, 5)},
			// Unused for two years, then used an hour ago for S3 object calls only: a credential
			// report generated before that (IAM keeps one up to four hours, the evidence may be
			// older still) shows it never used, and event history never holds the calls.
			{Account: stale, Regions: []string{home}, Root: emulator.Root{Keys: []emulator.RootKey{
				{ID: staleKey, Active: true, Created: now.AddDate(-2, 0, 0), LastUsed: now.Add(-time.Hour), LastUsedRegion: home, LastUsedService: "s3"},
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
	return &rig{srv: srv, clients: clients, now: now, guard: &Guard{
		Mode: mode, Management: admin,
		Findings: SecurityHubProof{Hub: func(region string) HubAPI {
			return securityhub.NewFromConfig(cfg, func(o *securityhub.Options) { o.Region = region })
		}},
		Sessions: AssumeRoot{STS: stsClient, Config: cfg},
		Search:   TrailSearch{Clients: clients, Regions: regions},
	}}
}

// genuine is a rig whose Security Hub holds the genuine FAILED finding of every member, and the
// finding of account to act on.
func genuine(t *testing.T, mode Mode, account string) (*rig, finding.Finding) {
	t.Helper()
	var held hub
	var event []byte
	for _, a := range []string{usedAndOld, onlyUnused, rotated, stale, docKeys} {
		ev, f := asff(t, a, nil)
		held.asff = append(held.asff, f)
		if a == account {
			event = ev
		}
	}
	return setup(t, mode, held), parsed(t, event)
}

func (r *rig) evidence(t *testing.T, account string, lookback time.Duration) investigation.Result {
	t.Helper()
	c, _ := r.clients(t.Context(), account)
	res, err := investigation.Investigate(t.Context(), c, investigation.Options{Account: account, Regions: regions, Lookback: lookback})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func dos(o Outcome) []string {
	var out []string
	for _, a := range o.Actions {
		out = append(out, a.Key+" "+a.Do+" "+a.Code)
	}
	return out
}

func TestUsedKeyUntouchedUnusedKeyDeleted(t *testing.T) {
	r, f := genuine(t, DeleteUnused, usedAndOld)
	o := r.guard.Run(t.Context(), f, r.evidence(t, usedAndOld, 0))
	want := []string{"AKIA…0002 deleted used_before_lookback", "AKIA…0001 kept used"}
	if diff := cmp.Diff(want, dos(o)); diff != "" {
		t.Errorf("actions (-want +got):\n%s\n%+v", diff, o)
	}
	if r.srv.DeletedKeys.Load() != 1 {
		t.Errorf("%d keys deleted, want 1", r.srv.DeletedKeys.Load())
	}
	for _, a := range o.Actions {
		if !slices.Contains(WhyCodes, a.Why.Code) {
			t.Errorf("%s without a reason", a.Do)
		}
	}
	// Retried (Lambda retries the invocation): the deleted key is gone, nothing else happens.
	again := r.guard.Run(t.Context(), f, r.evidence(t, usedAndOld, 0))
	if diff := cmp.Diff([]string{"AKIA…0001 kept used"}, dos(again)); diff != "" || r.srv.DeletedKeys.Load() != 1 {
		t.Errorf("retry (-want +got):\n%s", diff)
	}
}

func TestDryRunChangesNothing(t *testing.T) {
	r, f := genuine(t, DryRun, onlyUnused)
	o := r.guard.Run(t.Context(), f, r.evidence(t, onlyUnused, 0))
	if diff := cmp.Diff([]string{"AKIA…0003 would delete never_used"}, dos(o)); diff != "" {
		t.Errorf("actions (-want +got):\n%s", diff)
	}
	if w := o.Actions[0].Why; w.Code != WhyUnusedNever || w.Params["days"] != "90" || w.Params["regions"] != "2" {
		t.Errorf("reason: %q", o.Actions[0].Why)
	}
	if r.srv.DeletedKeys.Load() != 0 {
		t.Error("dry-run deleted a key")
	}
}

// TestOnlySecurityHubsOwnFindingActs: issue 11, "Nothing checks where a finding came from".
// Each case is what Security Hub holds and the event the responder receives.
func TestOnlySecurityHubsOwnFindingActs(t *testing.T) {
	forge := func(f map[string]any) { // what a member principal can import with BatchImportFindings
		f["ProductArn"] = "arn:aws:securityhub:" + home + ":" + onlyUnused + ":product/" + onlyUnused + "/default"
		f["Id"] = "forged-iam4-" + onlyUnused
		f["GeneratorId"] = "aws-foundational-security-best-practices/v/1.0.0/IAM.4"
	}
	set := func(path ...string) func(v any) func(map[string]any) {
		return func(v any) func(map[string]any) {
			return func(f map[string]any) {
				m := f
				for _, k := range path[:len(path)-1] {
					m = m[k].(map[string]any)
				}
				m[path[len(path)-1]] = v
			}
		}
	}
	suppressed := set("Workflow", "Status")("SUPPRESSED")
	tests := []struct {
		name    string
		held    func(t *testing.T) hub
		event   func(t *testing.T) []byte
		deleted int64
		refused string // in Outcome.Refused; "" when containment proceeds
	}{
		{"Security Hub's own FAILED finding proceeds",
			func(t *testing.T) hub { _, f := asff(t, onlyUnused, nil); return hub{asff: []json.RawMessage{f}} },
			func(t *testing.T) []byte { e, _ := asff(t, onlyUnused, nil); return e }, 1, ""},
		{"a finding imported under the member's default product with GeneratorId …/IAM.4 deletes nothing",
			func(t *testing.T) hub { _, f := asff(t, onlyUnused, forge); return hub{asff: []json.RawMessage{f}} },
			func(t *testing.T) []byte { e, _ := asff(t, onlyUnused, forge); return e }, 0, RefusedNotProven},
		{"a forged FAILED while the genuine finding is SUPPRESSED deletes nothing",
			func(t *testing.T) hub {
				_, g := asff(t, onlyUnused, suppressed)
				_, f := asff(t, onlyUnused, forge)
				return hub{asff: []json.RawMessage{g, f}}
			},
			func(t *testing.T) []byte { e, _ := asff(t, onlyUnused, forge); return e }, 0, RefusedNotProven},
		{"an event claiming FAILED and NEW for a finding Security Hub holds SUPPRESSED deletes nothing",
			func(t *testing.T) hub {
				_, g := asff(t, onlyUnused, suppressed)
				return hub{asff: []json.RawMessage{g}}
			},
			func(t *testing.T) []byte { e, _ := asff(t, onlyUnused, nil); return e }, 0, "SUPPRESSED"},
		{"a finding GetFindings does not return deletes nothing",
			func(*testing.T) hub { return hub{} },
			func(t *testing.T) []byte { e, _ := asff(t, onlyUnused, nil); return e }, 0, "returns 0 findings"},
		{"an archived finding deletes nothing",
			func(t *testing.T) hub {
				_, g := asff(t, onlyUnused, set("RecordState")("ARCHIVED"))
				return hub{asff: []json.RawMessage{g}}
			},
			func(t *testing.T) []byte { e, _ := asff(t, onlyUnused, nil); return e }, 0, "RecordState is \"ARCHIVED\""},
		{"a finding Security Hub holds as PASSED deletes nothing",
			func(t *testing.T) hub {
				_, g := asff(t, onlyUnused, set("Compliance", "Status")("PASSED"))
				return hub{asff: []json.RawMessage{g}}
			},
			func(t *testing.T) []byte { e, _ := asff(t, onlyUnused, nil); return e }, 0, "Compliance.Status is \"PASSED\""},
		{"Security Hub's copy is about another account than the event says",
			func(t *testing.T) hub {
				_, g := asff(t, onlyUnused, set("AwsAccountId")(usedAndOld))
				return hub{asff: []json.RawMessage{g}}
			},
			func(t *testing.T) []byte { e, _ := asff(t, onlyUnused, nil); return e }, 0, "AwsAccountId is \"" + usedAndOld + "\""},
		{"a finding of another control deletes nothing",
			func(t *testing.T) hub {
				_, g := asff(t, onlyUnused, set("Compliance", "SecurityControlId")("IAM.6"))
				return hub{asff: []json.RawMessage{g}}
			},
			func(t *testing.T) []byte { e, _ := asff(t, onlyUnused, nil); return e }, 0, "SecurityControlId is \"IAM.6\""},
		{"an event naming a Region where Security Hub does not hold the finding deletes nothing",
			func(t *testing.T) hub { _, g := asff(t, onlyUnused, nil); return hub{asff: []json.RawMessage{g}} },
			func(t *testing.T) []byte {
				e, _ := asff(t, onlyUnused, func(f map[string]any) {
					f["Region"], f["ProductArn"] = "eu-west-1", "arn:aws:securityhub:eu-west-1::product/aws/securityhub"
				})
				return e
			}, 0, "returns 0 findings"},
		// Security Hub names a finding by ProductArn and Id together: a member can import a
		// finding under its default product with the very Id of Security Hub's own.
		{"a forged PASSED with the genuine finding's id does not hide the genuine FAILED",
			func(t *testing.T) hub {
				_, g := asff(t, onlyUnused, nil)
				_, f := asff(t, onlyUnused, func(f map[string]any) {
					id := f["Id"]
					forge(f)
					f["Id"] = id
					f["Compliance"].(map[string]any)["Status"] = "PASSED"
				})
				return hub{asff: []json.RawMessage{g, f}}
			},
			func(t *testing.T) []byte { e, _ := asff(t, onlyUnused, nil); return e }, 1, ""},
		{"a forged FAILED with the id of a genuine PASSED deletes nothing",
			func(t *testing.T) hub {
				_, g := asff(t, onlyUnused, set("Compliance", "Status")("PASSED"))
				_, f := asff(t, onlyUnused, func(f map[string]any) { id := f["Id"]; forge(f); f["Id"] = id })
				return hub{asff: []json.RawMessage{f, g}}
			},
			func(t *testing.T) []byte {
				e, _ := asff(t, onlyUnused, func(f map[string]any) { id := f["Id"]; forge(f); f["Id"] = id })
				return e
			}, 0, "not Security Hub's"},
		{"a forged FAILED with the id of a genuine PASSED, in an event claiming Security Hub's product, deletes nothing",
			func(t *testing.T) hub {
				_, g := asff(t, onlyUnused, set("Compliance", "Status")("PASSED"))
				_, f := asff(t, onlyUnused, func(f map[string]any) { id := f["Id"]; forge(f); f["Id"] = id })
				return hub{asff: []json.RawMessage{g, f}}
			},
			func(t *testing.T) []byte { e, _ := asff(t, onlyUnused, nil); return e }, 0, "Compliance.Status is \"PASSED\""},
		{"Security Hub's own FAILED finding after two empty pages proceeds",
			func(t *testing.T) hub {
				_, f := asff(t, onlyUnused, nil)
				return hub{asff: []json.RawMessage{f}, empty: 2}
			},
			func(t *testing.T) []byte { e, _ := asff(t, onlyUnused, nil); return e }, 1, ""},
		{"a forged FAILED after empty pages, with a genuine PASSED of its id, deletes nothing",
			func(t *testing.T) hub {
				_, g := asff(t, onlyUnused, set("Compliance", "Status")("PASSED"))
				_, f := asff(t, onlyUnused, func(f map[string]any) { id := f["Id"]; forge(f); f["Id"] = id })
				return hub{asff: []json.RawMessage{f, g}, empty: 3}
			},
			func(t *testing.T) []byte { e, _ := asff(t, onlyUnused, nil); return e }, 0, "Compliance.Status is \"PASSED\""},
		{"Security Hub's own OCSF finding after two empty pages proceeds",
			func(t *testing.T) hub {
				_, f := ocsf(t, onlyUnused, nil)
				return hub{ocsf: []json.RawMessage{f}, empty: 2}
			},
			func(t *testing.T) []byte { e, _ := ocsf(t, onlyUnused, nil); return e }, 1, ""},
		{"an OCSF finding in status Other deletes nothing",
			func(t *testing.T) hub {
				_, f := ocsf(t, onlyUnused, func(f map[string]any) { f["status"], f["status_id"] = "Other", 99 })
				return hub{ocsf: []json.RawMessage{f}}
			},
			func(t *testing.T) []byte { e, _ := ocsf(t, onlyUnused, nil); return e }, 0, "status"},
		{"an OCSF finding in status Unknown deletes nothing",
			func(t *testing.T) hub {
				_, f := ocsf(t, onlyUnused, func(f map[string]any) { f["status"], f["status_id"] = "Unknown", 0 })
				return hub{ocsf: []json.RawMessage{f}}
			},
			func(t *testing.T) []byte { e, _ := ocsf(t, onlyUnused, nil); return e }, 0, "status"},
		{"an OCSF finding In Progress (notified) proceeds",
			func(t *testing.T) hub {
				_, f := ocsf(t, onlyUnused, func(f map[string]any) { f["status"], f["status_id"] = "In Progress", 2 })
				return hub{ocsf: []json.RawMessage{f}}
			},
			func(t *testing.T) []byte { e, _ := ocsf(t, onlyUnused, nil); return e }, 1, ""},
		{"Security Hub's own OCSF finding proceeds",
			func(t *testing.T) hub { _, f := ocsf(t, onlyUnused, nil); return hub{ocsf: []json.RawMessage{f}} },
			func(t *testing.T) []byte { e, _ := ocsf(t, onlyUnused, nil); return e }, 1, ""},
		{"an OCSF finding of another product deletes nothing",
			func(t *testing.T) hub {
				_, f := ocsf(t, onlyUnused, func(f map[string]any) {
					f["metadata"].(map[string]any)["product"].(map[string]any)["uid"] = "arn:aws:securityhub:us-east-2:" + onlyUnused + ":product/" + onlyUnused + "/default"
				})
				return hub{ocsf: []json.RawMessage{f}}
			},
			func(t *testing.T) []byte {
				e, _ := ocsf(t, onlyUnused, func(f map[string]any) {
					f["metadata"].(map[string]any)["product"].(map[string]any)["uid"] = "arn:aws:securityhub:us-east-2:" + onlyUnused + ":product/" + onlyUnused + "/default"
				})
				return e
			}, 0, RefusedNotProven},
		{"an OCSF finding Security Hub holds as Suppressed deletes nothing",
			func(t *testing.T) hub {
				_, f := ocsf(t, onlyUnused, func(f map[string]any) { f["status"], f["status_id"] = "Suppressed", 3 })
				return hub{ocsf: []json.RawMessage{f}}
			},
			func(t *testing.T) []byte { e, _ := ocsf(t, onlyUnused, nil); return e }, 0, "SUPPRESSED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := setup(t, DeleteUnused, tt.held(t))
			f := parsed(t, tt.event(t))
			o := r.guard.Run(t.Context(), f, r.evidence(t, onlyUnused, 0))
			if got := o.Refused + ": " + o.RefusedError; !strings.Contains(got, tt.refused) || (tt.refused == "" && o.Refused != "") {
				t.Errorf("refused = %q, want it to hold %q", o.Refused, tt.refused)
			}
			if got := r.srv.DeletedKeys.Load(); got != tt.deleted {
				t.Errorf("%d keys deleted, want %d (%+v)", got, tt.deleted, o)
			}
			if tt.refused != "" && r.srv.RootSessions.Load() != 0 {
				t.Errorf("%d root sessions opened for an unproven finding", r.srv.RootSessions.Load())
			}
		})
	}
}

// TestRotatedKeyInUseIsNeverDeleted is issue 11's first scenario: the old key's management calls
// are in CloudTrail, the current key is used daily for S3 object calls only. Counting keys (one
// used per the report, one seen in CloudTrail) called the current key unused and deleted it.
func TestRotatedKeyInUseIsNeverDeleted(t *testing.T) {
	r, f := genuine(t, DeleteUnused, rotated)
	res := r.evidence(t, rotated, 0)
	if len(res.Keys) != 1 || res.Keys[0].KeyID != formerKey {
		t.Fatalf("CloudTrail shows %+v, want the former key only", res.Keys)
	}
	o := r.guard.Run(t.Context(), f, res)
	if diff := cmp.Diff([]string{"AKIA…0004 refused other_key_unexplained"}, dos(o)); diff != "" {
		t.Errorf("actions (-want +got):\n%s", diff)
	}
	if why := o.Actions[0].Why.String(); !strings.Contains(why, "slot=1") || !strings.Contains(why, "s3") {
		t.Errorf("reason does not name the slot and its use: %q", why)
	}
	if n := r.srv.DeletedKeys.Load(); n != 0 {
		t.Errorf("%d keys deleted: the current key is in use", n)
	}
	// The ticket says the same from the same evidence.
	if res.Advice.Decision != advice.Unexplained {
		t.Errorf("ticket decision = %s, want %s", res.Advice.Decision, advice.Unexplained)
	}
}

// TestUseAfterTheReportKeepsTheKey: the credential report the evidence holds was generated
// before the key's first use in years, which was S3 object calls only (data events, never in
// event history). Report and CloudTrail both say unused; IAM's own last-used record of the key,
// read in the root session right before acting, does not.
func TestUseAfterTheReportKeepsTheKey(t *testing.T) {
	for _, mode := range []Mode{DryRun, DeleteUnused} {
		t.Run(string(mode), func(t *testing.T) {
			r, f := genuine(t, mode, stale)
			res := r.evidence(t, stale, 0)
			res.Inventory.Report.Keys[0].LastUsed = nil // "N/A", as the older report shows it
			res.Inventory.Report.Keys[0].LastUsedRegion, res.Inventory.Report.Keys[0].LastUsedService = "", ""
			o := r.guard.Run(t.Context(), f, res)
			if diff := cmp.Diff([]string{"AKIA…0006 kept " + string(advice.UsedUnexplained)}, dos(o)); diff != "" {
				t.Errorf("actions (-want +got):\n%s", diff)
			}
			if len(o.Actions) == 1 && !strings.Contains(o.Actions[0].Why.String(), "s3") {
				t.Errorf("reason does not name the use IAM records: %q", o.Actions[0].Why)
			}
			if n := r.srv.DeletedKeys.Load(); n != 0 {
				t.Errorf("%d keys deleted: the key was used an hour ago", n)
			}
		})
	}
}

// TestEvidenceThatCannotProveNonUseRefuses: the rule's other "not unused" verdicts, on the
// evidence gathered from the emulator and then degraded as production can see it.
func TestEvidenceThatCannotProveNonUseRefuses(t *testing.T) {
	tests := []struct {
		name string
		edit func(r *rig, res *investigation.Result)
		want string
	}{
		{"a CloudTrail gap", func(_ *rig, res *investigation.Result) {
			res.Coverage.Gaps = append(res.Coverage.Gaps, evidence.Gap{Region: "eu-west-1", From: res.WindowStart, To: res.WindowEnd, Reason: "deadline"})
		}, "AKIA…0003 refused evidence_incomplete"},
		{"the credential report unreadable", func(_ *rig, res *investigation.Result) {
			res.Inventory.Report, res.Inventory.ReportError = nil, "ReportInProgress"
		}, "AKIA…0003 refused report_unreadable"},
		{"the report shows use an hour ago that CloudTrail lacks (data events)", func(r *rig, res *investigation.Result) {
			recent := r.now.Add(-time.Hour)
			res.Inventory.Report.Keys[0].LastUsed = &recent
		}, "AKIA…0003 refused other_key_unexplained"},
		{"no slot of the report has the key's creation date", func(r *rig, res *investigation.Result) {
			other := r.now.AddDate(0, -1, 0)
			res.Inventory.Report.Keys[0].LastRotated = &other
		}, "AKIA…0003 refused not_in_report"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, f := genuine(t, DeleteUnused, onlyUnused)
			res := r.evidence(t, onlyUnused, 0)
			tt.edit(r, &res)
			o := r.guard.Run(t.Context(), f, res)
			if diff := cmp.Diff([]string{tt.want}, dos(o)); diff != "" {
				t.Errorf("actions (-want +got):\n%s", diff)
			}
			if r.srv.DeletedKeys.Load() != 0 {
				t.Error("deleted a key the evidence cannot show unused")
			}
		})
	}
}

// TestOneLookbackForTicketAndContainment: issue 12, "Two definitions of unused". With a 30-day
// lookback and a key last used 45 days ago, the ticket and containment both call it unused; with
// 90 days both refuse. They read one rule.
func TestOneLookbackForTicketAndContainment(t *testing.T) {
	tests := []struct {
		name     string
		lookback time.Duration
		ticket   advice.Decision
		action   string
	}{
		{"30 days: unused in both", 30 * 24 * time.Hour, advice.Unused, "AKIA…0003 would delete used_before_lookback"},
		{"90 days: used in both, and unexplained", 90 * 24 * time.Hour, advice.Unexplained, "AKIA…0003 refused other_key_unexplained"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, f := genuine(t, DryRun, onlyUnused)
			r.guard.Lookback = tt.lookback
			r.guard.Search = TrailSearch{Clients: r.clients, Regions: regions, Lookback: tt.lookback}
			res := r.evidence(t, onlyUnused, tt.lookback)
			// The report's slot last used 45 days ago, as the credential report would show it;
			// the ticket is drawn again from the same edited evidence, as the handler draws it.
			used := r.now.AddDate(0, 0, -45)
			res.Inventory.Report.Keys[0].LastUsed = &used
			res.Advice = advice.Advise(advice.Input{Usage: res.Summary, Inventory: *res.Inventory, Coverage: *res.Coverage,
				Now: r.now, Lookback: tt.lookback})
			o := r.guard.Run(t.Context(), f, res)
			if res.Advice.Decision != tt.ticket {
				t.Errorf("ticket decision = %s, want %s", res.Advice.Decision, tt.ticket)
			}
			if diff := cmp.Diff([]string{tt.action}, dos(o)); diff != "" {
				t.Errorf("actions (-want +got):\n%s", diff)
			}
		})
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
		{"the management account is refused", DeleteUnused, admin, nil, RefusedManagement},
		{"a denylisted account is refused", DeleteUnused, onlyUnused, func(g *Guard) { g.Deny = []string{onlyUnused} }, RefusedDenied},
		{"an account off the allowlist is refused", DeleteUnused, onlyUnused, func(g *Guard) { g.Allow = []string{usedAndOld} }, RefusedNotAllowed},
		{"no way to re-read the finding is refused", DeleteUnused, onlyUnused, func(g *Guard) { g.Findings = nil }, RefusedNoReader},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := setup(t, tt.mode, hub{})
			if tt.edit != nil {
				tt.edit(r.guard)
			}
			o := r.guard.Run(t.Context(), finding.Finding{AccountID: tt.account}, investigation.Result{})
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

// failingDelete is a root session whose DeleteAccessKey fails with a message quoting the key id,
// as IAM's own messages do.
type failingDelete struct{ RootIAM }

func (failingDelete) DeleteAccessKey(_ context.Context, in *iam.DeleteAccessKeyInput, _ ...func(*iam.Options)) (*iam.DeleteAccessKeyOutput, error) {
	return nil, fmt.Errorf("ServiceFailure: could not delete the access key with id %s", aws.ToString(in.AccessKeyId))
}

type sessions struct {
	Sessions
	delete RootIAM
}

func (s sessions) Root(ctx context.Context, account, task string) (RootIAM, error) {
	if task == TaskDelete {
		return s.delete, nil
	}
	return s.Sessions.Root(ctx, account, task)
}

// TestNoWholeKeyIDInAnyOutcome: outcomes reach tickets, notes and logs; a whole key id must not,
// even when an AWS error message quotes it.
func TestNoWholeKeyIDInAnyOutcome(t *testing.T) {
	r, f := genuine(t, DeleteUnused, usedAndOld)
	del, err := r.guard.Sessions.Root(t.Context(), usedAndOld, TaskDelete)
	if err != nil {
		t.Fatal(err)
	}
	r.guard.Sessions = sessions{Sessions: r.guard.Sessions, delete: failingDelete{del}}
	o := r.guard.Run(t.Context(), f, r.evidence(t, usedAndOld, 0))
	if diff := cmp.Diff([]string{"AKIA…0002 refused delete_failed", "AKIA…0001 kept used"}, dos(o)); diff != "" {
		t.Errorf("actions (-want +got):\n%s", diff)
	}
	b, _ := json.Marshal(o)
	for _, id := range []string{usedKey, unusedKey} {
		if strings.Contains(string(b), id) || strings.Contains(fmt.Sprintf("%+v", o), id) {
			t.Errorf("the outcome prints %s whole: %s", evidence.MaskKey(id), b)
		}
	}
	if !strings.Contains(o.Actions[0].Why.String(), "AKIA…0002") {
		t.Errorf("the failure's reason lost the masked id: %q", o.Actions[0].Why)
	}
}

// Keys that agree in their last four characters never print alike: the outcome tells which was
// deleted and which kept, and the evidence's mask of the used key is the end of the outcome's.
func TestKeysThatEndAlikePrintApart(t *testing.T) {
	r, f := genuine(t, DeleteUnused, docKeys)
	res := r.evidence(t, docKeys, 0)
	o := r.guard.Run(t.Context(), f, res)
	want := []string{"AKIA…BEXAMPLE deleted used_before_lookback", "AKIA…7EXAMPLE kept used"}
	if diff := cmp.Diff(want, dos(o)); diff != "" {
		t.Errorf("actions (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"AKIA…BEXAMPLE", "AKIA…7EXAMPLE"}, o.Keys); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
	if len(res.Keys) != 1 || res.Keys[0].ID != "AKIA…MPLE" {
		t.Fatalf("evidence keys = %+v, want the used key alone, as AKIA…MPLE", res.Keys)
	}
}

// lostAnswer is a delete session whose DeleteAccessKey reaches IAM and acts, and whose answer is
// lost: the invocation's deadline passes, or the connection drops, after IAM deleted the key.
type lostAnswer struct{ RootIAM }

func (l lostAnswer) DeleteAccessKey(ctx context.Context, in *iam.DeleteAccessKeyInput, opts ...func(*iam.Options)) (*iam.DeleteAccessKeyOutput, error) {
	if _, err := l.RootIAM.DeleteAccessKey(ctx, in, opts...); err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("operation error IAM: DeleteAccessKey, %w", context.DeadlineExceeded)
}

// TestLostDeleteAnswerIsNotReportedAsKept: the outcome reaches the ticket, and ops act on it. A
// deletion whose answer was lost must not be reported as a refusal of a key that still exists.
func TestLostDeleteAnswerIsNotReportedAsKept(t *testing.T) {
	r, f := genuine(t, DeleteUnused, onlyUnused)
	del, err := r.guard.Sessions.Root(t.Context(), onlyUnused, TaskDelete)
	if err != nil {
		t.Fatal(err)
	}
	r.guard.Sessions = sessions{Sessions: r.guard.Sessions, delete: lostAnswer{del}}
	o := r.guard.Run(t.Context(), f, r.evidence(t, onlyUnused, 0))
	if r.srv.DeletedKeys.Load() != 1 {
		t.Fatalf("%d keys deleted, want the one IAM deleted before the answer was lost", r.srv.DeletedKeys.Load())
	}
	if diff := cmp.Diff([]string{"AKIA…0003 deleted never_used"}, dos(o)); diff != "" {
		t.Errorf("actions (-want +got):\n%s\n%+v", diff, o)
	}
}

// TestRecheckMustSpanTheLookback: the re-check by key id is the last word on CloudTrail; one that
// reads less than the window the verdict was judged over (a shorter search lookback, evidence
// reused from an earlier run) proves nothing about the rest of it.
func TestRecheckMustSpanTheLookback(t *testing.T) {
	tests := []struct {
		name          string
		rule, recheck time.Duration
		want          string
	}{
		{"the same window proceeds", 0, 0, "AKIA…0003 would delete never_used"},
		{"a 7-day re-check of a 90-day verdict refuses", 0, 7 * 24 * time.Hour, "AKIA…0003 refused recheck_failed"},
		{"a 30-day re-check of a 30-day verdict proceeds", 30 * 24 * time.Hour, 30 * 24 * time.Hour, "AKIA…0003 would delete never_used"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, f := genuine(t, DryRun, onlyUnused)
			r.guard.Lookback = tt.rule
			r.guard.Search = TrailSearch{Clients: r.clients, Regions: regions, Lookback: tt.recheck}
			o := r.guard.Run(t.Context(), f, r.evidence(t, onlyUnused, tt.rule))
			if diff := cmp.Diff([]string{tt.want}, dos(o)); diff != "" {
				t.Errorf("actions (-want +got):\n%s\n%+v", diff, o)
			}
		})
	}
}

// quotingGap is the re-check's search with one Region's lookup failing by an error that quotes
// the lookup attribute, the whole key id, as AWS validation messages quote the value refused.
type quotingGap struct{ Searcher }

func (q quotingGap) KeyUse(ctx context.Context, account, keyID string) (int, evidence.Coverage, error) {
	n, cov, err := q.Searcher.KeyUse(ctx, account, keyID)
	cov.Gaps = append(cov.Gaps, evidence.Gap{Region: "eu-west-1", From: cov.Start, To: cov.End,
		Reason: "lookup root events in eu-west-1: InvalidLookupAttributesException: AccessKeyId " + keyID + " is not valid"})
	return n, cov, err
}

// TestNoWholeKeyIDInARecheckGap: a re-check gap's reason reaches the outcome's "why".
func TestNoWholeKeyIDInARecheckGap(t *testing.T) {
	r, f := genuine(t, DeleteUnused, onlyUnused)
	r.guard.Search = quotingGap{r.guard.Search}
	o := r.guard.Run(t.Context(), f, r.evidence(t, onlyUnused, 0))
	if diff := cmp.Diff([]string{"AKIA…0003 refused recheck_failed"}, dos(o)); diff != "" {
		t.Errorf("actions (-want +got):\n%s", diff)
	}
	if b, _ := json.Marshal(o); strings.Contains(string(b), lonelyKey) {
		t.Errorf("the outcome prints the key id whole: %s", b)
	}
}

// TestKeyIdentityAcrossReportAndListing: the credential report names slots, ListAccessKeys ids
// with creation dates; the join must never hand one key's use to another. Each case edits the
// report of the account with one key in use and one unused for 200 days, as production can
// show it.
func TestKeyIdentityAcrossReportAndListing(t *testing.T) {
	slotOf := func(res *investigation.Result, created time.Time) *evidence.ReportKey {
		for i, s := range res.Inventory.Report.Keys {
			if s.LastRotated != nil && s.LastRotated.Sub(created).Abs() <= time.Second {
				return &res.Inventory.Report.Keys[i]
			}
		}
		t.Fatalf("no slot created %s", created)
		return nil
	}
	tests := []struct {
		name    string
		edit    func(r *rig, res *investigation.Result)
		want    []string
		deleted int64
	}{
		{"last_rotated in another time zone and with milliseconds still joins",
			func(r *rig, res *investigation.Result) {
				s := slotOf(res, r.now.AddDate(-2, 0, 0))
				at := s.LastRotated.Add(400 * time.Millisecond).In(time.FixedZone("UTC+5:30", 19800))
				s.LastRotated = &at
			}, []string{"AKIA…0002 deleted used_before_lookback", "AKIA…0001 kept used"}, 1},
		{"two slots created the same second join neither key, and the used slot refuses both",
			func(r *rig, res *investigation.Result) {
				old := *slotOf(res, r.now.AddDate(-2, 0, 0)).LastRotated
				slotOf(res, r.now.AddDate(-1, 0, 0)).LastRotated = &old
			}, []string{"AKIA…0002 refused other_key_unexplained", "AKIA…0001 refused other_key_unexplained"}, 0},
		{"a report generated before a rotation: the used slot is a key no longer listed",
			func(r *rig, res *investigation.Result) {
				s := slotOf(res, r.now.AddDate(-1, 0, 0))
				gone := r.now.AddDate(-3, 0, 0)
				s.LastRotated = &gone
			}, []string{"AKIA…0002 refused other_key_unexplained", "AKIA…0001 refused other_key_unexplained"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, f := genuine(t, DeleteUnused, usedAndOld)
			res := r.evidence(t, usedAndOld, 0)
			tt.edit(r, &res)
			o := r.guard.Run(t.Context(), f, res)
			if diff := cmp.Diff(tt.want, dos(o)); diff != "" {
				t.Errorf("actions (-want +got):\n%s\n%+v", diff, o)
			}
			if n := r.srv.DeletedKeys.Load(); n != tt.deleted {
				t.Errorf("%d keys deleted, want %d", n, tt.deleted)
			}
		})
	}
}

// TestTwoInvocationsContainOneAccount: IAM.4 is evaluated in every Region, so two findings of one
// account can contain it at the same moment. One deletion, and only one outcome may claim it.
func TestTwoInvocationsContainOneAccount(t *testing.T) {
	for round := range 5 {
		t.Run(fmt.Sprint(round), func(t *testing.T) {
			r, f := genuine(t, DeleteUnused, onlyUnused)
			res := r.evidence(t, onlyUnused, 0)
			outs := make(chan Outcome, 2)
			for range 2 {
				go func() { outs <- r.guard.Run(t.Context(), f, res) }()
			}
			claimed := 0
			for range 2 {
				for _, a := range (<-outs).Actions {
					if a.Do == "deleted" {
						claimed++
					}
				}
			}
			if n := r.srv.DeletedKeys.Load(); n != 1 || claimed != 1 {
				t.Errorf("%d keys deleted, %d outcomes claim the deletion; want 1 and 1", n, claimed)
			}
		})
	}
}

// recordingSTS keeps the task policy ARN of every AssumeRoot call.
type recordingSTS struct {
	STSAPI
	tasks *[]string
}

func (r recordingSTS) AssumeRoot(ctx context.Context, in *sts.AssumeRootInput, opts ...func(*sts.Options)) (*sts.AssumeRootOutput, error) {
	*r.tasks = append(*r.tasks, aws.ToString(in.TaskPolicyArn.Arn))
	return r.STSAPI.AssumeRoot(ctx, in, opts...)
}

// TestRootTaskPolicyInTheFunctionsPartition: AssumeRoot takes the root-task policy of the
// partition the function runs in (arn:aws-us-gov:iam::aws:policy/root-task/… in GovCloud); the
// aws partition's ARN there is refused, and containment would never work.
func TestRootTaskPolicyInTheFunctionsPartition(t *testing.T) {
	tests := []struct{ region, want string }{
		{"us-west-2", "arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials"},
		{"us-gov-west-1", "arn:aws-us-gov:iam::aws:policy/root-task/IAMAuditRootUserCredentials"},
		{"cn-north-1", "arn:aws-cn:iam::aws:policy/root-task/IAMAuditRootUserCredentials"},
	}
	for _, tt := range tests {
		t.Run(tt.region, func(t *testing.T) {
			r := setup(t, DryRun, hub{})
			var tasks []string
			ar := r.guard.Sessions.(AssumeRoot)
			ar.STS = recordingSTS{ar.STS, &tasks}
			ar.Config.Region = tt.region
			sess, err := ar.Root(t.Context(), onlyUnused, TaskAudit)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := sess.ListAccessKeys(t.Context(), &iam.ListAccessKeysInput{}); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{tt.want}, tasks); diff != "" {
				t.Errorf("task policies (-want +got):\n%s", diff)
			}
		})
	}
}

// deletedMeanwhile is a delete session where another invocation deletes the key just before
// this one reads its last use.
type deletedMeanwhile struct{ RootIAM }

func (d deletedMeanwhile) GetAccessKeyLastUsed(ctx context.Context, in *iam.GetAccessKeyLastUsedInput, opts ...func(*iam.Options)) (*iam.GetAccessKeyLastUsedOutput, error) {
	if _, err := d.RootIAM.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{AccessKeyId: in.AccessKeyId}); err != nil {
		return nil, err
	}
	return d.RootIAM.GetAccessKeyLastUsed(ctx, in, opts...)
}

// TestKeyDeletedByAnotherInvocationMeanwhile: the outcome says the key is gone, not that it was
// refused (which would tell ops the key still exists).
func TestKeyDeletedByAnotherInvocationMeanwhile(t *testing.T) {
	r, f := genuine(t, DeleteUnused, onlyUnused)
	del, err := r.guard.Sessions.Root(t.Context(), onlyUnused, TaskDelete)
	if err != nil {
		t.Fatal(err)
	}
	r.guard.Sessions = sessions{Sessions: r.guard.Sessions, delete: deletedMeanwhile{del}}
	o := r.guard.Run(t.Context(), f, r.evidence(t, onlyUnused, 0))
	if diff := cmp.Diff([]string{"AKIA…0003 already deleted never_used"}, dos(o)); diff != "" {
		t.Errorf("actions (-want +got):\n%s\n%+v", diff, o)
	}
	if n := r.srv.DeletedKeys.Load(); n != 1 {
		t.Errorf("%d keys deleted, want 1", n)
	}
}
