package eventpattern

import "testing"

func TestMatchFollowsEventBridgeSemantics(t *testing.T) {
	event := `{
	  "source": "aws.securityhub",
	  "detail": {
	    "count": 5,
	    "flag": true,
	    "findings": [
	      {"Compliance": {"Status": "PASSED", "SecurityControlId": "IAM.4"}, "GeneratorId": "security-control/IAM.4"},
	      {"Compliance": {"Status": "FAILED", "SecurityControlId": "IAM.6"}, "Tags": ["a", "b"]}
	    ]
	  }
	}`
	tests := []struct {
		name    string
		pattern string
		want    bool
	}{
		{"exact value", `{"source":["aws.securityhub"]}`, true},
		{"one of several values", `{"source":["aws.ec2","aws.securityhub"]}`, true},
		{"wrong value", `{"source":["aws.ec2"]}`, false},
		{"missing field", `{"region":["us-east-1"]}`, false},
		{"field inside an array of objects", `{"detail":{"findings":{"Compliance":{"SecurityControlId":["IAM.4"]}}}}`, true},
		{"fields of different array elements still match together (documented quirk)",
			`{"detail":{"findings":{"Compliance":{"SecurityControlId":["IAM.4"],"Status":["FAILED"]}}}}`, true},
		{"array of strings matches any element", `{"detail":{"findings":{"Tags":["b"]}}}`, true},
		{"prefix", `{"source":[{"prefix":"aws."}]}`, true},
		{"prefix ignoring case", `{"source":[{"prefix":{"equals-ignore-case":"AWS."}}]}`, true},
		{"suffix", `{"detail":{"findings":{"GeneratorId":[{"suffix":"/IAM.4"}]}}}`, true},
		{"suffix mismatch", `{"detail":{"findings":{"GeneratorId":[{"suffix":"/IAM.40"}]}}}`, false},
		{"equals-ignore-case", `{"source":[{"equals-ignore-case":"AWS.SecurityHub"}]}`, true},
		{"anything-but a value", `{"source":[{"anything-but":"aws.ec2"}]}`, true},
		{"anything-but the value", `{"source":[{"anything-but":["aws.securityhub"]}]}`, false},
		{"anything-but a prefix", `{"source":[{"anything-but":{"prefix":"aws."}}]}`, false},
		{"anything-but on a missing field", `{"region":[{"anything-but":"x"}]}`, false},
		{"exists true", `{"detail":{"count":[{"exists":true}]}}`, true},
		{"exists false on a missing field", `{"detail":{"missing":[{"exists":false}]}}`, true},
		{"exists false on a present field", `{"detail":{"count":[{"exists":false}]}}`, false},
		{"numeric range", `{"detail":{"count":[{"numeric":[">",0,"<=",5]}]}}`, true},
		{"numeric outside", `{"detail":{"count":[{"numeric":[">",5]}]}}`, false},
		{"boolean", `{"detail":{"flag":[true]}}`, true},
		{"$or: one branch holds", `{"$or":[{"source":["x"]},{"detail":{"count":[5]}}]}`, true},
		{"$or: no branch holds", `{"$or":[{"source":["x"]},{"detail":{"count":[6]}}]}`, false},
		{"$or nested under a field", `{"detail":{"findings":{"$or":[{"GeneratorId":["x"]},{"Tags":["a"]}]}}}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Match([]byte(tt.pattern), []byte(event))
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("Match = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestMatchRejectsWhatItDoesNotKnow(t *testing.T) {
	for _, p := range []string{
		`{"source":[{"wildcard":"aws.*"}]}`,
		`{"source":"aws.securityhub"}`,
		`{"$or":[{"source":["x"]}]}`,
		`{"source":[{"exists":"yes"}]}`,
	} {
		if _, err := Match([]byte(p), []byte(`{"source":"aws.securityhub"}`)); err == nil {
			t.Errorf("Match(%s): no error", p)
		}
	}
}
