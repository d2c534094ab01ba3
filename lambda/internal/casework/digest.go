package casework

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/iam4-responder/iam4-responder/lambda/internal/followup"
	"github.com/iam4-responder/iam4-responder/lambda/internal/ledger"
	"github.com/iam4-responder/iam4-responder/lambda/internal/report"
	"github.com/iam4-responder/iam4-responder/lambda/internal/route"
	"github.com/iam4-responder/iam4-responder/lambda/internal/sink"
)

// DigestKey names the ledger marker that one route's digest of one UTC day was sent: the first
// invocation to keep it sends, every other (a second schedule firing, Lambda's retry) does not.
func DigestKey(rule string, day time.Time) string {
	return "digest#" + rule + "#" + day.UTC().Format(time.DateOnly)
}

// Digest sends each route that asks for a digest one message listing its open cases (state, age,
// tickets), at most once per route and UTC day, to the route's e-mail topic and chat topic.
// The marker is kept before publishing, and SNS cannot tell a duplicate (docs/delivery.md): a
// publish that fails after the marker is logged and returned, and that day's digest of the route
// is not sent again. A route with no open case sends nothing.
func (h *Handler) Digest(ctx context.Context) error {
	if h.Routes == nil {
		return nil
	}
	var digestRules []route.Rule
	for _, r := range h.Routes.Table.Rules {
		if r.Digest {
			digestRules = append(digestRules, r)
		}
	}
	if len(digestRules) == 0 {
		return nil
	}
	now := h.now()
	all, err := h.Ledger.Store.Cases(ctx)
	if err != nil {
		return fmt.Errorf("digest: list cases: %w", err)
	}
	byRule := map[string][]report.DigestCase{}
	for _, c := range all {
		dc, ok := h.digestCase(ctx, c, now)
		if !ok {
			continue
		}
		a, d := h.ownerAndRoute(ctx, dc.Account)
		if !d.Digest {
			continue
		}
		if a.Name != "" {
			dc.AccountName = a.Name
		}
		byRule[d.Rule] = append(byRule[d.Rule], dc)
	}
	var errs []error
	for _, r := range digestRules {
		log := h.Log.With("route", r.Name, "task", "digest")
		cases := byRule[r.Name]
		if len(cases) == 0 {
			log.InfoContext(ctx, "digest: no open case on this route")
			continue
		}
		key := DigestKey(r.Name, now)
		token := newOwner()
		kept, err := h.Ledger.Keep(ctx, key, []byte(token))
		if err != nil {
			errs = append(errs, fmt.Errorf("digest %s: %w", r.Name, err))
			continue
		}
		if string(kept) != token {
			log.InfoContext(ctx, "digest already sent today", "key", key)
			continue
		}
		d := report.Digest{Route: r.Name, Lang: h.Lang, At: now, Cases: cases}
		email, chat := h.digestTopics(r)
		subject, body := d.Email()
		if _, err := (sink.SNS{API: h.Routes.SNS, TopicARN: email}).Publish(ctx, subject, body, key+"/email"); err != nil {
			log.ErrorContext(ctx, "digest e-mail not sent", "error", err.Error())
			errs = append(errs, fmt.Errorf("digest %s e-mail: %w", r.Name, err))
		}
		if chat != "" {
			if _, err := (sink.SNS{API: h.Routes.SNS, TopicARN: chat}).Publish(ctx, "", string(d.Chat()), key+"/chat"); err != nil {
				log.ErrorContext(ctx, "digest chat not sent", "error", err.Error())
				errs = append(errs, fmt.Errorf("digest %s chat: %w", r.Name, err))
			}
		}
		log.InfoContext(ctx, "digest sent", "cases", len(cases), "email", email, "chat", chat)
	}
	return errors.Join(errs...)
}

// digestCase describes an open case for the digest; ok is false for a case that is not open (no
// ticket yet, resolving, resolved) or whose follow-up is closed.
func (h *Handler) digestCase(ctx context.Context, c ledger.Case, now time.Time) (report.DigestCase, bool) {
	if c.State != ledger.Open {
		return report.DigestCase{}, false
	}
	dc := report.DigestCase{Account: accountOf(c.ID), State: followup.Open, Links: map[string]string{}}
	for name, st := range c.Steps {
		if s, ok := cutPrefix(name, "open/"); ok && st.Status == ledger.Done && st.Epoch == c.Epoch {
			if at := time.Unix(st.At, 0).UTC(); dc.Opened.IsZero() || at.Before(dc.Opened) {
				dc.Opened = at
			}
			if s == "email" || s == "chat" {
				continue // a message id names no ticket
			}
			dc.Links[s] = h.ticketLink(s, st.Ref)
		}
	}
	if c.FollowUp != nil {
		fc, err := c.FollowUp.State()
		if err != nil {
			h.Log.WarnContext(ctx, "digest: follow-up unreadable; the case is listed as open", "case", c.ID, "error", err.Error())
		} else {
			if fc.State == followup.Closed {
				return report.DigestCase{}, false
			}
			dc.State, dc.Since = fc.State, fc.Since
		}
	}
	if dc.Opened.IsZero() {
		dc.Opened = now
	}
	if dc.Since.IsZero() {
		dc.Since = dc.Opened
	}
	if f, err := trigger(c); err == nil && f.AccountName != "" {
		dc.AccountName = f.AccountName
	}
	return dc, true
}

// ticketLink turns a Jira issue key into its URL; other references stay as they are.
func (h *Handler) ticketLink(sinkName, ref string) string {
	if sinkName == "jira" && h.Routes.Jira != nil && h.Routes.Jira.BaseURL != "" {
		return h.Routes.Jira.BaseURL + "/browse/" + ref
	}
	return ref
}

// digestTopics are the route's e-mail and chat topics: its own, else the routing default's, else
// the stack's.
func (h *Handler) digestTopics(r route.Rule) (email, chat string) {
	email = firstOf(r.EmailTopicARN, h.Routes.Table.Default.EmailTopicARN)
	chat = firstOf(r.ChatTopicARN, h.Routes.Table.Default.ChatTopicARN)
	for _, s := range h.Sinks {
		switch s := s.(type) {
		case sink.Email:
			email = firstOf(email, s.SNS.TopicARN)
		case sink.Chat:
			chat = firstOf(chat, s.SNS.TopicARN)
		}
	}
	return email, chat
}

func firstOf(values ...string) string {
	i := slices.IndexFunc(values, func(v string) bool { return v != "" })
	if i < 0 {
		return ""
	}
	return values[i]
}
