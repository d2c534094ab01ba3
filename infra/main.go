// Command infra is the CDK app that deploys iam4-responder: one stack holding the responder
// construct, checked by cdk-nag's AwsSolutions rules. Settings come from CDK context
// (cdk.json, or -c key=value on the command line); see the README's settings table.
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

func main() {
	defer jsii.Close()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "infra:", err)
		os.Exit(1)
	}
}

func run() error {
	app := awscdk.NewApp(nil)
	context, _ := app.Node().GetAllContext(nil).(map[string]any)
	s, err := ReadSettings(context)
	if err != nil {
		return err
	}
	NewStack(app, s)
	if needsSignalsStack(s) {
		NewSignalsStack(app, s)
	}
	if len(s.EvidenceTargetOUs) > 0 {
		NewEvidenceStackSetStack(app, s)
	}
	app.Synth(nil)
	return nil
}
