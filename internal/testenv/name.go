package testenv

import (
	"crypto/rand"
	"encoding/hex"
)

// Name returns prefix followed by 16 random hex digits: a name for a queue, topic, table or
// secret that no other test, in this process or another one sharing the same moto_server, can
// also pick. (Names from the clock collided under parallel packages.)
func Name(prefix string) string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return prefix + "-" + hex.EncodeToString(b[:])
}
