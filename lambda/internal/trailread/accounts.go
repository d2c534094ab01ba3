package trailread

import (
	"sync"

	"github.com/iam4-responder/iam4-responder/lambda/internal/evidence"
	"github.com/iam4-responder/iam4-responder/lambda/internal/evidence/awsip"
)

// Accounts aggregates root records per account, by the record's recipientAccountId (the account
// the event was delivered to; an organization trail holds many). Its Add is a Sink.
type Accounts struct {
	ranges *awsip.Ranges
	mu     sync.Mutex
	byID   map[string]*evidence.Usage
}

// NewAccounts returns an empty aggregate; ranges decides which addresses are AWS's.
func NewAccounts(ranges *awsip.Ranges) *Accounts {
	return &Accounts{ranges: ranges, byID: map[string]*evidence.Usage{}}
}

// Add counts a root record for its account. Root records are a tiny share of a trail, so one
// lock here costs nothing next to the scan that found them.
func (a *Accounts) Add(account string, r *evidence.Record) {
	a.mu.Lock()
	u, ok := a.byID[account]
	if !ok {
		u = evidence.NewUsage(a.ranges)
		a.byID[account] = u
	}
	a.mu.Unlock()
	u.Add(r)
}

// Summaries returns each account's summary.
func (a *Accounts) Summaries() map[string]evidence.Summary {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make(map[string]evidence.Summary, len(a.byID))
	for id, u := range a.byID {
		out[id] = u.Summary()
	}
	return out
}
