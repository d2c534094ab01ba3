package casework

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/iam4-responder/iam4-responder/lambda/internal/finding"
	"github.com/iam4-responder/iam4-responder/lambda/internal/report"
	"github.com/iam4-responder/iam4-responder/lambda/internal/route"
)

// fakeOwners answers as Organizations would, or in part with an error.
type fakeOwners struct {
	account route.Account
	err     error
	asked   []string
}

func (f *fakeOwners) Lookup(_ context.Context, id string) (route.Account, error) {
	f.asked = append(f.asked, id)
	return f.account, f.err
}

func TestTicketsNameWhoOwnsTheAccount(t *testing.T) {
	ou := []route.OU{{ID: "ou-ab12-paymnts1", Name: "Payments"}}
	tests := []struct {
		name     string
		owners   *fakeOwners // nil: no Organizations
		findName string      // the finding's AwsAccountName
		want     route.Account
	}{
		{"without Organizations the finding's account name is kept", nil, "payments-prod",
			route.Account{ID: "111122223333", Name: "payments-prod"}},
		{"without Organizations or a name the account id stands alone", nil, "",
			route.Account{ID: "111122223333"}},
		{"Organizations' name, OUs and tags win",
			&fakeOwners{account: route.Account{ID: "111122223333", Name: "Payments Production", OUs: ou, Tags: map[string]string{"team": "pay"}}},
			"payments-prod",
			route.Account{ID: "111122223333", Name: "Payments Production", OUs: ou, Tags: map[string]string{"team": "pay"}}},
		{"a partial answer (no permission to list parents) is used, the finding's name kept",
			&fakeOwners{account: route.Account{ID: "111122223333"}, err: errors.New("AccessDeniedException")},
			"payments-prod", route.Account{ID: "111122223333", Name: "payments-prod"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &Handler{Log: slog.New(slog.NewJSONHandler(io.Discard, nil))}
			if tt.owners != nil {
				h.Owners = tt.owners
			}
			f := finding.Finding{ID: "f-1", AccountID: "111122223333", AccountName: tt.findName, Region: "us-east-1"}
			r := h.withOwner(t.Context(), h.Log, report.New(report.Opened, f, ""))
			if diff := cmp.Diff(tt.want, r.Owner); diff != "" {
				t.Errorf("owner (-want +got):\n%s", diff)
			}
			if tt.owners != nil && !cmp.Equal(tt.owners.asked, []string{"111122223333"}) {
				t.Errorf("asked about %v, want the finding's account once", tt.owners.asked)
			}
		})
	}
}
