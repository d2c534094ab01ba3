package casework

import (
	"context"
	"fmt"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/iam4-responder/iam4-responder/lambda/internal/textcap"
)

// SQSAPI is the part of the SQS client the dead-letter queue uses.
type SQSAPI interface {
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, opts ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
}

// DeadLetter keeps events that no retry can fix in the same queue that holds the events Lambda
// gave up on, so that an operator finds every unprocessed event, with its reason, in one place.
type DeadLetter struct {
	API      SQSAPI
	QueueURL string
}

// SQS takes at most 256 KiB per message, attributes included (SendMessage API reference); an
// EventBridge event is at most 256 KB, so the body is cut, and marked, in the rare worst case.
const (
	maxBody   = 240 << 10
	maxReason = 1024
)

// Reject sends the event and the reason to the queue.
func (d DeadLetter) Reject(ctx context.Context, event []byte, reason string) error {
	body, truncated := string(event), "false"
	if len(body) > maxBody {
		body, truncated = validPrefix(body, maxBody), "true"
	}
	if !sqsSafe(body) {
		// SQS accepts only XML-safe Unicode; keep the bytes readable instead of losing them.
		body = fmt.Sprintf("%q", body)
	}
	_, err := d.API.SendMessage(ctx, &sqs.SendMessageInput{
		QueueUrl:    aws.String(d.QueueURL),
		MessageBody: aws.String(body),
		MessageAttributes: map[string]types.MessageAttributeValue{
			"reason":    {DataType: aws.String("String"), StringValue: aws.String(validPrefix(reason, maxReason))},
			"source":    {DataType: aws.String("String"), StringValue: aws.String("iam4-responder")},
			"truncated": {DataType: aws.String("String"), StringValue: aws.String(truncated)},
		},
	})
	if err != nil {
		return fmt.Errorf("send to dead-letter queue: %w", err)
	}
	return nil
}

// validPrefix cuts s to at most n bytes without splitting a UTF-8 sequence.
func validPrefix(s string, n int) string { return textcap.Bytes(s, n) }

// sqsSafe reports whether SQS accepts s as a message body: not empty, and only #x9, #xA, #xD,
// #x20-#xD7FF, #xE000-#xFFFD and #x10000-#x10FFFF (SendMessage API reference).
func sqsSafe(s string) bool {
	if s == "" || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		switch {
		case r == 0x9 || r == 0xA || r == 0xD:
		case r >= 0x20 && r <= 0xD7FF, r >= 0xE000 && r <= 0xFFFD, r >= 0x10000 && r <= 0x10FFFF:
		default:
			return false
		}
	}
	return true
}
