package ledger

import (
	"context"
	"slices"
	"sync"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Memory is an atomic in-memory Store for tests and the demo. Records go through the same
// attribute-value encoding as the DynamoDB store, so a field that DynamoDB cannot hold fails here
// too; unlike moto's DynamoDB, its compare-and-swap is atomic, so concurrency tests can trust it.
type Memory struct {
	mu    sync.Mutex
	cases map[string]map[string]types.AttributeValue
	blobs map[string][]byte
	// Fail, when set, is called before every operation; an error it returns is the store's
	// answer (fault injection).
	Fail func(op string) error
}

func (m *Memory) fail(op string) error {
	if m.Fail != nil {
		return m.Fail(op)
	}
	return nil
}

// Load implements Store.
func (m *Memory) Load(_ context.Context, id string) (Case, error) {
	if err := m.fail("load"); err != nil {
		return Case{}, err
	}
	m.mu.Lock()
	stored, ok := m.cases[id]
	m.mu.Unlock()
	if !ok {
		return Case{ID: id}, nil
	}
	var c Case
	if err := attributevalue.UnmarshalMap(stored, &c); err != nil {
		return Case{}, err
	}
	return c, nil
}

// Save implements Store.
func (m *Memory) Save(_ context.Context, c Case, prev int64) error {
	if err := m.fail("save"); err != nil {
		return err
	}
	item, err := attributevalue.MarshalMap(c)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var version int64
	if stored, ok := m.cases[c.ID]; ok {
		var old Case
		if err := attributevalue.UnmarshalMap(stored, &old); err != nil {
			return err
		}
		version = old.Version
	}
	if version != prev {
		return ErrConflict
	}
	if m.cases == nil {
		m.cases = map[string]map[string]types.AttributeValue{}
	}
	m.cases[c.ID] = item
	return nil
}

// PutBlob implements Store.
func (m *Memory) PutBlob(_ context.Context, key string, data []byte) ([]byte, error) {
	if err := m.fail("putblob"); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if b, ok := m.blobs[key]; ok {
		return slices.Clone(b), nil
	}
	if m.blobs == nil {
		m.blobs = map[string][]byte{}
	}
	m.blobs[key] = slices.Clone(data)
	return data, nil
}

// GetBlob implements Store.
func (m *Memory) GetBlob(_ context.Context, key string) ([]byte, bool, error) {
	if err := m.fail("getblob"); err != nil {
		return nil, false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.blobs[key]
	return slices.Clone(b), ok, nil
}

// Cases implements Store.
func (m *Memory) Cases(ctx context.Context) ([]Case, error) {
	if err := m.fail("cases"); err != nil {
		return nil, err
	}
	m.mu.Lock()
	ids := make([]string, 0, len(m.cases))
	for id := range m.cases {
		ids = append(ids, id)
	}
	m.mu.Unlock()
	slices.Sort(ids)
	var out []Case
	for _, id := range ids {
		c, err := m.Load(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}
