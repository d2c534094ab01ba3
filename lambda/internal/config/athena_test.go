package config

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/iam4-responder/iam4-responder/lambda/contract"
)

func TestAthenaSettingsReachTheFunction(t *testing.T) {
	for _, tc := range []struct {
		name    string
		set     map[string]string
		want    *Athena
		wantErr string
	}{
		{name: "unset leaves event history alone", want: nil},
		{
			name: "the table the stack created",
			set: map[string]string{contract.EnvAthenaDatabase: "iam4_c8a1f3", contract.EnvAthenaTable: "cloudtrail_logs",
				contract.EnvAthenaWorkgroup: "iam4-c8a1f3", contract.EnvAthenaLookbackDays: "400"},
			want: &Athena{Database: "iam4_c8a1f3", Table: "cloudtrail_logs", Workgroup: "iam4-c8a1f3", LookbackDays: 400},
		},
		{
			name: "a year unless told", set: map[string]string{contract.EnvAthenaTable: "org_trail", contract.EnvAthenaWorkgroup: "secops"},
			want: &Athena{Table: "org_trail", Workgroup: "secops", LookbackDays: 365},
		},
		{
			name: "a table without a workgroup names the missing variable", set: map[string]string{contract.EnvAthenaTable: "org_trail"},
			wantErr: contract.EnvAthenaWorkgroup,
		},
		{
			name: "a table name that would need quoting", set: map[string]string{contract.EnvAthenaTable: `t"; --`, contract.EnvAthenaWorkgroup: "w"},
			wantErr: contract.EnvAthenaTable,
		},
		{
			name: "a lookback that is not days", set: map[string]string{contract.EnvAthenaTable: "t", contract.EnvAthenaWorkgroup: "w",
				contract.EnvAthenaLookbackDays: "1y"},
			wantErr: contract.EnvAthenaLookbackDays,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := valid()
			for k, v := range tc.set {
				m[k] = v
			}
			got, err := FromEnv(env(m))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one naming %s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got.Athena); diff != "" {
				t.Errorf("athena (-want +got):\n%s", diff)
			}
		})
	}
}
