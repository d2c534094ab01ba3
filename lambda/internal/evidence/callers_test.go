package evidence

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestActionCallersSplitUseBySourceAddress(t *testing.T) {
	t0 := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	withARN := func(r *Record, arn string) *Record {
		r.Resources = append(r.Resources, struct {
			ARN  string `json:"ARN"`
			Type string `json:"type"`
		}{arn, "AWS::S3::Object"})
		return r
	}
	tests := []struct {
		name    string
		records func() []*Record
		want    []ActionCaller
	}{
		{
			name: "two callers of one action keep their own resources",
			records: func() []*Record {
				return []*Record{
					withARN(keyCall("AKIAIOSFODNN7EXAMPLE", "54.250.10.11", "", "s3:PutObject", t0), "arn:aws:s3:::backups/a"),
					withARN(keyCall("AKIAIOSFODNN7EXAMPLE", "54.250.10.11", "", "s3:PutObject", t0), "arn:aws:s3:::backups/b"),
					withARN(keyCall("AKIAIOSFODNN7EXAMPLE", "203.0.113.9", "", "s3:PutObject", t0), "arn:aws:s3:::home/x"),
				}
			},
			want: []ActionCaller{
				{IP: "54.250.10.11", Calls: 2, Resources: []Text{"arn:aws:s3:::backups/a", "arn:aws:s3:::backups/b"}, AllNamed: true},
				{IP: "203.0.113.9", Calls: 1, Resources: []Text{"arn:aws:s3:::home/x"}, AllNamed: true},
			},
		},
		{
			name: "a call that names no resource makes the caller's resources incomplete",
			records: func() []*Record {
				failed := keyCall("AKIAIOSFODNN7EXAMPLE", "203.0.113.9", "", "s3:PutObject", t0)
				failed.ErrorCode = "AccessDenied"
				return []*Record{
					withARN(keyCall("AKIAIOSFODNN7EXAMPLE", "203.0.113.9", "", "s3:PutObject", t0), "arn:aws:s3:::home/x"),
					failed,
				}
			},
			want: []ActionCaller{{IP: "203.0.113.9", Calls: 2, Errors: 1, Resources: []Text{"arn:aws:s3:::home/x"}}},
		},
		{
			name: "callers beyond the limit are counted under (other), never dropped",
			records: func() []*Record {
				var rs []*Record
				for i := range maxActionCallers + 2 {
					rs = append(rs, keyCall("AKIAIOSFODNN7EXAMPLE", fmt.Sprintf("198.51.100.%d", 10+i), "", "s3:PutObject", t0))
				}
				return rs
			},
			want: nil, // checked by count below
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := NewUsage(testRanges(t))
			recs := tt.records()
			for _, r := range recs {
				u.Add(r)
			}
			got := u.Summary().Keys[0].Actions[0].Callers
			if tt.want == nil {
				total := 0
				for _, c := range got {
					total += c.Calls
				}
				if len(got) != maxActionCallers+1 || total != len(recs) || got[0].IP != other || got[0].AllNamed {
					t.Errorf("got %d callers, %d calls, first %+v; want %d callers, %d calls, (other) first",
						len(got), total, got[0], maxActionCallers+1, len(recs))
				}
				return
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("callers (-want +got):\n%s", diff)
			}
		})
	}
}
