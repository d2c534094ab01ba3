package report_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/iam4-responder/iam4-responder/lambda/internal/finding"
	"github.com/iam4-responder/iam4-responder/lambda/internal/followup"
	"github.com/iam4-responder/iam4-responder/lambda/internal/report"
)

// The lifecycle renders each transition of a case from the case's opening report.
func ExampleReport_Update() {
	opening := report.New(report.Opened, finding.Finding{AccountID: "111122223333", Region: "us-west-2", Control: "IAM.4",
		ProductARN: "arn:aws:securityhub:us-west-2::product/aws/securityhub"}, "")
	lastUsed := time.Date(2026, 8, 14, 22, 41, 0, 0, time.UTC)
	u := opening.Update(followup.Transition{From: followup.Verifying, To: followup.ReadyToDelete,
		At: time.Date(2026, 11, 9, 6, 0, 0, 0, time.UTC), Reason: followup.ReasonWindowDone, DaysInactive: 7, LastUsed: &lastUsed})
	u.VerifyDays = 7
	subject, body := u.Email()
	fmt.Println(subject)
	fmt.Println(strings.SplitN(body, "\n", 2)[0])
	fmt.Println(u.OpsItemStatus(), u.OpsItemData()["iam4:last_used"])
	// Output:
	// [IAM.4] Account 111122223333: the root access key is ready to delete
	// Verified on 2026-11-09: every root access key of account 111122223333 has been inactive for 7 days, the whole verification window of 7 days: the credential report shows no use of one since they were deactivated, and no call with one was seen since. The credential report's last use of any key: 2026-08-14.
	// InProgress 2026-08-14
}

// A route's digest lists its open cases, oldest first.
func ExampleDigest_Email() {
	at := time.Date(2026, 11, 9, 7, 0, 0, 0, time.UTC)
	d := report.Digest{Route: "payments", Lang: report.English, At: at, Cases: []report.DigestCase{{
		Account: "444455556666", AccountName: "payments-prod", State: followup.Verifying,
		Since: at.AddDate(0, 0, -3), Opened: at.AddDate(0, 0, -11), Links: map[string]string{"jira": "PAY-118"},
	}}}
	subject, body := d.Email()
	fmt.Println(subject)
	fmt.Print(body)
	// Output:
	// [IAM.4] Daily digest, route payments: 1 open
	// Open IAM.4 cases of route payments on 2026-11-09, oldest first: 1
	//
	// - 444455556666 (payments-prod): verifying since 2026-11-06 (3 days), opened 2026-10-29 (11 days ago) — tickets: jira PAY-118
}
