// Package memstore is an atomic in-memory store of versioned records, for the tests of code that
// keeps its state in DynamoDB. Records go through the SDK's attribute-value encoding, as the
// DynamoDB store's do, so a field DynamoDB cannot hold fails here too; unlike moto's DynamoDB, the
// compare-and-swap of Save is atomic, so concurrency tests can trust it.
//
// It lives outside lambda/, which holds production code only: a Store[ledger.Case] satisfies the
// ledger's Store interface without the ledger knowing this package.
package memstore

import (
	"context"
	"slices"
	"sync"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Schema says how to read a record's key and version, what an absent record reads as, and which
// error a lost compare-and-swap returns.
type Schema[R any] struct {
	Key      func(R) string
	Version  func(R) int64
	Absent   func(key string) R
	Conflict error
}

// Store holds records by key and blobs that are written once.
type Store[R any] struct {
	schema Schema[R]
	mu     sync.Mutex
	items  map[string]map[string]types.AttributeValue
	blobs  map[string][]byte
	// Fail, when set, is called before every operation with its name (load, save, putblob,
	// getblob, cases); an error it returns is the store's answer (fault injection).
	Fail func(op string) error
}

// New returns an empty store of records described by s.
func New[R any](s Schema[R]) *Store[R] { return &Store[R]{schema: s} }

func (m *Store[R]) fail(op string) error {
	if m.Fail != nil {
		return m.Fail(op)
	}
	return nil
}

// Load returns the record under key, or the schema's absent record.
func (m *Store[R]) Load(_ context.Context, key string) (R, error) {
	var r R
	if err := m.fail("load"); err != nil {
		return r, err
	}
	m.mu.Lock()
	stored, ok := m.items[key]
	m.mu.Unlock()
	if !ok {
		return m.schema.Absent(key), nil
	}
	err := attributevalue.UnmarshalMap(stored, &r)
	return r, err
}

// Save stores r if the stored record's version is still prev (0 for an absent record), and
// returns the schema's Conflict error otherwise.
func (m *Store[R]) Save(_ context.Context, r R, prev int64) error {
	if err := m.fail("save"); err != nil {
		return err
	}
	item, err := attributevalue.MarshalMap(r)
	if err != nil {
		return err
	}
	key := m.schema.Key(r)
	m.mu.Lock()
	defer m.mu.Unlock()
	var version int64
	if stored, ok := m.items[key]; ok {
		var old R
		if err := attributevalue.UnmarshalMap(stored, &old); err != nil {
			return err
		}
		version = m.schema.Version(old)
	}
	if version != prev {
		return m.schema.Conflict
	}
	if m.items == nil {
		m.items = map[string]map[string]types.AttributeValue{}
	}
	m.items[key] = item
	return nil
}

// PutBlob stores data under key unless a blob is there already, and returns the stored one: the
// first writer wins.
func (m *Store[R]) PutBlob(_ context.Context, key string, data []byte) ([]byte, error) {
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

// GetBlob returns the blob under key and whether there is one.
func (m *Store[R]) GetBlob(_ context.Context, key string) ([]byte, bool, error) {
	if err := m.fail("getblob"); err != nil {
		return nil, false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.blobs[key]
	return slices.Clone(b), ok, nil
}

// Cases returns every record in key order (the ledger's Store calls its records cases).
func (m *Store[R]) Cases(ctx context.Context) ([]R, error) {
	if err := m.fail("cases"); err != nil {
		return nil, err
	}
	m.mu.Lock()
	keys := make([]string, 0, len(m.items))
	for k := range m.items {
		keys = append(keys, k)
	}
	m.mu.Unlock()
	slices.Sort(keys)
	var out []R
	for _, k := range keys {
		r, err := m.Load(ctx, k)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}
