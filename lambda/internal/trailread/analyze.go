package trailread

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/iam4-responder/iam4-responder/lambda/internal/evidence/awsip"
	"github.com/iam4-responder/iam4-responder/lambda/internal/investigation"
)

// Analyze reads exported CloudTrail logs: no AWS call, no inventory, no coverage. Each reader
// is one input; iam4 analyze reads trees and S3 with Read directly.
func Analyze(files []io.Reader, ranges *awsip.Ranges, now time.Time) (investigation.Result, error) {
	var l Listing
	for i, f := range files {
		l.Inputs = append(l.Inputs, FromReader(fmt.Sprintf("file %d", i+1), f))
	}
	acc := NewAccounts(ranges)
	stats, err := Read(context.Background(), l, Options{Strict: true}, acc.Add)
	if err != nil {
		return investigation.Result{}, err
	}
	return investigation.FromLogs(acc.Summaries(), stats, ranges, now), nil
}
