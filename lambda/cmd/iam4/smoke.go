package main

// iam4 smoke checks a deployed responder end to end: it invokes the function with a synthetic
// IAM.4 FAILED finding for the caller's own account, marked as a smoke test (a case of its own,
// never contained, never written back to Security Hub), reads the delivery ledger to report
// which channels delivered, then sends the PASSED finding and reports which resolved.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/iam4-responder/iam4-responder/lambda/contract"
	"github.com/iam4-responder/iam4-responder/lambda/internal/finding"
	"github.com/iam4-responder/iam4-responder/lambda/internal/ledger"
	"github.com/iam4-responder/iam4-responder/lambda/internal/sink"
)

// smokeClients are the calls the smoke test makes, each through its SDK client in production.
type smokeClients struct {
	STS interface {
		GetCallerIdentity(context.Context, *sts.GetCallerIdentityInput, ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
	}
	Lambda interface {
		Invoke(context.Context, *lambda.InvokeInput, ...func(*lambda.Options)) (*lambda.InvokeOutput, error)
	}
	Ledger ledger.API
}

// smokeSinks are the channels whose ledger entries the smoke test reads, by the sink's own name.
var smokeSinks = []string{sink.Email{}.Name(), sink.Chat{}.Name(), sink.OpsItem{}.Name(), sink.Jira{}.Name()}

const smokeHelp = `usage: iam4 smoke --function NAME --ledger TABLE [--keep-open]

Checks a deployed stack with your credentials: invokes the function with a synthetic IAM.4 FAILED
finding for your own account, marked as a test (it is its own case, never contained, never written
back to Security Hub), reports which channels delivered, then sends PASSED and reports which
resolved. make smoke reads NAME and TABLE from the stack's outputs.

Examples:
  iam4 smoke --function Iam4Responder-Function-AbC123 --ledger Iam4Responder-Ledger-XyZ789
  make smoke
`

func init() {
	register(command{"smoke", "check a deployed stack: a synthetic IAM.4 finding for your own account, then its resolution",
		func(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
			return smoke(ctx, args, stdout, stderr)
		}})
}

func smoke(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("smoke", stderr)
	function := fs.String("function", "", "the deployed function's name (stack output FunctionName)")
	table := fs.String("ledger", "", "the delivery ledger table (stack output LedgerTable)")
	keepOpen := fs.Bool("keep-open", false, "leave the smoke-test case open (do not send the PASSED finding)")
	rest, err := parse(fs, args, smokeHelp, stdout)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("smoke takes no arguments (got %q)", rest[0])
	}
	if *function == "" || *table == "" {
		return usagef("smoke: --function and --ledger are required (the stack outputs FunctionName and LedgerTable)")
	}
	cfg, err := loadAWS(ctx)
	if err != nil {
		return err
	}
	c := smokeClients{STS: sts.NewFromConfig(cfg), Lambda: lambda.NewFromConfig(cfg), Ledger: dynamodb.NewFromConfig(cfg)}
	return runSmoke(ctx, c, smokeOptions{Function: *function, Table: *table, Region: cfg.Region, Resolve: !*keepOpen,
		Now: time.Now, Poll: 2 * time.Second, Wait: 60 * time.Second}, stdout)
}

type smokeOptions struct {
	Function, Table, Region string
	Resolve                 bool
	Now                     func() time.Time
	// The function is invoked synchronously, so the ledger is read at once; a claim another
	// invocation still holds is re-read every Poll for at most Wait.
	Poll, Wait time.Duration
}

