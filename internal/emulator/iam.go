package emulator

import (
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

const iamNamespace = "https://iam.amazonaws.com/doc/2010-05-08/"

// reportState follows GenerateCredentialReport: STARTED, then INPROGRESS until the scenario's
// delay has passed, then COMPLETE.
type reportState struct {
	requested time.Time
}

// query serves the query-protocol APIs: IAM, and STS (AssumeRole into members).
func (s *Server) query(w http.ResponseWriter, acct *account, task string, body []byte) {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		writeXMLError(w, http.StatusBadRequest, "MalformedQueryString", err.Error())
		return
	}
	action := form.Get("Action")
	s.log.Info("request", "service", "iam/sts", "op", action, "account", acct.id)
	switch action {
	case "GetAccountSummary":
		s.getAccountSummary(w, acct)
	case "GenerateCredentialReport":
		s.generateCredentialReport(w, acct)
	case "GetCredentialReport":
		s.getCredentialReport(w, acct)
	case "AssumeRole":
		s.assumeRole(w, acct, form)
	case "GetCallerIdentity":
		s.getCallerIdentity(w, acct)
	case "AssumeRoot":
		s.assumeRoot(w, acct, form)
	case "ListAccessKeys":
		s.listAccessKeys(w, acct, task)
	case "DeleteAccessKey":
		s.deleteAccessKey(w, acct, task, form)
	case "GetAccessKeyLastUsed":
		s.getAccessKeyLastUsed(w, acct, task, form)
	default:
		writeXMLError(w, http.StatusBadRequest, "InvalidAction", fmt.Sprintf("the emulator does not serve IAM %s", action))
	}
}

type entry struct {
	Key   string `xml:"key"`
	Value int    `xml:"value"`
}

func (s *Server) getAccountSummary(w http.ResponseWriter, acct *account) {
	keys, mfa := 0, 0
	s.mu.Lock()
	n := len(acct.root.Keys)
	s.mu.Unlock()
	if n > 0 {
		keys = 1 // AccountAccessKeysPresent is 1 when the root has any key, active or not
	}
	if acct.root.MFA {
		mfa = 1
	}
	writeXML(w, "GetAccountSummary", struct {
		XMLName xml.Name `xml:"GetAccountSummaryResult"`
		Entries []entry  `xml:"SummaryMap>entry"`
	}{Entries: []entry{
		{"AccountAccessKeysPresent", keys}, {"AccountMFAEnabled", mfa},
		{"AccountSigningCertificatesPresent", 0}, {"AccessKeysPerUserQuota", 2},
	}})
}

func (s *Server) generateCredentialReport(w http.ResponseWriter, acct *account) {
	s.mu.Lock()
	state, description := "COMPLETE", "Report is ready"
	switch {
	case acct.report.requested.IsZero():
		acct.report.requested = s.clockLocked()
		state, description = "STARTED", "No report exists. Starting a new report generation task"
		if s.scenario.ReportDelay == 0 {
			state = "COMPLETE"
		}
	case s.clockLocked().Sub(acct.report.requested) < time.Duration(s.scenario.ReportDelay):
		state, description = "INPROGRESS", "Report generation in progress"
	}
	s.mu.Unlock()
	writeXML(w, "GenerateCredentialReport", struct {
		XMLName     xml.Name `xml:"GenerateCredentialReportResult"`
		State       string   `xml:"State"`
		Description string   `xml:"Description"`
	}{State: state, Description: description})
}

func (s *Server) getCredentialReport(w http.ResponseWriter, acct *account) {
	s.mu.Lock()
	requested, now := acct.report.requested, s.clockLocked()
	s.mu.Unlock()
	switch {
	case requested.IsZero():
		writeXMLError(w, http.StatusGone, "ReportNotPresent", "Credential report not present.")
		return
	case now.Sub(requested) < time.Duration(s.scenario.ReportDelay):
		writeXMLError(w, http.StatusNotFound, "ReportInProgress", "Credential report is being generated.")
		return
	}
	writeXML(w, "GetCredentialReport", struct {
		XMLName       xml.Name `xml:"GetCredentialReportResult"`
		Content       string   `xml:"Content"`
		ReportFormat  string   `xml:"ReportFormat"`
		GeneratedTime string   `xml:"GeneratedTime"`
	}{
		Content:       base64.StdEncoding.EncodeToString([]byte(s.credentialReport(acct))),
		ReportFormat:  "text/csv",
		GeneratedTime: s.now().UTC().Format(time.RFC3339),
	})
}

