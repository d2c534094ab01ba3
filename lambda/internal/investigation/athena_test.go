package investigation

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	awsathena "github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/google/go-cmp/cmp"

	"github.com/iam4-responder/iam4-responder/internal/emulator"
	emuathena "github.com/iam4-responder/iam4-responder/internal/emulator/athena"
	"github.com/iam4-responder/iam4-responder/internal/testenv"
	"github.com/iam4-responder/iam4-responder/internal/trailgen"
	"github.com/iam4-responder/iam4-responder/lambda/internal/evidence/athena"
	"github.com/iam4-responder/iam4-responder/lambda/internal/evidence/awsip"
)

// tailCall is a root key call of the last minutes: in event history, not yet in the trail.
const tailCall = `{"eventVersion":"1.08","userIdentity":{"type":"Root","principalId":"111122223333",
 "arn":"arn:aws:iam::111122223333:root","accountId":"111122223333","accessKeyId":"AKIAIOSFODNN7EXAMPLE"},
 "eventTime":"2026-10-31T23:55:00Z","eventSource":"sts.amazonaws.com","eventName":"GetCallerIdentity",
 "awsRegion":"us-east-1","sourceIPAddress":"26.29.66.20","userAgent":"aws-cli/1.18.39 Python/3.4.10 Darwin/18.7.0 botocore/1.15.39",
 "requestID":"tail-1","eventID":"tail-1","readOnly":true,"eventType":"AwsApiCall","managementEvent":true,
 "recipientAccountId":"111122223333","eventCategory":"Management"}`

// world serves the held-out account twice over, as AWS would: its trail in S3 (all events, on
// the Athena emulator) and its event history (management events only, on the project's
// emulator), both behind one address.
func world(t *testing.T) Clients {
	t.Helper()
	recs, err := trailgen.HeldOut()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := trailgen.Place(dir, trailgen.Layout{OrgID: "o-exampleorgid"}, recs); err != nil {
		t.Fatal(err)
	}
	s := &emulator.Scenario{Account: trailgen.HeldOutAccount, Now: trailgen.HeldOutNow, Regions: []string{"us-east-1"},
		Root: emulator.Root{Keys: []emulator.RootKey{
			{ID: "AKIAIOSFODNN7EXAMPLE", Active: true, Created: time.Date(2024, 1, 10, 0, 0, 0, 0, time.UTC),
				LastUsed: time.Date(2026, 10, 31, 23, 55, 0, 0, time.UTC), LastUsedRegion: "us-east-1", LastUsedService: "sts"},
			{ID: "AKIAI44QH8DHBEXAMPL0", Active: true, Created: time.Date(2023, 3, 1, 0, 0, 0, 0, time.UTC),
				LastUsed: time.Date(2026, 4, 15, 9, 30, 0, 0, time.UTC), LastUsedRegion: "us-east-1", LastUsedService: "iam"},
		}}}
	for _, r := range append(recs, json.RawMessage(tailCall)) {
		var rec struct {
			EventCategory      string `json:"eventCategory"`
			RecipientAccountID string `json:"recipientAccountId"`
		}
		if err := json.Unmarshal(r, &rec); err != nil {
			t.Fatal(err)
		}
		// Event history holds management events of its own account only.
		if rec.EventCategory != "Data" && rec.RecipientAccountID == trailgen.HeldOutAccount {
			s.Events = append(s.Events, r)
		}
	}
	emu, err := emulator.New(s, nil)
	if err != nil {
		t.Fatal(err)
	}
	ath, err := emuathena.New(dir, emuathena.Options{Workgroup: "iam4"})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(ath.Route(emu))
	t.Cleanup(func() {
		hs.Close()
		ath.Close()
	})
	cfg := testenv.AWSConfig(hs.URL)
	c := NewClients(cfg)
	c.Athena = awsathena.NewFromConfig(cfg)
	return c
}

func TestAthenaIsPrimaryAndEventHistoryCoversTheUndeliveredTail(t *testing.T) {
	type keyCalls struct {
		ID    string
		Calls int
	}
	type source struct {
		Name       string
		From, To   string
		DataEvents bool
		Read       bool
	}
	day := func(t time.Time) string { return t.Format(time.RFC3339) }
	for _, tc := range []struct {
		name      string
		athena    *AthenaSource
		keys      []keyCalls
		sources   []source
		partial   bool
		gapReason string
		decision  string
	}{
		{
			name:     "event history alone sees only the tail call: no S3 object call, nothing older than 90 days",
			keys:     []keyCalls{{"AKIA…MPLE", 1}},
			sources:  []source{{"lookup-events", "2026-08-03T00:00:00Z", "2026-11-01T00:00:00Z", false, true}},
			decision: "replace_with_user",
		},
		{
			name:   "Athena reads the year, data events included, and event history the last 15 minutes",
			athena: &AthenaSource{Table: athena.Table{Database: "cloudtrail", Name: "cloudtrail_logs", Workgroup: "iam4"}},
			keys:   []keyCalls{{"AKIA…MPLE", 4}, {"AKIA…MPL0", 1}},
			sources: []source{
				{"athena", "2025-11-01T00:00:00Z", "2026-10-31T23:45:00Z", true, true},
				{"lookup-events", "2026-10-31T23:45:00Z", "2026-11-01T00:00:00Z", false, true},
			},
			decision: "replace_with_user",
		},
		{
			name:   "a workgroup Athena refuses leaves a gap, and event history is read for its 90 days",
			athena: &AthenaSource{Table: athena.Table{Name: "cloudtrail_logs", Workgroup: "missing"}},
			keys:   []keyCalls{{"AKIA…MPLE", 1}},
			sources: []source{
				{"athena", "2025-11-01T00:00:00Z", "2026-10-31T23:45:00Z", true, false},
				{"lookup-events", "2026-08-03T00:00:00Z", "2026-11-01T00:00:00Z", false, true},
			},
			partial:   true,
			gapReason: "Athena: start query: InvalidRequestException: WorkGroup missing is not found.; event history",
			// The year asked for was not read: the key the credential report last saw 200 days ago
			// is use nothing explains, not a key unused before a 90-day window.
			decision: "unexplained_use",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Investigate(t.Context(), world(t), Options{
				Account: trailgen.HeldOutAccount, Regions: []string{"us-east-1"}, Ranges: awsip.Snapshot(),
				Now: func() time.Time { return trailgen.HeldOutNow }, Athena: tc.athena,
			})
			if err != nil {
				t.Fatal(err)
			}
			var keys []keyCalls
			for _, k := range res.Keys {
				keys = append(keys, keyCalls{k.ID, k.Calls})
			}
			var sources []source
			for _, s := range res.Sources {
				sources = append(sources, source{s.Name, day(s.From), day(s.To), s.DataEvents, s.Read})
			}
			if diff := cmp.Diff(tc.keys, keys); diff != "" {
				t.Errorf("keys (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.sources, sources); diff != "" {
				t.Errorf("sources (-want +got):\n%s", diff)
			}
			if res.Partial != tc.partial || string(res.Advice.Decision) != tc.decision {
				t.Errorf("partial %v, decision %s; want %v, %s", res.Partial, res.Advice.Decision, tc.partial, tc.decision)
			}
			if tc.gapReason != "" && (len(res.Coverage.Gaps) != 1 || !strings.HasPrefix(res.Coverage.Gaps[0].Reason, tc.gapReason)) {
				t.Errorf("gaps = %+v, want one starting %q", res.Coverage.Gaps, tc.gapReason)
			}
		})
	}
}
