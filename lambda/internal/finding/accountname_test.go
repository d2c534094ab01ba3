package finding

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/iam4-responder/iam4-responder/internal/samples"
)

// The account's name arrives as ASFF AwsAccountName (botocore's securityhub model: "The name of
// the Amazon Web Services account from which a finding was generated", at most 50 characters) or
// OCSF cloud.account.name; the samples lack it, so it is added beside the account id.
func TestFindingKeepsTheAccountName(t *testing.T) {
	tests := []struct {
		name   string
		sample string
		from   string // the account id's field as the sample writes it
		to     string // with the name beside it
		want   string
	}{
		{"ASFF without a name has none", "iam4-consolidated-failed", "", "", ""},
		{"ASFF AwsAccountName is kept as sent", "iam4-consolidated-failed",
			`"AwsAccountId": "111122223333"`, `"AwsAccountId": "111122223333", "AwsAccountName": "prod <b>payments</b>"`,
			"prod <b>payments</b>"},
		{"OCSF cloud.account.name is kept as sent", "ocsf-iam4-failed",
			`"uid": "111122223333"`, `"uid": "111122223333", "name": "sandbox-7"`, "sandbox-7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw, err := samples.Finding(tt.sample)
			if err != nil {
				t.Fatal(err)
			}
			if tt.from != "" {
				if !bytes.Contains(raw, []byte(tt.from)) {
					t.Fatalf("sample %s has no %s", tt.sample, tt.from)
				}
				raw = bytes.Replace(raw, []byte(tt.from), []byte(tt.to), 1)
			}
			ev, err := Parse(raw)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range ev.Findings {
				got = append(got, f.AccountName)
			}
			if diff := cmp.Diff([]string{tt.want}, got); diff != "" {
				t.Errorf("account names (-want +got):\n%s", diff)
			}
		})
	}
}
