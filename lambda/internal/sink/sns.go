// Package sink delivers rendered reports to the channels an ops team reads. Each sink takes text
// that its renderer already escaped and capped; a sink only moves it over the wire and returns a
// reference to what it created. Sinks do not log and do not retry beyond the SDK's own policy.
package sink

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
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

// Publish sends one message and returns its SNS message id.
func (s SNS) Publish(ctx context.Context, subject, body string) (string, error) {
	in := &sns.PublishInput{TopicArn: aws.String(s.TopicARN), Message: aws.String(body)}
	if subject != "" {
		in.Subject = aws.String(subject)
	}
	out, err := s.API.Publish(ctx, in)
	if err != nil {
		return "", fmt.Errorf("publish to %s: %w", s.TopicARN, err)
	}
	return aws.ToString(out.MessageId), nil
}
