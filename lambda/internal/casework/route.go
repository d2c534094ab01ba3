package casework

import (
	"context"

	"github.com/iam4-responder/iam4-responder/lambda/internal/route"
	"github.com/iam4-responder/iam4-responder/lambda/internal/sink"
)

// Routes sends each account's cases to its route's channels (docs/followup.md, "Routing"): the
// account's owner (Handler.Owners, cached) is matched against the routing table, first match
// wins. A route's channel replaces the stack's one of the same kind; a channel the route leaves
// empty keeps the stack's. A digest route gets no per-event e-mail or chat: its open cases are
// listed once a day instead (digest.go); its tickets (Jira, OpsItem) still open and move.
type Routes struct {
	Table route.Table
	// SNS publishes to the topics the routes name (sink.SNS over the function's client).
	SNS sink.SNSAPI
	// Jira is the configured Jira sink, copied with a route's project; nil without Jira.
	Jira *sink.Jira
}

// sinksFor chooses the sinks of an account's case: its route's, else the stack's.
func (h *Handler) sinksFor(ctx context.Context, account string) []CaseSink {
	if h.Routes == nil {
		return h.Sinks
	}
	_, d := h.ownerAndRoute(ctx, account)
	return h.Routes.sinks(h.Sinks, d)
}

// ownerAndRoute names the account's owner and decides its route. An account whose owner
// Organizations could not name (a denied or failed call) takes the default route with a log
// line: a partial answer could match a later rule that the missing tags would have overruled,
// and the case is never held back for its route.
func (h *Handler) ownerAndRoute(ctx context.Context, account string) (route.Account, route.Decision) {
	a := route.Account{ID: account}
	if h.Routes == nil {
		return a, route.Decision{}
	}
	if h.Owners != nil {
		got, err := h.Owners.Lookup(ctx, account)
		if err != nil {
			h.Log.WarnContext(ctx, "account owner unknown: the case takes the default route",
				"account", account, "error", err.Error())
			return got, route.Decision{Channels: h.Routes.Table.Default}
		}
		a = got
	}
	return a, h.Routes.Table.Route(a)
}

// sinks replaces the stack's sinks by the route's channels of the same kind, in the stack's order.
// A chat topic the stack lacks but the route names comes right after the e-mail.
func (r *Routes) sinks(base []CaseSink, d route.Decision) []CaseSink {
	var out []CaseSink
	chat := d.Channels.ChatTopicARN
	hasChat := false
	for _, s := range base {
		switch s.Name() {
		case "email":
			if d.Digest {
				continue
			}
			if t := d.Channels.EmailTopicARN; t != "" {
				s = sink.Email{SNS: sink.SNS{API: r.SNS, TopicARN: t}}
			}
			out = append(out, s)
			if !hasChat && chat != "" && !slicesHasName(base, "chat") {
				out = append(out, sink.Chat{SNS: sink.SNS{API: r.SNS, TopicARN: chat}})
				hasChat = true
			}
			continue
		case "chat":
			hasChat = true
			if d.Digest {
				continue
			}
			if chat != "" {
				s = sink.Chat{SNS: sink.SNS{API: r.SNS, TopicARN: chat}}
			}
		case "jira":
			if p := d.Channels.JiraProject; p != "" && r.Jira != nil {
				j := *r.Jira
				j.Project = p
				s = j
			}
		}
		out = append(out, s)
	}
	return out
}

func slicesHasName(sinks []CaseSink, name string) bool {
	for _, s := range sinks {
		if s.Name() == name {
			return true
		}
	}
	return false
}
