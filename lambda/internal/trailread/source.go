// Package trailread reads exported CloudTrail logs as ops teams have them: single files, whole
// trail trees in CloudTrail's S3 layout (AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/*.json.gz),
// an S3 prefix read with the SDK, or stdin. Each file is recognised and parsed on its own, over
// every core, and only root records are fully decoded; everything else is counted, so the
// result can say exactly what was read and what was not.
//
// It never writes anywhere and never keeps raw records: root records go to a Sink one at a time.
package trailread

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Input is one file to read.
type Input struct {
	Name string // a path, s3://bucket/key, or "-" for stdin
	Size int64  // bytes as stored (compressed), 0 when unknown
	open func(ctx context.Context) (io.ReadCloser, error)
}

// Listing is what the arguments named: the files to read, and the ones passed over by name.
type Listing struct {
	Inputs  []Input
	Digests int   // CloudTrail digest files, recognised by name and not opened
	Others  int   // files in a directory whose names are not logs (README, .DS_Store, …)
	Bytes   int64 // stored size of Inputs, when known
}

// S3Prefix is how an argument names an S3 location.
const S3Prefix = "s3://"

// Expand turns command-line arguments into inputs: files, directories (recursively), S3
// prefixes (listed with s3) and "-" (stdin, once). A path that does not exist is an error.
func Expand(ctx context.Context, args []string, stdin io.Reader, s3 S3API) (Listing, error) {
	var l Listing
	stdinSeen := false
	for _, arg := range args {
		switch {
		case arg == "-":
			if stdinSeen {
				continue
			}
			stdinSeen = true
			l.Inputs = append(l.Inputs, Input{Name: "-", open: func(context.Context) (io.ReadCloser, error) {
				return io.NopCloser(stdin), nil
			}})
		case strings.HasPrefix(arg, S3Prefix):
			if s3 == nil {
				return l, fmt.Errorf("%s: no S3 client", arg)
			}
			if err := listS3(ctx, s3, arg, &l); err != nil {
				return l, err
			}
		default:
			if err := walk(arg, &l); err != nil {
				return l, err
			}
		}
	}
	return l, nil
}

// walk adds a file, or every log file under a directory. A file named on the command line is
// always read; inside a directory only names that look like logs are.
func walk(root string, l *Listing) error {
	info, err := os.Stat(root)
	if err != nil {
		return err
	}
	if !info.IsDir() {
		l.Inputs = append(l.Inputs, fileInput(root, info.Size()))
		l.Bytes += info.Size()
		return nil
	}
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		switch nameKind(path) {
		case digestName:
			l.Digests++
			return nil
		case otherName:
			l.Others++
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		l.Inputs = append(l.Inputs, fileInput(path, info.Size()))
		l.Bytes += info.Size()
		return nil
	})
}

func fileInput(path string, size int64) Input {
	return Input{Name: path, Size: size, open: func(context.Context) (io.ReadCloser, error) { return os.Open(path) }}
}

type kind int

const (
	logName kind = iota
	digestName
	otherName
)

// nameKind sorts a file in a tree by its name. CloudTrail names digest files
// <account>_CloudTrail-Digest_<region>_… under a CloudTrail-Digest folder (CloudTrail user guide,
// "CloudTrail digest file structure"); logs end in .json.gz. Exports and hand-made files end in
// .json, .jsonl or .gz (CloudWatch Logs exports).
func nameKind(path string) kind {
	slash := filepath.ToSlash(path)
	if strings.Contains(slash, "/CloudTrail-Digest/") || strings.Contains(filepath.Base(path), "_CloudTrail-Digest_") {
		return digestName
	}
	base := strings.ToLower(filepath.Base(path))
	for _, ext := range []string{".json", ".json.gz", ".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz", ".gz", ".log"} {
		if strings.HasSuffix(base, ext) {
			return logName
		}
	}
	return otherName
}
