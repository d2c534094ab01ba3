package casework

import (
	"context"
	"log/slog"

	"github.com/iam4-responder/iam4-responder/lambda/internal/report"
	"github.com/iam4-responder/iam4-responder/lambda/internal/route"
)

// OwnerLookup names who owns an account: its name, OU path and chosen tags (route.Owners in
// production, which caches each account for the execution environment's life).
type OwnerLookup interface {
	Lookup(ctx context.Context, id string) (route.Account, error)
}

// withOwner adds what Organizations says about the report's account. Without a lookup the report
// keeps the finding's account name; when Organizations answers in part (a missing permission on
// ListParents or ListTagsForResource), the part it gave is used and the error logged, since a
// ticket is never held back for a name.
func (h *Handler) withOwner(ctx context.Context, log *slog.Logger, r report.Report) report.Report {
	if h.Owners == nil || r.Account == "" {
		return r
	}
	a, err := h.Owners.Lookup(ctx, r.Account)
	if err != nil {
		log.WarnContext(ctx, "account owner not fully known", "error", err.Error())
	}
	return r.WithOwner(a)
}
