package ledger

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// API is the part of the DynamoDB client the ledger uses.
type API interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	dynamodb.ScanAPIClient
}

// Dynamo is the Store on one DynamoDB table whose partition key is the string Key. Case records
// and evidence blobs share the table; blobs have no version attribute.
type Dynamo struct {
	API   API
	Table string
}

func (d Dynamo) key(id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{Key: &types.AttributeValueMemberS{Value: id}}
}

// Load implements Store; reads are strongly consistent so that a compare-and-swap starts from
// the latest version.
func (d Dynamo) Load(ctx context.Context, id string) (Case, error) {
	out, err := d.API.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(d.Table), Key: d.key(id), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return Case{}, err
	}
	c := Case{ID: id}
	if out.Item == nil {
		return c, nil
	}
	if err := attributevalue.UnmarshalMap(out.Item, &c); err != nil {
		return Case{}, fmt.Errorf("decode the record of %s: %w", id, err)
	}
	return c, nil
}

// Save implements Store with a conditional PutItem on the version attribute.
func (d Dynamo) Save(ctx context.Context, c Case, prev int64) error {
	item, err := attributevalue.MarshalMap(c)
	if err != nil {
		return err
	}
	cond := expression.AttributeNotExists(expression.Name(Key))
	if prev != 0 {
		cond = expression.Name("version").Equal(expression.Value(prev))
	}
	expr, err := expression.NewBuilder().WithCondition(cond).Build()
	if err != nil {
		return err
	}
	_, err = d.API.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(d.Table), Item: item,
		ConditionExpression:       expr.Condition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	})
	var failed *types.ConditionalCheckFailedException
	if errors.As(err, &failed) {
		return ErrConflict
	}
	return err
}

// maxChunk keeps each blob item under DynamoDB's 400 KB item limit, key and names included
// (DynamoDB developer guide, "Service, account, and table quotas").
const maxChunk = 350 << 10

// maxChunks bounds a blob at about 2.8 MB.
const maxChunks = 8

// PutBlob implements Store: the blob goes in chunks of at most maxChunk bytes named by the
// blob's digest, written first, and a head item naming the digest and the count, written last
// and only if absent (first writer wins; a loser's chunks have other names and stay unread).
func (d Dynamo) PutBlob(ctx context.Context, key string, data []byte) ([]byte, error) {
	n := (len(data) + maxChunk - 1) / maxChunk
	if n > maxChunks {
		return nil, fmt.Errorf("blob %s: %d bytes is over the ledger's %d", key, len(data), maxChunks*maxChunk)
	}
	sum := sha256.Sum256(data)
	digest := hex.EncodeToString(sum[:8])
	for i := range n {
		part := data[i*maxChunk : min(len(data), (i+1)*maxChunk)]
		_, err := d.API.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(d.Table), Item: map[string]types.AttributeValue{
			Key: &types.AttributeValueMemberS{Value: chunkKey(key, digest, i)}, "data": &types.AttributeValueMemberB{Value: part},
		}})
		if err != nil {
			return nil, fmt.Errorf("blob %s part %d: %w", key, i, err)
		}
	}
	expr, err := expression.NewBuilder().WithCondition(expression.AttributeNotExists(expression.Name(Key))).Build()
	if err != nil {
		return nil, err
	}
	_, err = d.API.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(d.Table),
		Item: map[string]types.AttributeValue{
			Key: &types.AttributeValueMemberS{Value: key}, "parts": &types.AttributeValueMemberN{Value: strconv.Itoa(n)},
			"digest": &types.AttributeValueMemberS{Value: digest},
		},
		ConditionExpression:      expr.Condition(),
		ExpressionAttributeNames: expr.Names(),
	})
	var failed *types.ConditionalCheckFailedException
	if errors.As(err, &failed) {
		b, _, err := d.GetBlob(ctx, key)
		return b, err
	}
	if err != nil {
		return nil, fmt.Errorf("blob %s: %w", key, err)
	}
	return data, nil
}

// GetBlob implements Store.
func (d Dynamo) GetBlob(ctx context.Context, key string) ([]byte, bool, error) {
	head, err := d.API.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(d.Table), Key: d.key(key), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, false, err
	}
	if head.Item == nil {
		return nil, false, nil
	}
	var h struct {
		Parts  int    `dynamodbav:"parts"`
		Digest string `dynamodbav:"digest"`
	}
	if err := attributevalue.UnmarshalMap(head.Item, &h); err != nil {
		return nil, false, err
	}
	var out []byte
	for i := range h.Parts {
		part, err := d.API.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(d.Table), Key: d.key(chunkKey(key, h.Digest, i)), ConsistentRead: aws.Bool(true)})
		if err != nil {
			return nil, false, err
		}
		b, ok := part.Item["data"].(*types.AttributeValueMemberB)
		if !ok {
			return nil, false, fmt.Errorf("blob %s: part %d is missing", key, i)
		}
		out = append(out, b.Value...)
	}
	return out, true, nil
}

func chunkKey(key, digest string, i int) string { return key + "#" + digest + "#" + strconv.Itoa(i) }

// Cases implements Store: a scan of the records that carry a version (blobs do not).
func (d Dynamo) Cases(ctx context.Context) ([]Case, error) {
	expr, err := expression.NewBuilder().WithFilter(expression.AttributeExists(expression.Name("version"))).Build()
	if err != nil {
		return nil, err
	}
	p := dynamodb.NewScanPaginator(d.API, &dynamodb.ScanInput{
		TableName: aws.String(d.Table), ConsistentRead: aws.Bool(true),
		FilterExpression: expr.Filter(), ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
	})
	var out []Case
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, item := range page.Items {
			var c Case
			if err := attributevalue.UnmarshalMap(item, &c); err != nil {
				return nil, err
			}
			out = append(out, c)
		}
	}
	return out, nil
}
