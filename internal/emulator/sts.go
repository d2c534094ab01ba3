package emulator

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/iam4-responder/iam4-responder/lambda/contract"
)

// The emulator serves STS's AssumeRole and GetCallerIdentity itself, rather than moto, because it
// must know which account a later CloudTrail or IAM call acts in: its credentials carry the
// account (ASIA + the 12-digit id + a suffix).
var assumedKey = regexp.MustCompile(`^ASIA([0-9]{12})[A-Z0-9]{4}$`)

func assumedAccount(key string) (string, bool) {
	if m := assumedKey.FindStringSubmatch(key); m != nil {
		return m[1], true
	}
	return "", false
}

// DefaultEvidenceRole is the role name members trust unless the scenario says otherwise.
const DefaultEvidenceRole = contract.DefaultMemberRole

var roleARN = regexp.MustCompile(`^arn:aws[a-z-]*:iam::([0-9]{12}):role/(.+)$`)

// assumeRole follows STS AssumeRole (STS API reference): a role ARN, a session name, a duration
// of 900 to 43,200 seconds (1 hour by default). Only the scenario's evidence role in a known
// account can be assumed, and only with the scenario's own credentials (the responder).
func (s *Server) assumeRole(w http.ResponseWriter, caller *account, form url.Values) {
	m := roleARN.FindStringSubmatch(form.Get("RoleArn"))
	if m == nil {
		writeXMLError(w, http.StatusBadRequest, "ValidationError", "RoleArn is not a role ARN")
		return
	}
	name := s.scenario.EvidenceRole
	if name == "" {
		name = DefaultEvidenceRole
	}
	target, known := s.accounts[m[1]]
	if caller.id != s.scenario.Account || !known || m[2] != name {
		writeXMLError(w, http.StatusForbidden, "AccessDenied",
			fmt.Sprintf("User is not authorized to perform: sts:AssumeRole on resource: %s", form.Get("RoleArn")))
		return
	}
	session := form.Get("RoleSessionName")
	if session == "" || len(session) > 64 {
		writeXMLError(w, http.StatusBadRequest, "ValidationError", "RoleSessionName must be 2 to 64 characters")
		return
	}
	duration := 3600
	if v := form.Get("DurationSeconds"); v != "" {
		d, err := strconv.Atoi(v)
		if err != nil || d < 900 || d > 43200 {
			writeXMLError(w, http.StatusBadRequest, "ValidationError", "DurationSeconds must be 900 to 43200")
			return
		}
		duration = d
	}
	s.mu.Lock()
	n := len(s.buckets)
	s.mu.Unlock()
	key := fmt.Sprintf("ASIA%s%04X", target.id, n%0xFFFF)
	s.AssumedRoles.Add(1)
	writeXMLTo(w, "AssumeRole", "https://sts.amazonaws.com/doc/2011-06-15/", struct {
		XMLName     xml.Name `xml:"AssumeRoleResult"`
		Credentials struct {
			AccessKeyID     string `xml:"AccessKeyId"`
			SecretAccessKey string `xml:"SecretAccessKey"`
			SessionToken    string `xml:"SessionToken"`
			Expiration      string `xml:"Expiration"`
		} `xml:"Credentials"`
		AssumedRoleUser struct {
			AssumedRoleID string `xml:"AssumedRoleId"`
			Arn           string `xml:"Arn"`
		} `xml:"AssumedRoleUser"`
	}{
		Credentials: struct {
			AccessKeyID     string `xml:"AccessKeyId"`
			SecretAccessKey string `xml:"SecretAccessKey"`
			SessionToken    string `xml:"SessionToken"`
			Expiration      string `xml:"Expiration"`
		}{key, "emulator-secret", "emulator-session-" + strings.ToLower(key),
			time.Now().Add(time.Duration(duration) * time.Second).UTC().Format(time.RFC3339)},
		AssumedRoleUser: struct {
			AssumedRoleID string `xml:"AssumedRoleId"`
			Arn           string `xml:"Arn"`
		}{"AROAEMULATOR:" + session, "arn:aws:sts::" + target.id + ":assumed-role/" + name + "/" + session},
	})
}

func (s *Server) getCallerIdentity(w http.ResponseWriter, caller *account) {
	writeXMLTo(w, "GetCallerIdentity", "https://sts.amazonaws.com/doc/2011-06-15/", struct {
		XMLName xml.Name `xml:"GetCallerIdentityResult"`
		Arn     string   `xml:"Arn"`
		UserID  string   `xml:"UserId"`
		Account string   `xml:"Account"`
	}{Arn: "arn:aws:iam::" + caller.id + ":role/iam4-responder", UserID: "AROAEMULATOR", Account: caller.id})
}
