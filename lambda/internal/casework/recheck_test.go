package casework

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iam4-responder/iam4-responder/internal/samples"
	"github.com/iam4-responder/iam4-responder/lambda/internal/evidence"
	"github.com/iam4-responder/iam4-responder/lambda/internal/followup"
)

// credentialReport parses a real credential report from the evidence package's samples.
func credentialReport(t *testing.T, name string) *evidence.RootReport {
	t.Helper()
	b, err := samples.File(name)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := evidence.ParseCredentialReport(b)
	if err != nil {
		t.Fatal(err)
	}
	return &rep
}

func TestObservationTrustsTheLiveSummaryOverTheReport(t *testing.T) {
	at := time.Date(2026, 11, 29, 6, 0, 0, 0, time.UTC)
	active := credentialReport(t, "credential-report-root-active-key-ADAPTED.csv")
	rotated := time.Date(2015, 10, 22, 14, 45, 0, 0, time.UTC)
	used := time.Date(2017, 8, 30, 13, 32, 0, 0, time.UTC)
	tests := []struct {
		name string
		inv  evidence.Inventory
		want followup.Observation
	}{
		{"the report's active key, known by its slot and creation time",
			evidence.Inventory{KeysPresent: true, Report: active},
			followup.Observation{At: at, KeysKnown: true, Keys: []followup.Key{{Slot: 1, Created: rotated, Active: true, LastUsed: &used}}}},
		{"no key present is no key, whatever an older report shows",
			evidence.Inventory{KeysPresent: false, Report: active},
			followup.Observation{At: at, KeysKnown: true}},
		{"a key present that the report does not show yet leaves the keys unknown",
			evidence.Inventory{KeysPresent: true, Report: credentialReport(t, "credential-report-root.csv")},
			followup.Observation{At: at}},
		{"no report leaves the keys unknown",
			evidence.Inventory{KeysPresent: true, ReportError: "ReportExpired"},
			followup.Observation{At: at}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, observation(tt.inv, at)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestRealTimeKeyChangesNameTheKeyTheCaseKnows(t *testing.T) {
	at := time.Date(2026, 11, 29, 6, 0, 0, 0, time.UTC)
	created := at.Add(-400 * 24 * time.Hour)
	one := followup.Start(at, []followup.Key{{Slot: 1, Created: created, Active: true}})
	two := followup.Start(at, []followup.Key{{Slot: 1, Created: created, Active: true}, {Slot: 2, Created: at, Active: true}})
	named := followup.Start(at, []followup.Key{{ID: "AKIAIOSFODNN7EXAMPLE", Created: created, Active: true}})
	deactivate := followup.Observation{At: at, KeysKnown: true, Partial: true, Keys: []followup.Key{{ID: "AKIAIOSFODNN7EXAMPLE"}}}
	tests := []struct {
		name string
		c    followup.Case
		want followup.Observation
	}{
		{"the one key known by its creation time", one,
			followup.Observation{At: at, KeysKnown: true, Partial: true, Keys: []followup.Key{{ID: "AKIAIOSFODNN7EXAMPLE", Created: created}}}},
		{"a key known by its id already", named, deactivate},
		{"two keys without ids: the event cannot say which, the re-check will", two, followup.Observation{At: at}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, resolveKeys(tt.c, deactivate)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
