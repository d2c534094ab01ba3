package report

import (
	"fmt"
	"slices"
	"strings"

	"github.com/iam4-responder/iam4-responder/lambda/internal/contain"
	"github.com/iam4-responder/iam4-responder/lambda/internal/textcap"
)

// SecurityHubNote renders the note (ASFF) or comment (OCSF) written back to the finding: the
// decision and the ticket references (sink name → reference), inert and within 512 characters.
func (r Report) SecurityHubNote(tickets map[string]string) string {
	t := r.t()
	if r.Kind == Resolved {
		return textcap.Runes(fmt.Sprintf(t.shNoteResolved, orDash(field(r.resolvedReason(r.Reason), capReason))), noteMax)
	}
	names := make([]string, 0, len(tickets))
	for name := range tickets {
		names = append(names, name)
	}
	slices.Sort(names)
	var refs []string
	for _, name := range names {
		refs = append(refs, field(name, capTicket)+" "+orDash(field(tickets[name], capTicket)))
	}
	parts := []string{fmt.Sprintf(t.shNoteOpened, fmt.Sprintf(t.tickets, strings.Join(refs, ", ")))}
	if c := r.Containment; c != nil && c.Mode != contain.Off {
		var did []string
		for _, a := range c.Actions {
			did = append(did, a.Key+" "+r.doText(a.Do))
		}
		if c.Refused != "" {
			did = append(did, r.refusedText(c))
		}
		parts = append(parts, fmt.Sprintf(t.containment, r.modeText(c.Mode))+" "+field(strings.Join(did, r.messages()["list.sep"]), capContained)+r.messages()["period"])
	}
	if ev := r.Evidence; ev != nil {
		parts = append(parts, fmt.Sprintf(t.decision, r.decisionText(string(ev.Advice.Decision))))
	}
	// The account's name last: the note is cut at its end when it is long.
	if strings.TrimSpace(r.Owner.Name) != "" {
		if ev := r.Evidence; ev != nil {
			parts[len(parts)-1] += r.messages()["period"] // the decision's sentence ends before the name
		}
		parts = append(parts, r.say("owner.name", map[string]string{"name": field(r.Owner.Name, capOwnerName)}))
	}
	return textcap.Runes(inert(strings.Join(parts, " ")), noteMax)
}
