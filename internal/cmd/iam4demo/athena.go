//go:build cgo

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"time"

	emuathena "github.com/iam4-responder/iam4-responder/internal/emulator/athena"
	"github.com/iam4-responder/iam4-responder/internal/localaws"
	"github.com/iam4-responder/iam4-responder/internal/trailgen"
	"github.com/iam4-responder/iam4-responder/lambda/contract"
)

// athenaSection runs the same account again with the organization trail on Athena as the
// primary evidence source: the scenario's records, management and data events, are written in
// CloudTrail's S3 layout and served by the Athena emulator (DuckDB, as `iam4 emulator --trail`
// does), and a second bootstrap under the runtime interface emulator, with a ledger of its own,
// opens the case again. The nightly job's S3 writes, which event history never holds, reach the
// ticket through Athena, and the ticket says which source covered which dates. It returns the
// e-mail.
func athenaSection(ctx context.Context, say func(string, ...any), a athenaRun) (string, error) {
	say("\n== The same account, with the organization trail on Athena")
	dir, err := os.MkdirTemp("", "iam4-demo-trail")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	records := a.emu.TrailRecords()
	yearly, err := yearlyJob(records, time.Now().UTC().AddDate(0, 0, -200))
	if err != nil {
		return "", err
	}
	files, err := trailgen.Place(dir, trailgen.Layout{OrgID: "o-exampleorgid"}, append(records, yearly))
	if err != nil {
		return "", fmt.Errorf("write the trail: %w", err)
	}
	athena, err := emuathena.New(dir, emuathena.Options{Database: "cloudtrail", Table: "cloudtrail_logs", Workgroup: "iam4"})
	if err != nil {
		return "", err
	}
	defer athena.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	hs := &http.Server{Handler: athena, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	defer hs.Close()
	say("the trail: %d log files under AWSLogs/o-exampleorgid/%s/CloudTrail/, served by Athena (DuckDB) on %s",
		files, localaws.Account, ln.Addr())

	// A ledger and topics of its own: the case is opened afresh. Only e-mail: the other
	// channels were shown above.
	name := a.name + "-athena"
	topic, queue, err := localaws.TopicWithQueue(ctx, a.moto, name+"-email")
	if err != nil {
		return "", err
	}
	if err := localaws.Table(ctx, a.moto, name, "pk"); err != nil {
		return "", err
	}
	port, err := localaws.FreePort()
	if err != nil {
		return "", err
	}
	env := append(append([]string{}, a.env...), // later entries win (os/exec)
		"AWS_ENDPOINT_URL_ATHENA=http://"+ln.Addr().String(),
		contract.EnvAthenaDatabase+"=cloudtrail", contract.EnvAthenaTable+"=cloudtrail_logs", contract.EnvAthenaWorkgroup+"=iam4",
		contract.EnvTopicARN+"="+topic, contract.EnvLedgerTable+"="+name, contract.EnvChatTopicARN+"=",
		contract.EnvOpsCenter+"=off", contract.EnvSecurityHub+"=off",
		contract.EnvJiraURL+"=", contract.EnvJiraProject+"=", contract.EnvJiraLabels+"=", contract.EnvJiraPriorities+"=",
		contract.EnvJiraSecretARN+"=", contract.EnvJiraStatuses+"=")
	// The runtime API's own port too: its default (9001) is fixed, so two emulators at once
	// (packages test in parallel) would collide.
	apiPort, err := localaws.FreePort()
	if err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, a.rie, "--runtime-interface-emulator-address", fmt.Sprintf("127.0.0.1:%d", port),
		"--runtime-api-address", fmt.Sprintf("127.0.0.1:%d", apiPort), a.bootstrap)
	cmd.Env = env
	logs := &lineLog{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("start %s: %w", a.rie, err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	if err := waitPort(ctx, port); err != nil {
		return "", fmt.Errorf("runtime interface emulator did not listen: %w\n%s", err, logs.String())
	}
	if err := invoke(ctx, fmt.Sprintf("http://127.0.0.1:%d/2015-03-31/functions/function/invocations", port), failedEvent); err != nil {
		return "", fmt.Errorf("%w\n%s", err, logs.String())
	}
	msgs, err := localaws.Drain(ctx, a.moto, queue, 10*time.Second)
	if err != nil || len(msgs) != 1 {
		return "", fmt.Errorf("e-mail: %d messages, %v\n%s", len(msgs), err, logs.String())
	}
	subject, body := snsMessage(msgs[0].Body)
	// The evidence part of the e-mail: the policies and the JSON after it are as above.
	shown := body
	if i := strings.Index(shown, "\nWhat to do:"); i > 0 {
		shown = shown[:i]
	}
	say("\n---- E-mail, evidence from Athena ----\nSubject: %s\n\n%s\n…", subject, strings.TrimSpace(shown))
	say("\nThe nightly job's S3 PutObject calls (data events) are in the ticket now, and so is the second key's")
	say("yearly job of 200 days ago (%s): event history holds neither, so above that key was only \"unused\".", yearlyJobIP)
	return "Subject: " + subject + "\n\n" + body, nil
}

// yearlyJobIP is where the second key's yearly job runs: an address outside AWS (RFC 5737).
const yearlyJobIP = "198.51.100.40"

// yearlyJob is the call that explains the credential report's last use of the scenario's second
// key, 200 days ago in us-east-1 (service iam): a yearly audit script's GenerateCredentialReport.
// Event history keeps 90 days, so the emulator's scenario (a 90-day world) has no record of it; a
// year of the organization trail does. It is the office caller's IAM record with that key, time,
// address and action, so its shape is the emulator's CloudTrail record.
func yearlyJob(records []json.RawMessage, at time.Time) (json.RawMessage, error) {
	for _, raw := range records {
		var rec map[string]any
		if err := json.Unmarshal(raw, &rec); err != nil {
			return nil, err
		}
		if rec["eventSource"] != "iam.amazonaws.com" {
			continue
		}
		rec["userIdentity"].(map[string]any)["accessKeyId"] = "AKIAI44QH8DHBEXAMPLE"
		rec["eventTime"] = at.Format(time.RFC3339)
		rec["eventName"] = "GenerateCredentialReport"
		rec["eventID"] = "5a7c3a1e-0d6b-4f4e-9a55-200d4ea1a001"
		rec["sourceIPAddress"] = yearlyJobIP
		rec["userAgent"] = "aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64 prompt/off command/iam.generate-credential-report"
		rec["readOnly"] = false
		return json.Marshal(rec)
	}
	return nil, fmt.Errorf("the scenario has no IAM record to model the yearly job on")
}
