package report

import (
	"fmt"
	"slices"
	"strings"
)

// noteMax is Security Hub's limit on a finding note (BatchUpdateFindings, Note.Text: 512).
const noteMax = 512

// SecurityHubNote renders the note written back to the finding: the decision and the ticket
// references (sink name → reference), within 512 characters.
func (r Report) SecurityHubNote(tickets map[string]string) string {
	t := r.t()
	if r.Kind == Resolved {
		return clipRunes(plain(fmt.Sprintf(t.shNoteResolved, r.resolvedReason(r.Reason)), noteMax), noteMax)
	}
	names := make([]string, 0, len(tickets))
	for name := range tickets {
		names = append(names, name)
	}
	slices.Sort(names)
	var refs []string
	for _, name := range names {
		refs = append(refs, name+" "+plain(tickets[name], 80))
	}
	var parts []string
	parts = append(parts, fmt.Sprintf(t.shNoteOpened, fmt.Sprintf(t.tickets, strings.Join(refs, ", "))))
	if c := r.Containment; c != nil && c.Mode != "off" {
		var did []string
		for _, a := range c.Actions {
			did = append(did, a.Key+" "+r.doText(a.Do))
		}
		if c.Refused != "" {
			did = append(did, r.refusedText(c))
		}
		parts = append(parts, fmt.Sprintf(t.containment, r.modeText(c.Mode))+" "+plain(strings.Join(did, r.messages()["list.sep"]), 200)+r.messages()["period"])
	}
	if ev := r.Evidence; ev != nil {
		parts = append(parts, fmt.Sprintf(t.decision, r.decisionText(string(ev.Advice.Decision))))
	}
	return clipRunes(strings.Join(parts, " "), noteMax)
}
