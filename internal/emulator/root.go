package emulator

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/iam4-responder/iam4-responder/lambda/contract"
)

// Centralized root access (IAM user guide, "Centrally manage root access for member accounts"):
// sts:AssumeRoot from the management account (the scenario's account here) against a member
// account, with one of the root-task policies, for at most 900 seconds.
const (
	TaskAudit  = "arn:aws:iam::aws:policy/root-task/" + contract.RootTaskAudit
	TaskDelete = "arn:aws:iam::aws:policy/root-task/" + contract.RootTaskDelete
)

// taskOf is the root-task policy an AssumeRoot names, in any partition, as TaskAudit or
// TaskDelete; "" for anything else.
func taskOf(arn string) string {
	for _, p := range []string{"aws", "aws-cn", "aws-us-gov"} {
		switch arn {
		case contract.TaskPolicyARN(p, contract.RootTaskAudit):
			return TaskAudit
		case contract.TaskPolicyARN(p, contract.RootTaskDelete):
			return TaskDelete
		}
	}
	return ""
}

// Root sessions carry their account and task in the key: ASIA + account + "RA" (audit) or
// "RD" (delete) + two hex digits.
func rootSession(key string) (task string, ok bool) {
	if len(key) != 20 || key[:4] != "ASIA" {
		return "", false
	}
	switch key[16:18] {
	case "RA":
		return TaskAudit, true
	case "RD":
		return TaskDelete, true
	}
	return "", false
}

func (s *Server) assumeRoot(w http.ResponseWriter, caller *account, form url.Values) {
	target := form.Get("TargetPrincipal")
	task := form.Get("TaskPolicyArn.arn")
	if task == "" {
		task = form.Get("TaskPolicyArn.Arn")
	}
	task = taskOf(task)
	member, known := s.accounts[target]
	switch {
	case caller.id != s.scenario.Account:
		writeXMLError(w, http.StatusForbidden, "AccessDenied", "AssumeRoot is for the management account or the IAM delegated administrator")
		return
	case target == s.scenario.Account || !known:
		writeXMLError(w, http.StatusForbidden, "AccessDenied", "TargetPrincipal must be a member account of the organization")
		return
	case task != TaskAudit && task != TaskDelete:
		writeXMLError(w, http.StatusBadRequest, "ValidationError", "TaskPolicyArn must be a root-task policy")
		return
	}
	duration := 900
	if v := form.Get("DurationSeconds"); v != "" {
		if d, err := strconv.Atoi(v); err != nil || d < 0 || d > 900 {
			writeXMLError(w, http.StatusBadRequest, "ValidationError", "DurationSeconds must be at most 900")
			return
		} else if d > 0 {
			duration = d
		}
	}
	code := "RA"
	if task == TaskDelete {
		code = "RD"
	}
	s.RootSessions.Add(1)
	key := fmt.Sprintf("ASIA%s%s%02X", member.id, code, s.RootSessions.Load()%256)
	type creds struct {
		AccessKeyID     string `xml:"AccessKeyId"`
		SecretAccessKey string `xml:"SecretAccessKey"`
		SessionToken    string `xml:"SessionToken"`
		Expiration      string `xml:"Expiration"`
	}
	writeXMLTo(w, "AssumeRoot", "https://sts.amazonaws.com/doc/2011-06-15/", struct {
		XMLName     xml.Name `xml:"AssumeRootResult"`
		Credentials creds    `xml:"Credentials"`
	}{Credentials: creds{key, "emulator-root-secret", "emulator-root-session",
		time.Now().Add(time.Duration(duration) * time.Second).UTC().Format(time.RFC3339)}})
}

// listAccessKeys lists the root's keys to a root session; deleteAccessKey deletes one, only
// with the delete task (its policy has no iam:UpdateAccessKey: keys cannot be deactivated).
func (s *Server) listAccessKeys(w http.ResponseWriter, acct *account, task string) {
	if task == "" {
		writeXMLError(w, http.StatusForbidden, "AccessDenied", "the emulator lists root access keys to root sessions only")
		return
	}
	type member struct {
		UserName    string `xml:"UserName"`
		AccessKeyID string `xml:"AccessKeyId"`
		Status      string `xml:"Status"`
		CreateDate  string `xml:"CreateDate"`
	}
	var keys []member
	s.mu.Lock()
	for _, k := range acct.root.Keys {
		status := "Inactive"
		if k.Active {
			status = "Active"
		}
		keys = append(keys, member{"", k.ID, status, k.Created.UTC().Format(time.RFC3339)})
	}
	s.mu.Unlock()
	writeXML(w, "ListAccessKeys", struct {
		XMLName     xml.Name `xml:"ListAccessKeysResult"`
		Keys        []member `xml:"AccessKeyMetadata>member"`
		IsTruncated bool     `xml:"IsTruncated"`
	}{Keys: keys})
}

func (s *Server) deleteAccessKey(w http.ResponseWriter, acct *account, task string, form url.Values) {
	if task != TaskDelete {
		writeXMLError(w, http.StatusForbidden, "AccessDenied", "iam:DeleteAccessKey needs a root session with IAMDeleteRootUserCredentials")
		return
	}
	id := form.Get("AccessKeyId")
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, k := range acct.root.Keys {
		if k.ID == id {
			acct.root.Keys = append(acct.root.Keys[:i:i], acct.root.Keys[i+1:]...)
			s.DeletedKeys.Add(1)
			writeXML(w, "DeleteAccessKey", struct {
				XMLName xml.Name `xml:"DeleteAccessKeyResult"`
			}{})
			return
		}
	}
	writeXMLError(w, http.StatusNotFound, "NoSuchEntity", "The Access Key with id "+id+" cannot be found.")
}

// getAccessKeyLastUsed answers IAM's own last-use record of a root key to a root session (both
// root-task policies allow iam:GetAccessKeyLastUsed). Unlike the credential report, which IAM
// keeps for up to four hours, it is current. A key never used has no LastUsedDate and "N/A" as
// service and Region (IAM API reference, AccessKeyLastUsed).
func (s *Server) getAccessKeyLastUsed(w http.ResponseWriter, acct *account, task string, form url.Values) {
	if task == "" {
		writeXMLError(w, http.StatusForbidden, "AccessDenied", "the emulator answers root keys' last use to root sessions only")
		return
	}
	type lastUsed struct {
		LastUsedDate string `xml:"LastUsedDate,omitempty"`
		ServiceName  string `xml:"ServiceName"`
		Region       string `xml:"Region"`
	}
	id := form.Get("AccessKeyId")
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range acct.root.Keys {
		if k.ID != id {
			continue
		}
		lu := lastUsed{ServiceName: "N/A", Region: "N/A"}
		if !k.LastUsed.IsZero() {
			lu = lastUsed{k.LastUsed.UTC().Format(time.RFC3339), k.LastUsedService, k.LastUsedRegion}
		}
		writeXML(w, "GetAccessKeyLastUsed", struct {
			XMLName  xml.Name `xml:"GetAccessKeyLastUsedResult"`
			LastUsed lastUsed `xml:"AccessKeyLastUsed"`
		}{LastUsed: lu})
		return
	}
	// IAM does not say whether a key exists in another account: an unknown id is denied.
	writeXMLError(w, http.StatusForbidden, "AccessDenied", "the access key does not belong to this account")
}
