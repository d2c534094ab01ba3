package testenv

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/iam4-responder/iam4-responder/internal/localaws"
)

// Queue creates an SQS queue and returns its URL and ARN.
func Queue(t testing.TB, cfg aws.Config, name string) (url, arn string) {
	t.Helper()
	url, arn, err := localaws.Queue(Context(t, 30*time.Second), cfg, name)
	if err != nil {
		t.Fatal(err)
	}
	return url, arn
}

// TopicWithQueue creates an SNS topic with an SQS queue subscribed to it, so that tests can read
// what was published. It returns the topic ARN and the queue URL.
func TopicWithQueue(t testing.TB, cfg aws.Config, name string) (topicARN, queueURL string) {
	t.Helper()
	topic, url, err := localaws.TopicWithQueue(Context(t, 30*time.Second), cfg, name)
	if err != nil {
		t.Fatal(err)
	}
	return topic, url
}

// Table creates the ledger's table shape and returns its name.
func Table(t testing.TB, cfg aws.Config, name, key string) string {
	t.Helper()
	if err := localaws.Table(Context(t, 30*time.Second), cfg, name, key); err != nil {
		t.Fatal(err)
	}
	return name
}

// Receive waits until the queue holds n messages, or fails the test after 10 seconds. It returns
// every message received by then, and fails when more than n arrived.
func Receive(t testing.TB, cfg aws.Config, queueURL string, n int) []sqstypes.Message {
	t.Helper()
	wait := 10 * time.Second
	if n == 0 {
		wait = 2 * time.Second
	}
	got, err := localaws.Drain(Context(t, 30*time.Second), cfg, queueURL, wait)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != n {
		t.Fatalf("queue %s holds %d messages, want %d", queueURL, len(got), n)
	}
	return got
}
