package config

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func valid() map[string]string {
	return map[string]string{
		EnvTopicARN:        "arn:aws:sns:us-east-1:111122223333:iam4",
		EnvLedgerTable:     "iam4-ledger",
		EnvDeadLetterQueue: "https://sqs.us-east-1.amazonaws.com/111122223333/iam4-dlq",
	}
}

func TestFromEnvReadsEverySetting(t *testing.T) {
	m := valid()
	m[EnvClaimLease] = "90s"
	m[EnvRegions] = "us-east-1, ap-northeast-1"
	m[EnvLookbackDays] = "30"
	m[EnvIPRangesURL] = "off"
	got, err := FromEnv(env(m))
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		TopicARN:        "arn:aws:sns:us-east-1:111122223333:iam4",
		LedgerTable:     "iam4-ledger",
		DeadLetterQueue: "https://sqs.us-east-1.amazonaws.com/111122223333/iam4-dlq",
		ClaimLease:      90 * time.Second,
		Regions:         []string{"us-east-1", "ap-northeast-1"},
		LookbackDays:    30,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("FromEnv (-want +got):\n%s", diff)
	}
}

func TestFromEnvNamesTheBadVariable(t *testing.T) {
	tests := []struct {
		name string
		set  string
		to   string
		want string
	}{
		{"missing topic", EnvTopicARN, "", EnvTopicARN + `: "" is not an SNS topic ARN`},
		{"topic name instead of ARN", EnvTopicARN, "iam4", EnvTopicARN + `: "iam4" is not an SNS topic ARN`},
		{"missing table", EnvLedgerTable, " ", EnvLedgerTable + ": missing"},
		{"queue name instead of URL", EnvDeadLetterQueue, "iam4-dlq", EnvDeadLetterQueue + `: "iam4-dlq" is not an SQS queue URL`},
		{"lease without unit", EnvClaimLease, "300", EnvClaimLease + `: "300" is not a duration`},
		{"lease too long", EnvClaimLease, "2h", EnvClaimLease + ": 2h0m0s is outside"},
		{"Region typo", EnvRegions, "us-east-1,useast2", EnvRegions + `: "useast2" is not a Region name`},
		{"lookback beyond CloudTrail", EnvLookbackDays, "120", EnvLookbackDays + `: "120" is not a whole number of days`},
		{"ip ranges neither URL nor off", EnvIPRangesURL, "snapshot", EnvIPRangesURL + `: "snapshot" is neither`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := valid()
			m[tt.set] = tt.to
			_, err := FromEnv(env(m))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("FromEnv error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}
