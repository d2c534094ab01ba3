package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/iam4-responder/iam4-responder/lambda/internal/investigation"
)

// Terminal renders an investigation for a person at a terminal. Every string that came from
// CloudTrail goes through plain, so no escape sequence reaches the terminal.
func Terminal(w io.Writer, r investigation.Result) error {
	b := &strings.Builder{}
	p := func(format string, args ...any) { fmt.Fprintf(b, format+"\n", args...) }
	if r.Account != "" {
		p("Account %s, %s to %s", plain(r.Account, 20), r.WindowStart.Format("2006-01-02"), r.WindowEnd.Format("2006-01-02"))
	}
	p("Root records: %d  access-key calls: %d  console calls: %d  sign-ins: %d  service calls: %d  session calls: %d",
		r.RootRecords, r.AccessKeyCalls, r.ConsoleCalls, r.SignIns, r.ServiceCalls, r.SessionCalls)
	if r.SessionCallsAttributed > 0 {
		p("  %d session calls were made with GetSessionToken sessions of a root key and count toward it", r.SessionCallsAttributed)
	}
	if r.DuplicateRecords > 0 {
		p("  %d records read twice (same eventID) were counted once", r.DuplicateRecords)
	}
	for _, s := range r.SkippedRecords {
		p("  skipped %d records that could not be read: %s", s.Records, s.Reason)
	}
	if r.Inventory != nil {
		p("IAM: root access keys present: %v", r.Inventory.KeysPresent)
		if rep := r.Inventory.Report; rep != nil {
			for _, k := range rep.Keys {
				used := "never"
				if k.LastUsed != nil {
					used = fmt.Sprintf("%s (%s, %s)", k.LastUsed.Format("2006-01-02"), plain(k.LastUsedService, 40), plain(k.LastUsedRegion, 40))
				}
				p("  credential report slot %d: active %v, last used %s", k.Slot, k.Active, used)
			}
		}
	}
	for _, k := range r.Keys {
		p("")
		p("Key %s: %d calls (%d failed), %s to %s", k.ID, k.Calls, k.Errors,
			k.FirstUse.Format("2006-01-02 15:04"), k.LastUse.Format("2006-01-02 15:04"))
		tw := tabwriter.NewWriter(b, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  source\tcalls\twhere")
		for _, ip := range k.SourceIPs {
			where := "outside AWS"
			if ip.InsideAWS {
				where = strings.TrimSpace("AWS " + ip.AWSService + " " + ip.AWSRegion)
			}
			fmt.Fprintf(tw, "  %s\t%d\t%s\n", plain(string(ip.IP), 64), ip.Calls, where)
		}
		tw.Flush()
		for _, a := range k.UserAgents {
			p("  tool %-22s %6d  %s", a.Tool, a.Calls, plain(string(a.Agent), 120))
		}
		for _, a := range k.Actions {
			p("  action %-40s %6d", plain(a.Action, 80), a.Calls)
		}
	}
	a := r.Advice
	p("")
	p("Decision: %s", a.Decision)
	for _, k := range a.Keys {
		p("  %s: %s — %s", plain(k.Key, 40), k.Decision, plain(k.Reason, 300))
	}
	for _, c := range a.Cautions {
		p("  caution: %s", plain(c, 400))
	}
	p("")
	for _, s := range a.Steps {
		p("[ ] %s %s: %s", s.ID, s.Title, plain(s.Detail, 600))
	}
	p("")
	p("Draft least-privilege policy:")
	// JSON encoding already escapes control characters in the ARNs it holds.
	p("%s", a.Policy)
	for _, n := range a.PolicyNotes {
		p("  note: %s", plain(n, 300))
	}
	if r.IPRanges != "" {
		p("")
		p("Inside/outside AWS decided with %s.", r.IPRanges)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
