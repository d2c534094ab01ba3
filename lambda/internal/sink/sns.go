// Package sink delivers rendered reports to the channels an ops team reads. Each sink takes text
// that its renderer already escaped and capped; a sink only moves it over the wire and returns a
// reference to what it created. Sinks do not log. A sink that can make a repeated call harmless
// does so with the delivery key it is given (Jira: a label found by search; OpsItem: /aws/dedup);
// SNS cannot, so its calls are never retried by the SDK (see docs/delivery.md).
package sink

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"
)

// SNSAPI is the part of the SNS client the sink uses.
type SNSAPI interface {
	Publish(ctx context.Context, in *sns.PublishInput, opts ...func(*sns.Options)) (*sns.PublishOutput, error)
}

// SNS publishes plain-text notifications (e-mail subscribers read them as they are).
type SNS struct {
	API      SNSAPI
	TopicARN string
}

// DeliveryAttribute is the message attribute carrying the delivery key. SNS standard topics do
// not deduplicate (MessageDeduplicationId exists only on FIFO topics, which cannot deliver
// e-mail); the attribute lets a subscriber that can (a queue consumer, a chat relay) drop a
// duplicate, and lets an operator match a message to the ledger.
const DeliveryAttribute = "iam4.delivery"

// Publish sends one message and returns its SNS message id. The SDK does not retry it: a
// request whose answer was lost may have been published, and a second one would be a
// second e-mail.
func (s SNS) Publish(ctx context.Context, subject, body, delivery string) (string, error) {
	in := &sns.PublishInput{TopicArn: aws.String(s.TopicARN), Message: aws.String(body)}
	if subject != "" {
		in.Subject = aws.String(subject)
	}
	if delivery != "" {
		in.MessageAttributes = map[string]types.MessageAttributeValue{
			DeliveryAttribute: {DataType: aws.String("String"), StringValue: aws.String(delivery)},
		}
	}
	out, err := s.API.Publish(ctx, in, func(o *sns.Options) { o.RetryMaxAttempts = 1 })
	if err != nil {
		return "", fmt.Errorf("publish to %s: %w", s.TopicARN, err)
	}
	return aws.ToString(out.MessageId), nil
}