// credentialReport renders the CSV with the root row as IAM writes it (IAM user guide,
// "Getting credential reports": N/A for never, lowercase booleans, not_supported for the root's
// password fields).
func (s *Server) credentialReport(a *account) string {
	acct := a.id
	s.mu.Lock()
	root := Root{MFA: a.root.MFA, Keys: append([]RootKey(nil), a.root.Keys...)}
	s.mu.Unlock()
	ts := func(t time.Time) string {
		if t.IsZero() {
			return "N/A"
		}
		return t.UTC().Format("2006-01-02T15:04:05+00:00")
	}
	or := func(v, def string) string {
		if v == "" {
			return def
		}
		return v
	}
	row := []string{"<root_account>", "arn:aws:iam::" + acct + ":root",
		ts(s.now().Add(-3 * 365 * 24 * time.Hour)), "not_supported", ts(s.now().Add(-48 * time.Hour)),
		"not_supported", "not_supported", fmt.Sprint(root.MFA)}
	for i := 0; i < 2; i++ {
		if i < len(root.Keys) {
			k := root.Keys[i]
			lastUsed, region, service := "N/A", "N/A", "N/A"
			if !k.LastUsed.IsZero() {
				lastUsed, region, service = ts(k.LastUsed), or(k.LastUsedRegion, "N/A"), or(k.LastUsedService, "N/A")
			}
			row = append(row, fmt.Sprint(k.Active), ts(k.Created), lastUsed, region, service)
		} else {
			row = append(row, "false", "N/A", "N/A", "N/A", "N/A")
		}
	}
	row = append(row, "false", "N/A", "false", "N/A")
	header := "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed," +
		"password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated," +
		"access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service," +
		"access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date," +
		"access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated," +
		"cert_2_active,cert_2_last_rotated"
	return header + "\n" + strings.Join(row, ",") + "\n"
}

// writeXML writes an IAM query-protocol response.
func writeXML(w http.ResponseWriter, action string, result any) {
	writeXMLTo(w, action, iamNamespace, result)
}

// writeXMLTo writes a query-protocol response: <ActionResponse> around the result element, then
// the response metadata.
func writeXMLTo(w http.ResponseWriter, action, namespace string, result any) {
	inner, err := xml.Marshal(result)
	if err != nil {
		writeXMLError(w, http.StatusInternalServerError, "InternalFailure", err.Error())
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	fmt.Fprintf(w, `<%sResponse xmlns="%s">%s<ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></%sResponse>`,
		action, namespace, inner, requestID(), action)
}

func writeXMLError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	var esc strings.Builder
	_ = xml.EscapeText(&esc, []byte(message))
	fmt.Fprintf(w, `<ErrorResponse xmlns="%s"><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>%s</RequestId></ErrorResponse>`,
		iamNamespace, code, esc.String(), requestID())
}

func requestID() string { return fmt.Sprintf("%016x-emulator", time.Now().UnixNano()) }

// listRegions answers Account ListRegions with every enabled Region.
func (s *Server) listRegions(w http.ResponseWriter, acct *account, body []byte) {
	var in struct {
		RegionOptStatusContains []string `json:"RegionOptStatusContains"`
	}
	if len(body) > 0 {
		if err := json.Unmarshal(body, &in); err != nil {
			writeJSONError(w, http.StatusBadRequest, "ValidationException", err.Error())
			return
		}
	}
	type region struct {
		RegionName      string `json:"RegionName"`
		RegionOptStatus string `json:"RegionOptStatus"`
	}
	out := struct {
		Regions []region `json:"Regions"`
	}{Regions: []region{}}
	for _, r := range acct.regions {
		status := "ENABLED_BY_DEFAULT"
		if optIn(r) {
			status = "ENABLED"
		}
		if len(in.RegionOptStatusContains) > 0 && !contains(in.RegionOptStatusContains, status) {
			continue
		}
		out.Regions = append(out.Regions, region{r, status})
	}
	writeJSON(w, "application/json", out)
}

// optIn lists Regions that are disabled by default (AWS General Reference, "Enable or disable
// Regions"): a prefix is enough for the emulator.
func optIn(r string) bool {
	for _, p := range []string{"af-", "ap-east-", "ap-south-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-southeast-7", "ca-west-", "eu-central-2", "eu-south-", "il-", "me-", "mx-"} {
		if strings.HasPrefix(r, p) {
			return true
		}
	}
	return false
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
