//go:build cgo

package main

import (
	"fmt"
	"net/http"
	"os"

	emuathena "github.com/iam4-responder/iam4-responder/internal/emulator/athena"
)

// serveTrail runs the Athena emulator (DuckDB, hence cgo) over the trail directory.
func serveTrail(o *trailOptions, next http.Handler) (http.Handler, func(), error) {
	if fi, err := os.Stat(o.dir); err != nil || !fi.IsDir() {
		return nil, nil, fmt.Errorf("--trail %s: not a directory", o.dir)
	}
	srv, err := emuathena.New(o.dir, emuathena.Options{Database: o.database, Table: o.table, Workgroup: o.workgroup})
	if err != nil {
		return nil, nil, err
	}
	return srv.Route(next), func() { _ = srv.Close() }, nil
}
