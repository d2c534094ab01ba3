package trailgen

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// readTrail counts the records of every log file under dir by account, as their paths say.
func readTrail(t *testing.T, dir string) (files int, byAccount map[string]int, root int) {
	t.Helper()
	byAccount = map[string]int{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		parts := strings.Split(rel, string(filepath.Separator))
		if len(parts) < 8 || parts[0] != "AWSLogs" || parts[len(parts)-6] != "CloudTrail" || !strings.HasSuffix(path, ".json.gz") {
			t.Errorf("%s is not in CloudTrail's layout", rel)
			return nil
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		gz, err := gzip.NewReader(f)
		if err != nil {
			return err
		}
		var doc struct {
			Records []struct {
				UserIdentity struct {
					Type string `json:"type"`
				} `json:"userIdentity"`
				RecipientAccountID string `json:"recipientAccountId"`
			} `json:"Records"`
		}
		if err := json.NewDecoder(gz).Decode(&doc); err != nil {
			return err
		}
		files++
		account := parts[len(parts)-7]
		for _, r := range doc.Records {
			if r.RecipientAccountID != account {
				t.Errorf("%s holds a record of %s", rel, r.RecipientAccountID)
			}
			byAccount[account]++
			if r.UserIdentity.Type == "Root" {
				root++
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files, byAccount, root
}

func TestPlacedRecordsLandWhereCloudTrailPutsThem(t *testing.T) {
	recs, err := HeldOut()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		layout Layout
		first  string
	}{
		{"account trail", Layout{}, "AWSLogs/111122223333/CloudTrail/us-east-1/2026/04/15/111122223333_CloudTrail_us-east-1_20260415T0930Z_00000000.json.gz"},
		{"organization trail", Layout{OrgID: "o-exampleorgid"}, "AWSLogs/o-exampleorgid/111122223333/CloudTrail/us-east-1/2026/04/15/111122223333_CloudTrail_us-east-1_20260415T0930Z_00000000.json.gz"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			n, err := Place(dir, tc.layout, recs)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(filepath.Join(dir, tc.first)); err != nil {
				t.Error(err)
			}
			files, byAccount, root := readTrail(t, dir)
			got := []any{n, files, byAccount, root}
			want := []any{8, 8, map[string]int{"111122223333": 7, "444455556666": 1}, 7}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("files written, files read, records by account, root records (-want +got):\n%s", diff)
			}
		})
	}
}

// Each trail's files agree with its stats. 20,000 records at 0.1 % make 20 root records: 10 in
// the first account (4 quarterly calls, 2 console sign-ins, 4 backup calls), 10 in the others.
// Smaller trails still give the first account its 4 quarterly calls, 2 sign-ins and a backup
// call (365 and 10,000 records once planned fewer root records than they wrote).
func TestGeneratedTrailHoldsWhatItsStatsSay(t *testing.T) {
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		records, root, backups int
	}{
		{20000, 20, 4},
		{365, 8, 1},
		{1000, 8, 1},
		{10000, 10, 1},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.records), func(t *testing.T) {
			dir := t.TempDir()
			st, err := Generate(dir, Spec{Layout: Layout{OrgID: "o-a1b2c3d4e5"}, Accounts: 2,
				Regions: []string{"us-east-1", "eu-west-1"}, Records: tt.records, Now: now, Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			files, byAccount, root := readTrail(t, dir)
			total := 0
			for _, n := range byAccount {
				total += n
			}
			got := []any{files, total, root, len(byAccount), st.KeyCalls, st.HistoryKeyCalls, st.Records, st.Root}
			want := []any{st.Files, tt.records, tt.root, 2, map[string]int{BackupKey: tt.backups, QuarterlyKey: 4}, 1, tt.records, tt.root}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("files, records, root records, accounts, key calls, key calls in event history, stats' records and root records (-want +got):\n%s", diff)
			}
		})
	}
}
