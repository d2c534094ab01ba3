package sink

import (
	"encoding/json"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/google/go-cmp/cmp"

	"github.com/iam4-responder/iam4-responder/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func TestSNSDeliversToASubscribedQueue(t *testing.T) {
	cfg := testenv.AWSConfig(testenv.Moto(t))
	topic, queue := testenv.TopicWithQueue(t, cfg, testenv.Name("sink"))
	s := SNS{API: sns.NewFromConfig(cfg), TopicARN: topic}

	id, err := s.Publish(t.Context(), "[IAM.4] Root user access key in account 111122223333", "body text", "111122223333/IAM.4#1#open/email")
	if err != nil {
		t.Fatal(err)
	}
	if id == "" {
		t.Error("no message id returned")
	}
	msgs := testenv.Receive(t, cfg, queue, 1)
	type attr struct{ Type, Value string }
	var envelope struct {
		Subject, Message, MessageId string
		MessageAttributes           map[string]attr
	}
	if err := json.Unmarshal([]byte(aws.ToString(msgs[0].Body)), &envelope); err != nil {
		t.Fatal(err)
	}
	want := struct {
		Subject, Message, MessageId string
		MessageAttributes           map[string]attr
	}{
		"[IAM.4] Root user access key in account 111122223333", "body text", id,
		map[string]attr{DeliveryAttribute: {"String", "111122223333/IAM.4#1#open/email"}},
	}
	if diff := cmp.Diff(want, envelope); diff != "" {
		t.Errorf("delivered (-want +got):\n%s", diff)
	}
}

func TestSNSReportsAMissingTopic(t *testing.T) {
	cfg := testenv.AWSConfig(testenv.Moto(t))
	s := SNS{API: sns.NewFromConfig(cfg), TopicARN: "arn:aws:sns:us-east-1:123456789012:no-such-topic"}
	if _, err := s.Publish(t.Context(), "s", "b", ""); err == nil {
		t.Error("publishing to a missing topic succeeded")
	}
}
