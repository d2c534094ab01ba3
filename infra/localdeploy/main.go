// Command localdeploy deploys the CDK app to moto with the real CDK CLI (`cdk bootstrap`, then
// `cdk deploy`) and checks the deployed resources through the SDK, so that the deployment path
// is exercised without AWS (make deploy-local).
//
// Two facts make this work: the CLI builds the template's S3 URL from the endpoint, and moto's
// CloudFormation reads a path-style URL only when its host is "localhost" (moto's
// cloudformation/utils.py, get_stack_from_s3_url) — with 127.0.0.1 it takes "127" for the bucket
// and answers NoSuchBucket. And moto's CloudFormation cannot create AWS::DynamoDB::GlobalTable,
// so the ledger is a plain AWS::DynamoDB::Table.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/iam4-responder/iam4-responder/internal/localaws"
	"github.com/iam4-responder/iam4-responder/lambda/contract"
)

func main() {
	cdkPrefix := flag.String("cdk-prefix", ".tools/cdk", "npm prefix holding the pinned CDK CLI")
	dir := flag.String("app", "infra", "the CDK app's folder")
	stack := flag.String("stack", "Iam4Responder", "stack name")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *cdkPrefix, *dir, *stack); err != nil {
		fmt.Fprintln(os.Stderr, "localdeploy:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, cdkPrefix, dir, stack string) error {
	m, err := localaws.StartMoto(ctx)
	if err != nil {
		return err
	}
	defer m.Stop()
	endpoint := strings.Replace(m.URL, "127.0.0.1", "localhost", 1)
	env := append(os.Environ(),
		"AWS_ENDPOINT_URL="+endpoint, "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY=local-secret",
		"AWS_REGION="+localaws.Region, "AWS_DEFAULT_REGION="+localaws.Region, "AWS_CONFIG_FILE=/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_EC2_METADATA_DISABLED=true", "CDK_DISABLE_VERSION_CHECK=1")
	prefix := cdkPrefix
	if !strings.HasPrefix(prefix, "/") {
		wd, _ := os.Getwd()
		prefix = wd + "/" + prefix
	}
	cdk := func(args ...string) error {
		cmd := exec.CommandContext(ctx, "npx", append([]string{"--prefix", prefix, "--no-install", "cdk"}, args...)...)
		cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = dir, env, os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("cdk %s: %w", args[0], err)
		}
		return nil
	}
	account := "aws://" + localaws.Account + "/" + localaws.Region
	if err := cdk("bootstrap", account); err != nil {
		return err
	}
	t0 := time.Now()
	if err := cdk("deploy", stack, "--require-approval", "never", "--progress", "events"); err != nil {
		return err
	}
	fmt.Printf("deployed to moto in %.1fs; checking the resources\n", time.Since(t0).Seconds())
	return check(ctx, localaws.Config(m.URL), stack)
}

