package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/iam4-responder/iam4-responder/lambda/internal/finding"
	"github.com/iam4-responder/iam4-responder/lambda/internal/investigation"
	"github.com/iam4-responder/iam4-responder/lambda/internal/report"
)

func init() {
	register(command{"render", "render the tickets the function would send for an analyze or investigate JSON result",
		func(_ context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
			return render(args, stdin, stdout, stderr)
		}})
}

const renderHelp = `usage: iam4 render [flags] RESULT.json

Renders the tickets the function would send for an analyze or investigate JSON result ("-" reads
stdin), with the same code the function's sinks call: the e-mail and the chat notification byte
for byte, the Jira issue's ADF document, the OpsItem's fields, the Security Hub note.

Examples:
  iam4 analyze --format json logs/ > result.json
  iam4 render --channel jira --lang ja --account 111122223333 result.json
  iam4 render --channel email --kind resolved --account 111122223333 result.json
  iam4 render --channel jira --attachments out/ --account 111122223333 result.json
`

// render previews the tickets the function would send for an `analyze` or `investigate` JSON
// result: the same report.Report and the same rendering methods the sinks call, so what it
// prints is what the channel receives (the chat notification and the e-mail byte for byte).
func render(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("render", stderr)
	channel := fs.String("channel", "email", "email, chat, jira, opsitem or note")
	lang := fs.String("lang", "en", "en or ja")
	kind := fs.String("kind", string(report.Opened), "opened or resolved")
	account := fs.String("account", "", "the account of the finding (default: the result's account)")
	region := fs.String("region", "us-east-1", "the Region of the finding")
	findingID := fs.String("finding", "", "the finding id (default: a Security Hub control finding id for the account)")
	partition := fs.String("partition", "aws", "aws, aws-cn or aws-us-gov")
	reason := fs.String("reason", "the control passed", "why the case closed, for --kind resolved")
	tickets := fs.String("tickets", "", "ticket references for the note, as sink=ref,sink=ref")
	attachments := fs.String("attachments", "", "a folder to write the Jira attachments to")
	rest, err := parse(fs, args, renderHelp, stdout)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usagef("render: name one analyze or investigate JSON result (or - for stdin)")
	}
	l, err := report.ParseLang(*lang)
	if err != nil {
		return err
	}
	k := report.Kind(*kind)
	if k != report.Opened && k != report.Resolved {
		return fmt.Errorf("--kind %q: want opened or resolved", *kind)
	}
	res, err := readResult(rest[0], stdin)
	if err != nil {
		return err
	}
	acct := *account
	if acct == "" {
		acct = res.Account
	}
	if acct == "" {
		return errors.New("render: the result names no account; pass --account")
	}
	id := *findingID
	if id == "" {
		id = fmt.Sprintf("arn:%s:securityhub:%s:%s:security-control/IAM.4/finding/iam4-render", *partition, *region, acct)
	}
	f := finding.Finding{
		ID: id, ProductARN: fmt.Sprintf("arn:%s:securityhub:%s::product/aws/securityhub", *partition, *region),
		GeneratorID: "security-control/IAM.4", AccountID: acct, Region: *region, Control: "IAM.4", IAM4: true,
		Compliance: "FAILED", RecordState: "ACTIVE", Workflow: "NEW", Severity: "CRITICAL",
	}
	// As casework builds it: the finding, the language, and for an opened case the evidence.
	var r report.Report
	if k == report.Resolved {
		r = report.New(report.Resolved, f, *reason)
	} else {
		r = report.New(report.Opened, f, "")
		r.Evidence = &res
	}
	r.Lang = l
	refs, err := parseTickets(*tickets)
	if err != nil {
		return err
	}
	switch *channel {
	case "email":
		subject, body := r.Email()
		_, err = fmt.Fprintf(stdout, "Subject: %s\n\n%s", subject, body)
	case "chat":
		_, err = fmt.Fprintf(stdout, "%s\n", r.Chat())
	case "jira":
		err = renderJira(stdout, r, *attachments)
	case "opsitem":
		if k == report.Resolved {
			_, err = fmt.Fprintln(stdout, r.OpsResolution())
		} else {
			err = writeJSON(stdout, r.OpsItem())
		}
	case "note":
		_, err = fmt.Fprintln(stdout, r.SecurityHubNote(refs))
	default:
		return fmt.Errorf("--channel %q: want email, chat, jira, opsitem or note", *channel)
	}
	return err
}

func renderJira(w io.Writer, r report.Report, dir string) error {
	if r.Kind == report.Resolved {
		return writeJSON(w, map[string]any{"comment": r.JiraResolution()})
	}
	files := r.JiraAttachments()
	names := make([]string, 0, len(files))
	for _, f := range files {
		names = append(names, f.Name)
		if dir != "" {
			if err := os.WriteFile(filepath.Join(dir, f.Name), f.Body, 0o644); err != nil {
				return err
			}
		}
	}
	return writeJSON(w, map[string]any{"summary": r.JiraSummary(), "description": r.JiraDescription(), "attachments": names})
}

func readResult(name string, stdin io.Reader) (investigation.Result, error) {
	var in io.Reader = stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return investigation.Result{}, err
		}
		defer f.Close()
		in = f
	}
	var res investigation.Result
	if err := json.NewDecoder(in).Decode(&res); err != nil {
		return investigation.Result{}, fmt.Errorf("render: %s is not an analyze or investigate JSON result: %w", name, err)
	}
	return res, nil
}

func parseTickets(s string) (map[string]string, error) {
	refs := map[string]string{}
	for _, kv := range strings.Split(s, ",") {
		if kv = strings.TrimSpace(kv); kv == "" {
			continue
		}
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" || v == "" {
			return nil, fmt.Errorf("--tickets %q: want sink=ref,sink=ref", s)
		}
		refs[k] = v
	}
	return refs, nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
