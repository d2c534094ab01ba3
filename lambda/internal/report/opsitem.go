package report

import (
	"encoding/json"
	"fmt"
	"strings"
)

// OpsCenter limits (Systems Manager API reference, CreateOpsItem): a title of at most 1,024
// characters and a description of at most 2,048.
const (
	opsTitleMax       = 1024
	opsDescriptionMax = 2048
	opsDataMax        = 20000 // an OperationalData value is at most 20 KB
)

// OpsItem is the content of an OpsCenter OpsItem.
type OpsItem struct {
	Title       string
	Description string
	// Data is the operational data, by key; values are strings (JSON where structured).
	Data map[string]string
}

// OpsItem renders the OpsItem of an opened case. OpsCenter shows the description as plain text,
// so untrusted values are stripped of control characters and capped.
func (r Report) OpsItem() OpsItem {
	_, body := r.Email()
	title := fmt.Sprintf(r.t().titleOpened, r.Account)
	desc := []rune(body)
	if len(desc) > opsDescriptionMax {
		desc = append(desc[:opsDescriptionMax-1], '…')
	}
	item := OpsItem{Title: clipRunes(title, opsTitleMax), Description: string(desc), Data: map[string]string{
		"iam4:case":    r.Case,
		"iam4:finding": plain(r.Finding.ID, 512),
		"iam4:link":    r.FindingURL(),
	}}
	if ev := r.Evidence; ev != nil {
		item.Data["iam4:decision"] = string(ev.Advice.Decision)
		type keySummary struct {
			ID        string   `json:"id"`
			Calls     int      `json:"calls"`
			InsideAWS bool     `json:"inside_aws"`
			SourceIPs []string `json:"source_ips"`
		}
		var keys []keySummary
		for _, k := range ev.Keys {
			ks := keySummary{ID: k.ID, Calls: k.Calls, InsideAWS: k.InsideAWS}
			for i, ip := range k.SourceIPs {
				if i == 10 {
					break
				}
				ks.SourceIPs = append(ks.SourceIPs, plain(string(ip.IP), 64))
			}
			keys = append(keys, ks)
		}
		b, _ := json.Marshal(keys)
		item.Data["iam4:keys"] = string(b)
		item.Data["iam4:policies"] = policiesData(ev.Advice.Policies, opsDataMax)
		item.Data["iam4:partial"] = fmt.Sprint(ev.Partial)
	}
	if c := r.Containment; c != nil && c.Mode != "off" {
		b, _ := json.Marshal(c)
		item.Data["iam4:containment"] = plain(string(b), 4000)
	}
	return item
}

// OpsResolution is the note added when the case closes.
func (r Report) OpsResolution() string {
	return plain(fmt.Sprintf(r.t().resolvedIntro, r.Account, r.resolvedReason(strings.TrimSpace(r.Reason))), 1000)
}

func clipRunes(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
