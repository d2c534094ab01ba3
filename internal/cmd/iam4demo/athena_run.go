package main

import (
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/iam4-responder/iam4-responder/internal/emulator"
)

// athenaRun is what the Athena section needs from the demo's first part.
type athenaRun struct {
	rie, bootstrap string
	env            []string // the function's environment in the first part
	moto           aws.Config
	emu            *emulator.Server
	name           string
}
