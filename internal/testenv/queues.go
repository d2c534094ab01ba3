package testenv

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
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

// Receive waits until the queue has given exactly n messages and returns them. It fails the test
// when n have not arrived within the bound (10 seconds without a new message), or when more than n
// arrive. For n == 0 it makes one receive: moto delivers SNS to SQS inside Publish, so a message
// that was published is already there.
func Receive(t testing.TB, cfg aws.Config, queueURL string, n int) []sqstypes.Message {
	t.Helper()
	got, err := receive(Context(t, 5*time.Minute), sqs.NewFromConfig(cfg), queueURL, n, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != n {
		t.Fatalf("queue %s gave %d messages, want %d", queueURL, len(got), n)
	}
	return got
}

// receive reads until n messages came and one more receive found nothing, or until quiet passed
// without a new message.
func receive(ctx context.Context, client *sqs.Client, queueURL string, n int, quiet time.Duration) ([]sqstypes.Message, error) {
	var got []sqstypes.Message
	last := time.Now()
	for {
		wait := int32(1)
		if len(got) >= n {
			wait = 0 // only looking for extras
		}
		out, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(queueURL), MaxNumberOfMessages: 10, WaitTimeSeconds: wait,
			MessageAttributeNames: []string{"All"}, VisibilityTimeout: 300,
		})
		if err != nil {
			return got, fmt.Errorf("receive from %s: %w", queueURL, err)
		}
		got = append(got, out.Messages...)
		switch {
		case len(out.Messages) > 0:
			last = time.Now()
		case len(got) >= n:
			return got, nil
		case time.Since(last) > quiet:
			return got, nil
		}
	}
}
