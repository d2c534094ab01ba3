package responder_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"

	"github.com/iam4-responder/iam4-responder/infra/responder"
)

// The responder embedded in an app of your own: a stack, the folder that holds the bootstrap
// binary (`make build` writes build/lambda/bootstrap), and where to send the e-mail.
func Example() {
	dir, _ := os.MkdirTemp("", "iam4-example")
	defer os.RemoveAll(dir)
	code := filepath.Join(dir, "lambda")
	_ = os.MkdirAll(code, 0o755)
	_ = os.WriteFile(filepath.Join(code, "bootstrap"), []byte("built by make build"), 0o755)

	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(filepath.Join(dir, "cdk.out"))})
	stack := awscdk.NewStack(app, jsii.String("Security"), nil)
	r := responder.New(stack, "Iam4", responder.Props{
		Code:   awslambda.Code_FromAsset(jsii.String(code), nil),
		Emails: []string{"secops@example.com"},
	})

	// What the stack deploys: one function on Lambda's OS-only runtime for Go, on Graviton.
	tpl := assertions.Template_FromStack(stack, nil)
	for _, res := range *tpl.FindResources(jsii.String("AWS::Lambda::Function"), nil) {
		props := (*res)["Properties"].(map[string]any)
		fmt.Println(props["Runtime"], props["Architectures"], props["Handler"])
	}
	fmt.Println(r.Function != nil, r.Ledger != nil)
	// Output:
	// provided.al2023 [arm64] bootstrap
	// true true
}

// Forwarding the root user's key events to a responder in Tokyo: from the IAM Region of the
// responder's own account (a stack of your own there), or from member accounts (the template a
// StackSet deploys).
func ExampleForwardSignals() {
	bus := responder.BusARN("aws", "ap-northeast-1", "111122223333")
	dir, _ := os.MkdirTemp("", "iam4-example")
	defer os.RemoveAll(dir)
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(dir)})
	stack := awscdk.NewStack(app, jsii.String("Iam4Signals"), &awscdk.StackProps{
		Env: &awscdk.Environment{Region: jsii.String(responder.IAMRegion("aws"))}})
	for _, rule := range responder.ForwardSignals(stack, "Forward", bus) {
		fmt.Println(*rule.Node().Id())
	}
	member := responder.SignalForwardingTemplate(bus, "111122223333")
	fmt.Println(*stack.Region(), len(member) > 0)
	// Output:
	// RootKeyChangeRule
	// RootKeyUseRule
	// us-east-1 true
}