func runSmoke(ctx context.Context, c smokeClients, o smokeOptions, w io.Writer) error {
	id, err := c.STS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return fmt.Errorf("who am I: %w", err)
	}
	account := aws.ToString(id.Account)
	partition := contract.PartitionFor(o.Region).ID
	findingID := fmt.Sprintf("iam4-smoke-test/%s/%d", account, o.Now().UnixMilli())
	caseID := finding.Finding{AccountID: account, Test: true}.Case()
	fmt.Fprintf(w, "smoke test: case %s, finding %s, function %s\n", caseID, findingID, o.Function)

	var errs []error
	steps := []struct {
		status, want string
	}{{"FAILED", string(ledger.Open)}}
	if o.Resolve {
		steps = append(steps, struct{ status, want string }{"PASSED", string(ledger.Resolved)})
	}
	results := map[string][]string{}
	for _, step := range steps {
		event := smokeEvent(account, partition, o.Region, findingID, step.status, o.Now())
		out, err := c.Lambda.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(o.Function), Payload: event,
			InvocationType: lambdatypes.InvocationTypeRequestResponse})
		switch {
		case err != nil:
			return fmt.Errorf("invoke %s with the %s finding: %w", o.Function, step.status, err)
		case out.FunctionError != nil:
			errs = append(errs, fmt.Errorf("the function failed on the %s finding: %s", step.status, strings.TrimSpace(string(out.Payload))))
		}
		states, err := readStates(ctx, c, o, caseID)
		if err != nil {
			return err
		}
		delivered := 0
		for _, s := range smokeSinks {
			results[s] = append(results[s], states[s])
			if states[s] == step.want {
				delivered++
			}
		}
		if delivered == 0 {
			errs = append(errs, fmt.Errorf("no channel reached %q after the %s finding", step.want, step.status))
		}
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "channel\tafter FAILED\tafter PASSED")
	for _, s := range smokeSinks {
		r := append(results[s], "", "")
		fmt.Fprintf(tw, "%s\t%s\t%s\n", s, orDash(r[0]), orDash(r[1]))
	}
	_ = tw.Flush()
	fmt.Fprintln(w, "security hub write-back: skipped for a smoke test (Security Hub does not hold its finding)")
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("smoke test failed: %w", err)
	}
	fmt.Fprintln(w, "smoke test passed")
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// readStates reads the case record and says, per channel, how far its step of the current
// phase got: "open" or "resolved" when done, "unknown" or "intent" otherwise; a channel that is
// off has no step. A case another invocation is still delivering is re-read until it settles.
func readStates(ctx context.Context, c smokeClients, o smokeOptions, caseID string) (map[string]string, error) {
	store := ledger.Dynamo{API: c.Ledger, Table: o.Table}
	deadline := o.Now().Add(o.Wait)
	for {
		rec, err := store.Load(ctx, caseID)
		if err != nil {
			return nil, fmt.Errorf("read the ledger %s: %w", o.Table, err)
		}
		states := map[string]string{}
		for _, s := range smokeSinks {
			for _, phase := range []struct{ step, done string }{{"open/", string(ledger.Open)}, {"resolve/", string(ledger.Resolved)}} {
				st, ok := rec.Steps[phase.step+s]
				if !ok || st.Epoch != rec.Epoch {
					continue
				}
				if st.Status == ledger.Done {
					states[s] = phase.done
				} else {
					states[s] = string(st.Status)
				}
			}
		}
		busy := rec.State == ledger.Opening || rec.State == ledger.Resolving
		if !busy || !o.Now().Before(deadline) {
			return states, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(o.Poll):
		}
	}
}

// smokeEvent is a "Security Hub Findings - Imported" event as Security Hub sends it for a
// consolidated IAM.4 control finding, with contract.SmokeTestField in ProductFields and a title
// that says it is a test.
func smokeEvent(account, partition, region, id, status string, now time.Time) []byte {
	workflow := "NEW"
	if status == "PASSED" {
		workflow = "RESOLVED"
	}
	at := now.UTC().Format(time.RFC3339Nano)
	f := map[string]any{
		"SchemaVersion": "2018-10-08",
		"Id":            id,
		"ProductArn":    "arn:" + partition + ":securityhub:" + region + "::product/aws/securityhub",
		"ProductName":   "Security Hub",
		"CompanyName":   "AWS",
		"Region":        region,
		"GeneratorId":   "security-control/" + contract.SecurityControlID,
		"AwsAccountId":  account,
		"Types":         []string{"Software and Configuration Checks/Industry and Regulatory Standards"},
		"CreatedAt":     at,
		"UpdatedAt":     at,
		"Severity":      map[string]any{"Label": "CRITICAL"},
		"Title":         "[SMOKE TEST] IAM root user access key should not exist (synthetic finding from iam4 smoke)",
		"Description":   "A synthetic finding sent by iam4 smoke to check the deployed responder. No action is needed.",
		"ProductFields": map[string]string{contract.SmokeTestField: "true"},
		"Resources": []any{map[string]any{"Type": "AwsAccount", "Id": "AWS::::Account:" + account,
			"Partition": partition, "Region": region}},
		"Compliance":  map[string]any{"Status": status, "SecurityControlId": contract.SecurityControlID},
		"Workflow":    map[string]any{"Status": workflow},
		"RecordState": "ACTIVE",
	}
	ev := map[string]any{
		"version": "0", "id": "iam4-smoke-" + status, "detail-type": finding.DetailTypeImported, "source": finding.Source,
		"account": account, "time": now.UTC().Format(time.RFC3339), "region": region,
		"resources": []string{}, "detail": map[string]any{"findings": []any{f}},
	}
	b, _ := json.Marshal(ev) // plain maps of strings
	return b
}
