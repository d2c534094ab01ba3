package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iam4-responder/iam4-responder/internal/trailgen"
)

// heldOutFiles writes the held-out trail in the organization layout and a scenario of the same
// account whose event history holds the trail's management events only, as AWS's does.
// The scenario runs on the wall clock, as the CLI does; the held-out dates stay in the past.
func heldOutFiles(t *testing.T) (trail, scenario string) {
	t.Helper()
	recs, err := trailgen.HeldOut()
	if err != nil {
		t.Fatal(err)
	}
	trail = filepath.Join(t.TempDir(), "trail")
	if _, err := trailgen.Place(trail, trailgen.Layout{OrgID: "o-exampleorgid"}, recs); err != nil {
		t.Fatal(err)
	}
	var history []json.RawMessage
	for _, r := range recs {
		var rec struct {
			EventCategory      string `json:"eventCategory"`
			RecipientAccountID string `json:"recipientAccountId"`
		}
		if err := json.Unmarshal(r, &rec); err != nil {
			t.Fatal(err)
		}
		if rec.EventCategory != "Data" && rec.RecipientAccountID == trailgen.HeldOutAccount {
			history = append(history, r)
		}
	}
	s := map[string]any{
		"account": trailgen.HeldOutAccount, "regions": []string{"us-east-1"},
		"root": map[string]any{"mfa": true, "keys": []map[string]any{
			{"id": "AKIAIOSFODNN7EXAMPLE", "active": true, "created": "2024-01-10T09:00:00Z",
				"last_used": "2026-10-26T02:00:09Z", "last_used_region": "us-east-1", "last_used_service": "s3"},
			{"id": "AKIAI44QH8DHBEXAMPL0", "active": true, "created": "2023-03-01T09:00:00Z",
				"last_used": "2026-04-15T09:30:00Z", "last_used_region": "us-east-1", "last_used_service": "iam"},
		}},
		"events": history,
	}
	raw, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	scenario = filepath.Join(t.TempDir(), "scenario.json")
	if err := os.WriteFile(scenario, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	return trail, scenario
}

func TestInvestigateWithAthenaOverTheEmulatedTrail(t *testing.T) {
	trail, scenario := heldOutFiles(t)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"emulator", "--quiet", "--addr", "127.0.0.1:0", "--scenario", scenario,
			"--trail", trail, "--athena-workgroup", "iam4"}, nil, pw, io.Discard)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, pr)
	url := strings.TrimSpace(strings.TrimPrefix(line, "iam4 emulator listening on "))
	t.Setenv("AWS_ENDPOINT_URL", url)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")

	type key struct {
		ID        string
		Calls     int
		LastUse   string
		SourceIPs []string
		Actions   []string
		Decision  string
	}
	type source struct {
		Name       string
		DataEvents bool
		Read       bool
	}
	type summary struct {
		Account   string
		Keys      []key
		Console   int
		SignIns   int
		Sources   []source
		Partial   bool
		Decisions string
	}
	// The wall clock is not the scenario's: --athena-days reaches back over the held-out year
	// from today.
	days := int(time.Since(trailgen.HeldOutNow.AddDate(-1, 0, 0)).Hours()/24) + 1
	out, stderr, code := runCLI(t, "investigate", "--format", "json", "--regions", "us-east-1", "--account", trailgen.HeldOutAccount,
		"--athena-table", "cloudtrail_logs", "--athena-workgroup", "iam4", "--athena-database", "cloudtrail",
		"--athena-days", strconv.Itoa(days), "--quiet")
	if code != exitFound { // the held-out trail has root key use
		t.Fatalf("exit %d, want %d\n%s", code, exitFound, stderr)
	}
	var res struct {
		Account      string `json:"account"`
		ConsoleCalls int    `json:"console_calls"`
		SignIns      int    `json:"sign_ins"`
		Partial      bool   `json:"partial"`
		Keys         []struct {
			ID        string `json:"id"`
			Calls     int    `json:"calls"`
			LastUse   string `json:"last_use"`
			SourceIPs []struct {
				IP string `json:"ip"`
			} `json:"source_ips"`
			Actions []struct {
				Action string `json:"action"`
			} `json:"actions"`
		} `json:"keys"`
		Sources []struct {
			Name       string `json:"name"`
			DataEvents bool   `json:"data_events"`
			Read       bool   `json:"read"`
		} `json:"sources"`
		Advice struct {
			Decision string `json:"decision"`
			Keys     []struct {
				Key      string `json:"key"`
				Decision string `json:"decision"`
			} `json:"keys"`
		} `json:"advice"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	got := summary{Account: res.Account, Console: res.ConsoleCalls, SignIns: res.SignIns, Partial: res.Partial,
		Decisions: res.Advice.Decision}
	decisions := map[string]string{}
	for _, k := range res.Advice.Keys {
		decisions[k.Key] = k.Decision
	}
	for _, k := range res.Keys {
		v := key{ID: k.ID, Calls: k.Calls, LastUse: k.LastUse, Decision: decisions[k.ID]}
		for _, ip := range k.SourceIPs {
			v.SourceIPs = append(v.SourceIPs, ip.IP)
		}
		for _, a := range k.Actions {
			v.Actions = append(v.Actions, a.Action)
		}
		got.Keys = append(got.Keys, v)
	}
	for _, s := range res.Sources {
		got.Sources = append(got.Sources, source{s.Name, s.DataEvents, s.Read})
	}
	want := summary{
		Account: trailgen.HeldOutAccount,
		Keys: []key{
			{ID: "AKIA…MPLE", Calls: 3, LastUse: "2026-10-26T02:00:09Z", SourceIPs: []string{"26.29.66.20"},
				Actions: []string{"s3:GetObject", "s3:PutObject"}, Decision: "replace_with_user"},
			{ID: "AKIA…MPL0", Calls: 1, LastUse: "2026-04-15T09:30:00Z", SourceIPs: []string{"192.0.2.0"},
				Actions: []string{"iam:EnableMFADevice"}, Decision: "replace_with_user"},
		},
		Console: 1, SignIns: 1,
		Sources:   []source{{"athena", true, true}, {"lookup-events", false, true}},
		Decisions: "replace_with_user",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("investigation through the emulated trail (-want +got):\n%s\nstderr:\n%s", diff, stderr)
	}
	cancel()
	<-done
}

func TestAthenaFlagsRefuseAnIncompleteTable(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"a table without a workgroup", []string{"investigate", "--athena-table", "cloudtrail_logs"}, "needs --athena-workgroup"},
		{"a workgroup without a table", []string{"investigate", "--athena-workgroup", "iam4"}, "need --athena-table"},
		{"a table name that is not a Glue identifier", []string{"investigate", "--athena-table", "logs; DROP", "--athena-workgroup", "w"}, "not a Glue identifier"},
		{"a trail that is not a directory", []string{"emulator", "--trail", "/nonexistent/trail"}, "not a directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, stderr, code := runCLI(t, tc.args...)
			if code == exitClean || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q, want a failure containing %q", code, stderr, tc.want)
			}
		})
	}
}
