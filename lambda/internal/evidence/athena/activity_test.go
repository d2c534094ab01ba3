package athena

import (
	"compress/gzip"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	emuathena "github.com/iam4-responder/iam4-responder/internal/emulator/athena"
	"github.com/iam4-responder/iam4-responder/internal/trailgen"
	"github.com/iam4-responder/iam4-responder/lambda/internal/evidence"
	"github.com/iam4-responder/iam4-responder/lambda/internal/evidence/awsip"
)

// readAccount feeds every record of one account's log files under dir to u, as the trail reader
// and event history do: one record at a time.
func readAccount(t *testing.T, dir, account string, u *evidence.Usage) {
	t.Helper()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.Contains(filepath.ToSlash(path), "/"+account+"/CloudTrail/") {
			return err
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
		var file struct{ Records []evidence.Record }
		if err := json.NewDecoder(gz).Decode(&file); err != nil {
			return err
		}
		for i := range file.Records {
			u.Add(&file.Records[i])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// activities are each key's callers' activity, by key and address.
func activities(s evidence.Summary) map[string]map[string]*evidence.Activity {
	out := map[string]map[string]*evidence.Activity{}
	for _, k := range s.Keys {
		out[k.ID] = map[string]*evidence.Activity{}
		for _, ip := range k.SourceIPs {
			out[k.ID][string(ip.IP)] = ip.Activity
		}
	}
	return out
}

// The query groups by hour, so a year of a nightly job's calls reaches the ticket as the same
// calls per day and per hour as the records themselves give.
func TestAthenaGivesEachCallerTheRecordsActivity(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	st, err := trailgen.Generate(dir, trailgen.Spec{Layout: trailgen.Layout{OrgID: "o-exampleorgid"}, Accounts: 2,
		Records: 20000, RootShare: 0.04, Now: now, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	account := st.Accounts[0]
	c := &Collector{API: serve(t, dir, emuathena.Options{Workgroup: "iam4"}),
		Table: Table{Name: "cloudtrail_logs", Workgroup: "iam4"}, Poll: time.Millisecond}
	fromAthena := evidence.NewUsage(awsip.Snapshot())
	if _, err := c.Collect(t.Context(), Query{Account: account, From: now.AddDate(-1, 0, -1), To: now}, fromAthena); err != nil {
		t.Fatal(err)
	}
	fromRecords := evidence.NewUsage(awsip.Snapshot())
	readAccount(t, dir, account, fromRecords)

	want, got := activities(fromRecords.Summary()), activities(fromAthena.Summary())
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("activity by key and caller, records → Athena (-want +got):\n%s", diff)
	}
	// The backup job calls about once a day over the year (its time drifts through the hours).
	backup := got["AKIA…MPLE"]["203.0.113.10"]
	if backup == nil {
		t.Fatal("no activity for the backup job")
	}
	hours := 0
	for _, n := range backup.Hours {
		hours += n
	}
	days := 0
	backup.Days(func(time.Time, int) { days++ })
	if days < 300 || hours != st.KeyCalls[trailgen.BackupKey] {
		t.Errorf("the backup job called on %d days, %d calls by hour; want 300 days and more, %d calls",
			days, hours, st.KeyCalls[trailgen.BackupKey])
	}
}
