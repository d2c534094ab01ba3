//go:build !cgo

package main

import "context"

// athenaSection is skipped without cgo: the Athena emulator runs DuckDB, which needs it.
func athenaSection(_ context.Context, say func(string, ...any), _ athenaRun) (string, error) {
	say("\n== The organization trail on Athena: skipped (built without cgo, which the Athena emulator's DuckDB needs)")
	return "", nil
}
