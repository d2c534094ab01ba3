package responder

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/jsii-runtime-go"

	"github.com/iam4-responder/iam4-responder/lambda/contract"
)

// metric is one of the function's own metrics (embedded metric format, lambda/internal/metrics).
// A label (for the dashboard) would turn an alarm's metric into a metric-math expression; alarms
// pass "".
func (r *Responder) metric(name, statistic, label string) awscloudwatch.Metric {
	props := &awscloudwatch.MetricProps{
		Namespace:     jsii.String(contract.MetricNamespace),
		MetricName:    jsii.String(name),
		DimensionsMap: &map[string]*string{contract.MetricDimension: r.Function.FunctionName()},
		Statistic:     jsii.String(statistic),
		Period:        awscdk.Duration_Minutes(jsii.Number(5)),
	}
	if label != "" {
		props.Label = jsii.String(label)
	}
	return awscloudwatch.NewMetric(props)
}

// alarms notify the topic when a ticket may not have reached anyone: the function failed, a
// sink failed, or an event waits in the dead-letter queue.
func (r *Responder) alarms() {
	action := awscloudwatchactions.NewSnsAction(r.Topic)
	five := &awscloudwatch.MetricOptions{Period: awscdk.Duration_Minutes(jsii.Number(5))}
	for _, a := range []struct {
		id, description string
		metric          awscloudwatch.IMetric
	}{
		{"FunctionErrors", "iam4-responder failed on an event; Lambda retries, then the dead-letter queue keeps it",
			r.Function.MetricErrors(five)},
		{"DeadLetters", "Events are waiting in the iam4-responder dead-letter queue; each carries its reason",
			r.DeadLetterQueue.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{
				Period: awscdk.Duration_Minutes(jsii.Number(5)), Statistic: jsii.String("Maximum"),
			})},
		{"SinkFailures", "An iam4-responder channel (e-mail, chat, OpsCenter, Jira, Security Hub) failed to deliver a case; see the function's log",
			r.metric(contract.MetricSinkFailures, "Sum", "")},
	} {
		alarm := awscloudwatch.NewAlarm(r.Construct, jsii.String(a.id+"Alarm"), &awscloudwatch.AlarmProps{
			AlarmDescription:   jsii.String(a.description),
			Metric:             a.metric,
			Threshold:          jsii.Number(1),
			EvaluationPeriods:  jsii.Number(1),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		})
		alarm.AddAlarmAction(action)
	}
}

// dashboard shows, per five minutes, what the responder did and what went wrong.
func (r *Responder) dashboard() {
	graph := func(title string, metrics ...awscloudwatch.IMetric) awscloudwatch.IWidget {
		return awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
			Title: jsii.String(title), Left: &metrics, Width: jsii.Number(8), Height: jsii.Number(6),
		})
	}
	r.Dashboard = awscloudwatch.NewDashboard(r.Construct, jsii.String("Dashboard"), &awscloudwatch.DashboardProps{
		DefaultInterval: awscdk.Duration_Days(jsii.Number(7)),
	})
	r.Dashboard.AddWidgets(
		graph("Cases", r.metric(contract.MetricCasesOpened, "Sum", "opened"), r.metric(contract.MetricCasesResolved, "Sum", "resolved")),
		graph("Evidence", r.metric(contract.MetricEvidenceSeconds, "Maximum", "seconds (max)"),
			r.metric(contract.MetricEvidencePages, "Sum", "CloudTrail pages"), r.metric(contract.MetricThrottles, "Sum", "throttled calls")),
		graph("Delivery", r.metric(contract.MetricSinkFailures, "Sum", "sink failures"),
			r.metric(contract.MetricDeadLetters, "Sum", "dead letters"), r.Function.MetricErrors(nil)),
	)
	r.Dashboard.AddWidgets(
		graph("Containment", r.metric(contract.MetricContainActions, "Sum", "keys deleted"),
			r.metric(contract.MetricContainRefusals, "Sum", "refused")),
		graph("Intake", r.metric(contract.MetricForeignFindings, "Sum", "other producers' findings ignored"),
			r.Function.MetricInvocations(nil)),
		graph("Dead-letter queue", r.DeadLetterQueue.MetricApproximateNumberOfMessagesVisible(nil)),
	)
}

// outputs are what the first hour after deploying needs: where to subscribe, what to invoke
// (make smoke), where failures wait and which custom action to use.
func (r *Responder) outputs() {
	out := func(id, description string, value *string) {
		awscdk.NewCfnOutput(awscdk.Stack_Of(r.Construct), jsii.String(id), &awscdk.CfnOutputProps{
			Description: jsii.String(description), Value: value,
		})
	}
	out("TopicArn", "Notification topic (e-mail): subscribe more addresses here", r.Topic.TopicArn())
	if r.ChatTopic != nil {
		out("ChatTopicArn", "Chat topic: subscribe an Amazon Q Developer in chat applications channel to it", r.ChatTopic.TopicArn())
	}
	out("FunctionName", "The responder function: make smoke FUNCTION=<this>", r.Function.FunctionName())
	out("DeadLetterQueueUrl", "Events no retry could deliver, each with its reason", r.DeadLetterQueue.QueueUrl())
	out("LedgerTable", "The delivery ledger (kept by cdk destroy)", r.Ledger.TableName())
	out("ActionTargetArn", "Security Hub custom action \"Respond to IAM.4\"", r.ActionTarget.Ref())
	out("DashboardName", "CloudWatch dashboard of the responder's metrics", r.Dashboard.DashboardName())
	out("RoleArn", "The function's role, which member accounts' evidence roles trust", r.Role.RoleArn())
}
