package casework

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/iam4-responder/iam4-responder/internal/emulator"
	"github.com/iam4-responder/iam4-responder/internal/testenv"
	"github.com/iam4-responder/iam4-responder/lambda/internal/config"
)

// TestForgedFindingOpensNoRootSession runs delete-unused through the handler with a finding a
// member principal imported itself (BatchImportFindings under its default product, GeneratorId
// ending /IAM.4, FAILED). Whatever the intake makes of it, containment must not open a root
// session, let alone delete the member's unused key.
func TestForgedFindingOpensNoRootSession(t *testing.T) {
	const memberAccount = "444455556666"
	event, findingJSON := memberEvent(t, memberAccount)
	forge := func(raw []byte) []byte {
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		f := m
		if d, ok := m["detail"].(map[string]any); ok {
			f = d["findings"].([]any)[0].(map[string]any)
		}
		f["ProductArn"] = "arn:aws:securityhub:us-west-2:" + memberAccount + ":product/" + memberAccount + "/default"
		f["GeneratorId"] = "aws-foundational-security-best-practices/v/1.0.0/IAM.4"
		b, _ := json.Marshal(m)
		return b
	}
	m := member(memberAccount, 12)
	m.Root.Keys = append(m.Root.Keys, emulator.RootKey{ID: "AKIAOLDKEY0000000002", Active: true,
		Created: time.Now().AddDate(-3, 0, 0), LastUsed: time.Now().AddDate(0, 0, -200)})
	l := startLocal(t, func(s *emulator.Scenario, c *config.Config) {
		s.Members = []emulator.Member{m}
		s.Findings = append(s.Findings, forge(findingJSON)) // imported: Security Hub holds it, as the forger's
		c.AllowedAccounts, c.Regions = []string{memberAccount}, []string{"us-west-2"}
		c.Containment, c.ManagementAccount = "delete-unused", testenv.Account
	})
	_ = l.handle(t, forge(event)) // the intake may refuse it; either way nothing is deleted
	if n := l.server.RootSessions.Load(); n != 0 {
		t.Errorf("%d root sessions opened for a forged finding", n)
	}
	if n := l.server.DeletedKeys.Load(); n != 0 {
		t.Errorf("%d keys deleted for a forged finding", n)
	}
}