// check reads the deployed stack back and verifies what the responder needs.
func check(ctx context.Context, cfg aws.Config, stack string) error {
	cf := cloudformation.NewFromConfig(cfg)
	res, err := cf.DescribeStackResources(ctx, &cloudformation.DescribeStackResourcesInput{StackName: aws.String(stack)})
	if err != nil {
		return fmt.Errorf("describe stack resources: %w", err)
	}
	byType := map[string][]string{}
	for _, r := range res.StackResources {
		if aws.ToString(r.PhysicalResourceId) == "" {
			continue
		}
		byType[aws.ToString(r.ResourceType)] = append(byType[aws.ToString(r.ResourceType)], aws.ToString(r.PhysicalResourceId))
	}
	tpl, err := cf.GetTemplate(ctx, &cloudformation.GetTemplateInput{StackName: aws.String(stack)})
	if err != nil {
		return fmt.Errorf("get template: %w", err)
	}
	var template struct {
		Resources map[string]struct {
			Type       string         `json:"Type"`
			Properties map[string]any `json:"Properties"`
		} `json:"Resources"`
	}
	if err := json.Unmarshal([]byte(aws.ToString(tpl.TemplateBody)), &template); err != nil {
		return fmt.Errorf("template: %w", err)
	}
	declared := map[string]int{}
	for _, r := range template.Resources {
		declared[r.Type]++
	}
	tw := tabwriter.NewWriter(os.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "resource type\tcount\tchecked")
	var problems []string
	need := func(typ string, n int, verify func(ids []string) error) {
		ids := byType[typ]
		status := "ok"
		if len(ids) != n {
			status = fmt.Sprintf("want %d", n)
			problems = append(problems, fmt.Sprintf("%s: %d, want %d", typ, len(ids), n))
		} else if verify != nil {
			if err := verify(ids); err != nil {
				status = err.Error()
				problems = append(problems, typ+": "+err.Error())
			}
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\n", typ, len(ids), status)
	}
	need("AWS::Lambda::Function", 1, func(ids []string) error {
		fn, err := lambda.NewFromConfig(cfg).GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(ids[0])})
		if err != nil {
			return err
		}
		c := fn.Configuration
		if string(c.Runtime) != "provided.al2023" || aws.ToString(c.Handler) != "bootstrap" {
			return fmt.Errorf("runtime %s, handler %s", c.Runtime, aws.ToString(c.Handler))
		}
		// moto's CloudFormation creates every function as x86_64; the deployed template says arm64.
		for _, r := range template.Resources {
			if r.Type == "AWS::Lambda::Function" && fmt.Sprint(r.Properties["Architectures"]) != "[arm64]" {
				return fmt.Errorf("template architectures %v", r.Properties["Architectures"])
			}
		}
		if c.Environment == nil || c.Environment.Variables["IAM4_LEDGER_TABLE"] == "" {
			return fmt.Errorf("environment not set")
		}
		return nil
	})
	need("AWS::Events::Rule", max(1, declared["AWS::Events::Rule"]), func(ids []string) error {
		eb := eventbridge.NewFromConfig(cfg)
		for _, id := range ids {
			name := id[strings.LastIndex(id, "/")+1:]
			rule, err := eb.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String(name)})
			if err != nil {
				return err
			}
			targets, err := eb.ListTargetsByRule(ctx, &eventbridge.ListTargetsByRuleInput{Rule: aws.String(name)})
			if err != nil || len(targets.Targets) != 1 || targets.Targets[0].DeadLetterConfig == nil {
				return fmt.Errorf("rule %s targets %v (%v)", name, targets, err)
			}
			expr, pattern := aws.ToString(rule.ScheduleExpression), aws.ToString(rule.EventPattern)
			switch {
			case expr == "rate(5 minutes)": // the sweep
			case strings.HasPrefix(expr, "cron("): // the daily re-check and digest send their task
				if !strings.Contains(aws.ToString(targets.Targets[0].Input), contract.TaskField) {
					return fmt.Errorf("rule %s (%s) sends %q, want a task input", name, expr, aws.ToString(targets.Targets[0].Input))
				}
			case expr != "":
				return fmt.Errorf("rule %s schedule %s", name, expr)
			case !strings.Contains(pattern, "aws.securityhub") && !strings.Contains(pattern, contract.DetailTypeAPICall):
				return fmt.Errorf("rule %s pattern %s", name, pattern)
			}
		}
		return nil
	})
	need("AWS::SQS::Queue", 1, func(ids []string) error {
		attrs, err := sqs.NewFromConfig(cfg).GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
			QueueUrl: aws.String(ids[0]), AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameAll},
		})
		if err != nil {
			return err
		}
		if attrs.Attributes["KmsMasterKeyId"] == "" {
			return fmt.Errorf("dead-letter queue not encrypted")
		}
		return nil
	})
	need("AWS::DynamoDB::Table", 1, func(ids []string) error {
		_, err := dynamodb.NewFromConfig(cfg).DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(ids[0])})
		return err
	})
	need("AWS::SNS::Topic", 1, nil)
	need("AWS::KMS::Key", 1, nil)
	need("AWS::IAM::Role", 1, nil)
	need("AWS::Logs::LogGroup", 1, nil)
	tw.Flush()
	// What moto's CloudFormation accepts but does not create: named, so the gap is precise.
	var skipped []string
	for typ, n := range declared {
		if len(byType[typ]) < n {
			skipped = append(skipped, fmt.Sprintf("%s (%d of %d)", typ, n-len(byType[typ]), n))
		}
	}
	slices.Sort(skipped)
	if len(skipped) > 0 {
		fmt.Printf("declared in the template but absent from the stack moto created (not created, or no physical id): %s\n", strings.Join(skipped, ", "))
	}
	if len(problems) > 0 {
		return fmt.Errorf("deployed stack: %s", strings.Join(problems, "; "))
	}
	fmt.Println("local deploy: every checked resource is in place")
	return nil
}
