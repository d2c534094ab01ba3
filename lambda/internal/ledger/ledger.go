// Package ledger is the at-most-once bookkeeping of deliveries in DynamoDB: one item per case and
// sink, moved from state to state with conditional writes, so that duplicated events, Lambda's
// retries and concurrent invocations deliver each ticket once.
//
// A claim carries a lease: a delivery that crashed mid-way is retried by a later invocation once
// its lease has run out, so a crash delays a ticket but does not lose it. The package never
// delivers anything itself.
package ledger

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// API is the part of the DynamoDB client the ledger uses.
type API interface {
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
}

// State of one case at one sink.
type State string

const (
	Opening   State = "opening"   // a delivery of the ticket is under way
	Open      State = "open"      // the ticket was delivered
	Resolving State = "resolving" // the resolution is being delivered
	Resolved  State = "resolved"  // the resolution was delivered; a new failure opens a new ticket
	Failed    State = "failed"    // the last delivery failed; the next attempt may claim at once
)

// Key is the ledger's partition key attribute.
const Key = "pk"

// Ledger records deliveries in one DynamoDB table whose partition key is the string "pk".
type Ledger struct {
	API   API
	Table string
	Lease time.Duration
	Now   func() time.Time // time.Now when nil
}

func (l *Ledger) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

// ItemKey is the ledger key of a case at a sink.
func ItemKey(caseID, sink string) string { return caseID + "#" + sink }

// Claim is the outcome of a Begin call. Won says the caller must deliver; otherwise State and
// OpenRef describe the item as it stands (OpenRef is the open ticket's reference, if any).
type Claim struct {
	Won     bool
	State   State
	OpenRef string
}

// BeginOpen claims the right to deliver a case's ticket to a sink. It is not won when the
// ticket is already open or another invocation holds a live claim.
func (l *Ledger) BeginOpen(ctx context.Context, key string) (Claim, error) {
	return l.move(ctx, key, Opening,
		"attribute_not_exists(#pk) OR #state IN (:resolved, :failed) OR (#state = :opening AND #lease < :now)", "")
}

// FinishOpen records the delivered ticket and its reference (message id, ticket key).
func (l *Ledger) FinishOpen(ctx context.Context, key, ref string) error {
	_, err := l.move(ctx, key, Open, "#state = :opening", ref)
	return err
}

// AbortOpen gives a failed delivery's claim back so that a retry can deliver at once.
func (l *Ledger) AbortOpen(ctx context.Context, key string) error {
	_, err := l.move(ctx, key, Failed, "#state = :opening", "")
	return err
}

// BeginResolve claims the right to deliver a case's resolution; the claim carries the open
// ticket's reference. It is not won when no ticket is open (nothing to resolve), or the
// resolution is done or under way.
func (l *Ledger) BeginResolve(ctx context.Context, key string) (Claim, error) {
	return l.move(ctx, key, Resolving, "#state = :open OR (#state = :resolving AND #lease < :now)", "")
}

// FinishResolve records the delivered resolution.
func (l *Ledger) FinishResolve(ctx context.Context, key, ref string) error {
	_, err := l.move(ctx, key, Resolved, "#state = :resolving", ref)
	return err
}

// AbortResolve gives a failed resolution's claim back.
func (l *Ledger) AbortResolve(ctx context.Context, key string) error {
	_, err := l.move(ctx, key, Open, "#state = :resolving", "")
	return err
}

// move sets the item's state when condition holds. Either way it returns the item's state and
// open reference: the new item when the claim is won, the standing one (DynamoDB returns it with
// the failed condition) when it is not.
func (l *Ledger) move(ctx context.Context, key string, to State, condition, ref string) (Claim, error) {
	now := l.now()
	update := "SET #state = :to, #lease = :lease, #updated = :updated"
	values := map[string]types.AttributeValue{
		":to":        &types.AttributeValueMemberS{Value: string(to)},
		":lease":     &types.AttributeValueMemberN{Value: strconv.FormatInt(now.Add(l.Lease).Unix(), 10)},
		":updated":   &types.AttributeValueMemberS{Value: now.UTC().Format(time.RFC3339)},
		":now":       &types.AttributeValueMemberN{Value: strconv.FormatInt(now.Unix(), 10)},
		":opening":   &types.AttributeValueMemberS{Value: string(Opening)},
		":open":      &types.AttributeValueMemberS{Value: string(Open)},
		":resolving": &types.AttributeValueMemberS{Value: string(Resolving)},
		":resolved":  &types.AttributeValueMemberS{Value: string(Resolved)},
		":failed":    &types.AttributeValueMemberS{Value: string(Failed)},
	}
	names := map[string]string{"#pk": Key, "#state": "state", "#lease": "lease_until", "#updated": "updated_at"}
	if ref != "" {
		update += ", #ref = :ref"
		names["#ref"] = "ref_" + string(to)
		values[":ref"] = &types.AttributeValueMemberS{Value: ref}
	}
	// DynamoDB rejects unused placeholders, so keep only the ones the expressions use.
	for k := range values {
		if !contains(condition, k) && !contains(update, k) {
			delete(values, k)
		}
	}
	for k := range names {
		if !contains(condition, k) && !contains(update, k) {
			delete(names, k)
		}
	}
	out, err := l.API.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                           aws.String(l.Table),
		Key:                                 map[string]types.AttributeValue{Key: &types.AttributeValueMemberS{Value: key}},
		UpdateExpression:                    aws.String(update),
		ConditionExpression:                 aws.String(condition),
		ExpressionAttributeNames:            names,
		ExpressionAttributeValues:           values,
		ReturnValues:                        types.ReturnValueAllNew,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var failed *types.ConditionalCheckFailedException
	if errors.As(err, &failed) {
		return claimOf(false, failed.Item), nil
	}
	if err != nil {
		return Claim{}, fmt.Errorf("ledger %s -> %s: %w", key, to, err)
	}
	return claimOf(true, out.Attributes), nil
}

func claimOf(won bool, item map[string]types.AttributeValue) Claim {
	c := Claim{Won: won}
	if v, ok := item["state"].(*types.AttributeValueMemberS); ok {
		c.State = State(v.Value)
	}
	if v, ok := item["ref_"+string(Open)].(*types.AttributeValueMemberS); ok {
		c.OpenRef = v.Value
	}
	return c
}

// contains reports whether expr uses placeholder p as a whole token (":open" is not ":opening").
func contains(expr, p string) bool {
	for i := 0; i+len(p) <= len(expr); i++ {
		if expr[i:i+len(p)] != p {
			continue
		}
		end := i + len(p)
		if end == len(expr) || !isWordByte(expr[end]) {
			return true
		}
	}
	return false
}

func isWordByte(b byte) bool {
	return b == '_' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}
