// Package localaws starts and prepares the local stand-ins for AWS (moto_server) and creates
// the resources a run needs in them. The integration tests (through testenv) and the local demo
// share it. It only ever talks to loopback.
package localaws

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// Region is the Region local runs use.
const Region = "us-east-1"

// Account is the account moto answers as (MOTO_ACCOUNT_ID): the shared samples' account, so
// that sts:GetCallerIdentity agrees with the sample findings.
const Account = "111122223333"

// ErrNoMoto says moto_server is not installed.
var ErrNoMoto = errors.New(`moto_server not found: pip install "moto[server]"`)

// Moto is a moto_server this package started.
type Moto struct {
	URL string
	cmd *exec.Cmd
	log string
}

// StartMoto starts moto_server on a free loopback port, answering as Account.
func StartMoto(ctx context.Context) (*Moto, error) {
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		return nil, ErrNoMoto
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	m := &Moto{URL: fmt.Sprintf("http://127.0.0.1:%d", port), log: fmt.Sprintf("%s/iam4-moto-%d.log", os.TempDir(), port)}
	m.cmd = exec.Command(bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	m.cmd.Env = append(os.Environ(), "MOTO_ACCOUNT_ID="+Account)
	dieWithParent(m.cmd)
	f, err := os.Create(m.log)
	if err == nil {
		m.cmd.Stdout, m.cmd.Stderr = f, f
		defer f.Close() // the server writes through its own copy
	}
	if err := m.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { _ = m.cmd.Wait() }()
	if err := WaitHTTP(ctx, m.URL+"/moto-api/", 30*time.Second); err != nil {
		m.kill() // the log stays: the error names it
		return nil, fmt.Errorf("moto_server did not start (log %s): %w", m.log, err)
	}
	return m, nil
}

// Stop ends the server and removes its log: one moto_server per test package and run would
// otherwise leave hundreds of logs in the temporary directory.
func (m *Moto) Stop() {
	m.kill()
	if m != nil && m.log != "" {
		_ = os.Remove(m.log)
	}
}

func (m *Moto) kill() {
	if m != nil && m.cmd != nil && m.cmd.Process != nil {
		_ = m.cmd.Process.Kill()
	}
}

// FreePort asks the kernel for a free loopback port.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// WaitHTTP waits until url answers.
func WaitHTTP(ctx context.Context, url string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Config returns an SDK configuration for endpoint with dummy credentials and a small, fixed
// number of attempts (the SDK would otherwise retry a local server's HTTP 500 three times).
func Config(endpoint string) aws.Config {
	return aws.Config{
		Region:       Region,
		Credentials:  credentials.NewStaticCredentialsProvider("AKIAIOSFODNN7EXAMPLE", "local-secret", ""),
		BaseEndpoint: aws.String(endpoint),
		Retryer:      func() aws.Retryer { return retry.AddWithMaxAttempts(retry.NewStandard(), 2) },
	}
}

// Queue creates an SQS queue and returns its URL and ARN.
func Queue(ctx context.Context, cfg aws.Config, name string) (url, arn string, err error) {
	client := sqs.NewFromConfig(cfg)
	q, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name)})
	if err != nil {
		return "", "", fmt.Errorf("create queue %s: %w", name, err)
	}
	attrs, err := client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl: q.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn},
	})
	if err != nil {
		return "", "", fmt.Errorf("queue %s attributes: %w", name, err)
	}
	return aws.ToString(q.QueueUrl), attrs.Attributes[string(sqstypes.QueueAttributeNameQueueArn)], nil
}

// TopicWithQueue creates an SNS topic with an SQS queue subscribed, to read what is published.
func TopicWithQueue(ctx context.Context, cfg aws.Config, name string) (topicARN, queueURL string, err error) {
	topics := sns.NewFromConfig(cfg)
	topic, err := topics.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String(name)})
	if err != nil {
		return "", "", fmt.Errorf("create topic %s: %w", name, err)
	}
	url, arn, err := Queue(ctx, cfg, name)
	if err != nil {
		return "", "", err
	}
	if _, err := topics.Subscribe(ctx, &sns.SubscribeInput{
		TopicArn: topic.TopicArn, Protocol: aws.String("sqs"), Endpoint: aws.String(arn),
	}); err != nil {
		return "", "", fmt.Errorf("subscribe %s: %w", name, err)
	}
	return aws.ToString(topic.TopicArn), url, nil
}

// Table creates an on-demand DynamoDB table with a string partition key, as the stack creates
// the ledger.
func Table(ctx context.Context, cfg aws.Config, name, key string) error {
	_, err := dynamodb.NewFromConfig(cfg).CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		AttributeDefinitions: []dbtypes.AttributeDefinition{{AttributeName: aws.String(key), AttributeType: dbtypes.ScalarAttributeTypeS}},
		KeySchema:            []dbtypes.KeySchemaElement{{AttributeName: aws.String(key), KeyType: dbtypes.KeyTypeHash}},
		BillingMode:          dbtypes.BillingModePayPerRequest,
	})
	var inUse *dbtypes.ResourceInUseException
	if errors.As(err, &inUse) {
		// The SDK retries a create whose answer was lost; the retry then finds the table the
		// first attempt made. A table of that name and key shape is the one asked for.
		return sameTable(ctx, cfg, name, key, err)
	}
	if err != nil {
		return fmt.Errorf("create table %s: %w", name, err)
	}
	return nil
}

// sameTable accepts an existing table when its key is the one asked for.
func sameTable(ctx context.Context, cfg aws.Config, name, key string, createErr error) error {
	d, err := dynamodb.NewFromConfig(cfg).DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	if err != nil {
		return fmt.Errorf("create table %s: %w (and describe: %v)", name, createErr, err)
	}
	ks := d.Table.KeySchema
	if len(ks) != 1 || aws.ToString(ks[0].AttributeName) != key || ks[0].KeyType != dbtypes.KeyTypeHash {
		return fmt.Errorf("create table %s: %w (it exists with another key)", name, createErr)
	}
	return nil
}

// Drain returns every message the queue holds after waiting up to wait for the first.
func Drain(ctx context.Context, cfg aws.Config, queueURL string, wait time.Duration) ([]sqstypes.Message, error) {
	client := sqs.NewFromConfig(cfg)
	var got []sqstypes.Message
	deadline := time.Now().Add(wait)
	for {
		out, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(queueURL), MaxNumberOfMessages: 10, WaitTimeSeconds: 1,
			MessageAttributeNames: []string{"All"},
		})
		if err != nil {
			return got, err
		}
		got = append(got, out.Messages...)
		if (len(got) > 0 && len(out.Messages) == 0) || time.Now().After(deadline) {
			return got, nil
		}
	}
}
