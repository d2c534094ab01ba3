package sink

import (
	"context"

	"github.com/iam4-responder/iam4-responder/lambda/internal/report"
)

// Email sends the plain-text e-mail through SNS. SNS standard topics have no idempotency: the
// e-mail is sent at most once per delivery key (see docs/delivery.md).
type Email struct{ SNS SNS }

// Name is the sink's name in ledger keys and ticket references.
func (Email) Name() string { return "email" }

// Open sends the case's e-mail.
func (e Email) Open(ctx context.Context, r report.Report, key string) (string, error) {
	subject, body := r.Email()
	return e.SNS.Publish(ctx, subject, body, key+"#open/email")
}

// Resolve sends the resolution e-mail.
func (e Email) Resolve(ctx context.Context, r report.Report, _, key string) (string, error) {
	subject, body := r.Email()
	return e.SNS.Publish(ctx, subject, body, key+"#resolve/email")
}

// Chat publishes Amazon Q Developer custom notifications to the topic its chat channels
// subscribe to (its own topic: the chat client reads the JSON, not the e-mail text).
type Chat struct{ SNS SNS }

// Name is the sink's name.
func (Chat) Name() string { return "chat" }

// Open posts the case's card.
func (c Chat) Open(ctx context.Context, r report.Report, key string) (string, error) {
	return c.SNS.Publish(ctx, "", string(r.Chat()), key+"#open/chat")
}

// Resolve posts the resolution card in the same thread.
func (c Chat) Resolve(ctx context.Context, r report.Report, _, key string) (string, error) {
	return c.SNS.Publish(ctx, "", string(r.Chat()), key+"#resolve/chat")
}
