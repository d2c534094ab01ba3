package sink

import (
	"context"

	"github.com/iam4-responder/iam4-responder/lambda/internal/report"
)

// Email sends the plain-text e-mail through SNS.
type Email struct{ SNS SNS }

// Name is the sink's name in ledger keys and ticket references.
func (Email) Name() string { return "email" }

// Open sends the case's e-mail.
func (e Email) Open(ctx context.Context, r report.Report) (string, error) {
	subject, body := r.Email()
	return e.SNS.Publish(ctx, subject, body)
}

// Resolve sends the resolution e-mail.
func (e Email) Resolve(ctx context.Context, r report.Report, _ string) (string, error) {
	subject, body := r.Email()
	return e.SNS.Publish(ctx, subject, body)
}

// Chat publishes Amazon Q Developer custom notifications to the topic its chat channels
// subscribe to (its own topic: the chat client reads the JSON, not the e-mail text).
type Chat struct{ SNS SNS }

// Name is the sink's name.
func (Chat) Name() string { return "chat" }

// Open posts the case's card.
func (c Chat) Open(ctx context.Context, r report.Report) (string, error) {
	return c.SNS.Publish(ctx, "", string(r.Chat()))
}

// Resolve posts the resolution card in the same thread.
func (c Chat) Resolve(ctx context.Context, r report.Report, _ string) (string, error) {
	return c.SNS.Publish(ctx, "", string(r.Chat()))
}
