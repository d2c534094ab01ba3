package testenv

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// Queue creates an SQS queue and returns its URL and ARN.
func Queue(t testing.TB, cfg aws.Config, name string) (url, arn string) {
	t.Helper()
	ctx := Context(t, 30*time.Second)
	client := sqs.NewFromConfig(cfg)
	q, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	attrs, err := client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl:       q.QueueUrl,
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn},
	})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(q.QueueUrl), attrs.Attributes[string(sqstypes.QueueAttributeNameQueueArn)]
}

// TopicWithQueue creates an SNS topic with an SQS queue subscribed to it, so that tests can read
// what was published. It returns the topic ARN and the queue URL.
func TopicWithQueue(t testing.TB, cfg aws.Config, name string) (topicARN, queueURL string) {
	t.Helper()
	ctx := Context(t, 30*time.Second)
	topics := sns.NewFromConfig(cfg)
	topic, err := topics.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	url, arn := Queue(t, cfg, name)
	if _, err := topics.Subscribe(ctx, &sns.SubscribeInput{
		TopicArn: topic.TopicArn, Protocol: aws.String("sqs"), Endpoint: aws.String(arn),
	}); err != nil {
		t.Fatal(err)
	}
	return aws.ToString(topic.TopicArn), url
}

// Receive waits until the queue holds n messages, or fails the test after 10 seconds. It returns
// every message received by then, and fails when more than n arrived.
func Receive(t testing.TB, cfg aws.Config, queueURL string, n int) []sqstypes.Message {
	t.Helper()
	ctx := Context(t, 30*time.Second)
	client := sqs.NewFromConfig(cfg)
	var got []sqstypes.Message
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		out, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(queueURL), MaxNumberOfMessages: 10, WaitTimeSeconds: 1,
			MessageAttributeNames: []string{"All"},
		})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, out.Messages...)
		if len(got) >= n && len(out.Messages) == 0 {
			break
		}
	}
	if len(got) != n {
		t.Fatalf("queue %s holds %d messages, want %d", queueURL, len(got), n)
	}
	return got
}

// Table creates an on-demand DynamoDB table with a string partition key, as the stack creates the
// ledger, and returns its name.
func Table(t testing.TB, cfg aws.Config, name, key string) string {
	t.Helper()
	_, err := dynamodb.NewFromConfig(cfg).CreateTable(Context(t, 30*time.Second), &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		AttributeDefinitions: []dbtypes.AttributeDefinition{{AttributeName: aws.String(key), AttributeType: dbtypes.ScalarAttributeTypeS}},
		KeySchema:            []dbtypes.KeySchemaElement{{AttributeName: aws.String(key), KeyType: dbtypes.KeyTypeHash}},
		BillingMode:          dbtypes.BillingModePayPerRequest,
	})
	if err != nil {
		t.Fatal(err)
	}
	return name
}
