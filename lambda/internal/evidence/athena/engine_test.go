package athena

import (
	"net/http/httptest"
	"testing"
	"time"

	awsathena "github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/google/go-cmp/cmp"

	emuathena "github.com/iam4-responder/iam4-responder/internal/emulator/athena"
	"github.com/iam4-responder/iam4-responder/internal/testenv"
	"github.com/iam4-responder/iam4-responder/internal/trailgen"
	"github.com/iam4-responder/iam4-responder/lambda/internal/evidence"
	"github.com/iam4-responder/iam4-responder/lambda/internal/evidence/awsip"
)

var heldOutNow = trailgen.HeldOutNow

// heldOutTrail places the held-out records in a trail's layout.
func heldOutTrail(t *testing.T, layout trailgen.Layout) string {
	t.Helper()
	recs, err := trailgen.HeldOut()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := trailgen.Place(dir, layout, recs); err != nil {
		t.Fatal(err)
	}
	return dir
}

// serve runs the Athena emulator over dir and returns a real SDK client pointed at it.
func serve(t *testing.T, dir string, o emuathena.Options) *awsathena.Client {
	t.Helper()
	srv, err := emuathena.New(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		hs.Close()
		srv.Close()
	})
	return awsathena.NewFromConfig(testenv.AWSConfig(hs.URL))
}

// keyView is what the runbook needs of a key: how often, when, from where, doing what. (The
// tool is left out: ToolOf reads S3's bracketed "[aws-cli/… botocore/…]" as boto3, a matter
// of package evidence.)
type keyView struct {
	ID       string
	Calls    int
	First    string
	Last     string
	IPs      []string
	Actions  map[string]int
	Resource []string
}

func view(s evidence.Summary) (kinds [4]int, keys []keyView) {
	kinds = [4]int{s.AccessKeyCalls, s.ConsoleCalls, s.SignIns, s.RootRecords}
	for _, k := range s.Keys {
		v := keyView{ID: k.ID, Calls: k.Calls, First: k.FirstUse.Format(time.RFC3339), Last: k.LastUse.Format(time.RFC3339),
			Actions: map[string]int{}}
		for _, ip := range k.SourceIPs {
			v.IPs = append(v.IPs, string(ip.IP))
		}
		for _, a := range k.Actions {
			v.Actions[a.Action] = a.Calls
			for _, r := range a.Resources {
				v.Resource = append(v.Resource, a.Action+" "+string(r))
			}
		}
		keys = append(keys, v)
	}
	return kinds, keys
}

func TestHeldOutTrailThroughTheEngine(t *testing.T) {
	wantKeys := []keyView{
		{ID: "AKIA…MPLE", Calls: 3, First: "2026-10-20T15:44:33Z", Last: "2026-10-26T02:00:09Z",
			IPs:     []string{"26.29.66.20"},
			Actions: map[string]int{"s3:GetObject": 2, "s3:PutObject": 1},
			Resource: []string{
				"s3:GetObject arn:aws:s3:::amzn-s3-demo-bucket1", "s3:GetObject arn:aws:s3:::amzn-s3-demo-bucket1/path/upload.sh",
				"s3:PutObject arn:aws:s3:::amzn-s3-demo-bucket1", "s3:PutObject arn:aws:s3:::amzn-s3-demo-bucket1/path/upload.sh",
			}},
		{ID: "AKIA…MPL0", Calls: 1, First: "2026-04-15T09:30:00Z", Last: "2026-04-15T09:30:00Z",
			IPs: []string{"192.0.2.0"}, Actions: map[string]int{"iam:EnableMFADevice": 1}},
	}
	for _, tc := range []struct {
		name     string
		layout   trailgen.Layout
		table    Table
		regions  []string
		lookback time.Duration
		kinds    [4]int // key calls, console calls, sign-ins, root records
		keys     []keyView
		data     int
	}{
		{
			name:   "a year of the organization trail finds the S3-only key and the key used 200 days ago",
			layout: trailgen.Layout{OrgID: "o-exampleorgid"}, lookback: DefaultLookback,
			kinds: [4]int{4, 1, 1, 6}, keys: wantKeys, data: 3,
		},
		{
			name: "an account trail's layout reads the same", layout: trailgen.Layout{}, lookback: DefaultLookback,
			table: Table{Database: "cloudtrail"}, regions: []string{"us-east-1", "eu-west-1"},
			kinds: [4]int{4, 1, 1, 6}, keys: wantKeys, data: 3,
		},
		{
			name: "90 days miss the key used 200 days ago", layout: trailgen.Layout{OrgID: "o-exampleorgid"},
			lookback: 90 * 24 * time.Hour, kinds: [4]int{3, 1, 1, 5}, keys: wantKeys[:1], data: 3,
		},
		{
			name: "a Region without the calls prunes them away", layout: trailgen.Layout{OrgID: "o-exampleorgid"},
			lookback: DefaultLookback, regions: []string{"eu-west-1"}, keys: nil,
		},
		{
			name:   "a table without an account partition filters on the recipient account",
			layout: trailgen.Layout{OrgID: "o-exampleorgid"}, lookback: DefaultLookback, table: Table{AccountColumn: "-"},
			kinds: [4]int{4, 1, 1, 6}, keys: wantKeys, data: 3,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			client := serve(t, heldOutTrail(t, tc.layout), emuathena.Options{Workgroup: "iam4"})
			table := tc.table
			table.Name, table.Workgroup = "cloudtrail_logs", "iam4"
			c := &Collector{API: client, Table: table, Regions: tc.regions, Poll: time.Millisecond}
			u := evidence.NewUsage(awsip.Snapshot())
			cov, err := c.Collect(t.Context(), Query{Account: "111122223333", Regions: tc.regions,
				From: heldOutNow.Add(-tc.lookback), To: heldOutNow}, u)
			if err != nil {
				t.Fatal(err)
			}
			if cov.Gap != "" {
				t.Fatalf("gap: %s", cov.Gap)
			}
			kinds, keys := view(u.Summary())
			if diff := cmp.Diff(tc.kinds, kinds); diff != "" {
				t.Errorf("key calls, console calls, sign-ins, root records (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.keys, keys); diff != "" {
				t.Errorf("keys (-want +got):\n%s", diff)
			}
			if cov.DataEventCalls != tc.data || cov.RootRecords != tc.kinds[3] {
				t.Errorf("data event calls %d, root records %d; want %d, %d", cov.DataEventCalls, cov.RootRecords, tc.data, tc.kinds[3])
			}
		})
	}
}
