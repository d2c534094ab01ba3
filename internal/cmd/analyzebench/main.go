// Command analyzebench measures `iam4 analyze` on a generated organization trail in CloudTrail's
// S3 layout against the decompression bound (gzip -dc of the same files, in parallel over the
// same cores) and against the filter an ops engineer types by hand (jq), then its memory when the
// same tree is named many times. The tree is generated into a temporary folder and removed.
//
// It runs the iam4 binary it builds from ./lambda/cmd/iam4, so run it from the repository root
// (make bench-analyze, ANALYZE_GB sets the size).
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	gb := flag.Float64("gb", 1, "uncompressed size of the generated trail in GB")
	repeat := flag.Int("repeat", 10, "also measure memory with the trail named this many times (1: no)")
	skipJQ := flag.Bool("skip-jq", false, "do not time jq")
	keep := flag.Bool("keep", false, "keep the generated trail and print where it is")
	flag.Parse()
	if err := benchAnalyze(int64(*gb*1e9), *repeat, *skipJQ, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "analyzebench:", err)
		os.Exit(1)
	}
}
