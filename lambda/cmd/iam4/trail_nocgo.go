//go:build !cgo

package main

import (
	"errors"
	"net/http"
)

// serveTrail needs DuckDB, which needs cgo.
func serveTrail(*trailOptions, http.Handler) (http.Handler, func(), error) {
	return nil, nil, errors.New("--trail: this iam4 was built without cgo, which the Athena emulator (DuckDB) needs")
}
