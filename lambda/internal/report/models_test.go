package report

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// serviceModels are excerpts of the AWS service models botocore ships (testdata/models).
type serviceModels struct {
	Services map[string]struct {
		Shapes  map[string]struct{ Max int }              `json:"shapes"`
		Members map[string]struct{ Documentation string } `json:"members"`
	} `json:"services"`
}

var tags = regexp.MustCompile(`<[^>]+>`)

// TestLimitsMatchTheServiceModels checks each cap in limits.go against the service model that
// sets it: a structural max where the model has one, the documented constraint otherwise.
func TestLimitsMatchTheServiceModels(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "models", "limits.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m serviceModels
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	maxes := []struct {
		service, shape string
		ours           int
	}{
		{"ssm", "OpsItemTitle", opsTitleMax},
		{"ssm", "OpsItemDescription", opsDescriptionMax},
		{"ssm", "OpsItemDataKey", opsDataKeyMax},
	}
	for _, c := range maxes {
		if got := m.Services[c.service].Shapes[c.shape].Max; got != c.ours {
			t.Errorf("%s %s: the model says max %d, limits.go %d", c.service, c.shape, got, c.ours)
		}
	}
	docs := []struct {
		name, service, member, says string
		holds                       bool
	}{
		{"OpsItem data value", "ssm", "CreateOpsItemRequest.OperationalData", "The value has a maximum size of 20 KB", opsDataValueMaxBytes <= 20*1000},
		{"OpsItem description is Markdown", "ssm", "CreateOpsItemRequest.Description", "in Markdown format", true},
		{"SNS subject", "sns", "PublishInput.Subject", "less than 100 characters long", snsSubjectMax < 100},
		{"SNS message", "sns", "PublishInput.Message", "at most 256 KB in size (262,144 bytes, not 262,144 characters)", snsMessageMaxBytes == 262144},
		{"Security Hub note", "securityhub", "Note.Text", "Maximum of 512", noteMax <= 512},
		{"Security Hub V2 comment", "securityhub", "BatchUpdateFindingsV2Request.Comment", "Maximum character length 512", noteMax <= 512},
	}
	for _, c := range docs {
		t.Run(c.name, func(t *testing.T) {
			doc := strings.Join(strings.Fields(tags.ReplaceAllString(m.Services[c.service].Members[c.member].Documentation, " ")), " ")
			if !strings.Contains(doc, c.says) {
				t.Errorf("the %s documentation no longer says %q:\n%s", c.member, c.says, doc)
			}
			if !c.holds {
				t.Errorf("limits.go does not keep within %q", c.says)
			}
		})
	}
}
