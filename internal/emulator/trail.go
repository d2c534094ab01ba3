package emulator

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// event is one stored CloudTrail record. Generated records are rendered when a page is served,
// so that a scenario of 100,000 calls costs a few megabytes.
type event struct {
	at     time.Time
	raw    []byte     // a verbatim record, or nil
	gen    *Generator // the generator of a generated record
	seq    int        // its sequence number within the generator
	root   bool       // userIdentity.type is Root
	name   string     // eventName
	source string     // eventSource
	keyID  string     // userIdentity.accessKeyId
	id     string     // eventID
	ro     bool       // readOnly
	res    []resource
	// data marks a data event (S3 object calls, Lambda Invoke, DynamoDB item calls, …): it is
	// in the trail's log files, never in event history (LookupEvents).
	data bool
}

type resource struct{ Type, Name string }

// trail holds every Region's events, newest first, as LookupEvents returns them.
type trail map[string][]event

func buildTrail(events []json.RawMessage, gens []Generator, now time.Time) (trail, error) {
	t := trail{}
	for i, raw := range events {
		ev, region, err := parseRecord(raw)
		if err != nil {
			return nil, fmt.Errorf("events[%d]: %w", i, err)
		}
		t[region] = append(t[region], ev)
	}
	for gi := range gens {
		g := &gens[gi]
		span := time.Duration(g.Days * float64(24*time.Hour))
		for i := 0; i < g.Count; i++ {
			// Spread evenly, newest a minute before now.
			at := now.Add(-time.Minute - time.Duration(float64(span)*float64(i)/float64(max(g.Count, 1))))
			name, src, res := g.action(i)
			ev := event{
				at: at.Truncate(time.Second), gen: g, seq: i, root: true, name: name, source: src,
				id: fmt.Sprintf("%08x-0000-4000-8000-%012x", gi, i), ro: readOnly(name), res: res,
				data: dataEvent(src, name),
			}
			if g.Kind == "" || g.Kind == "access-key" {
				ev.keyID = g.Key
			}
			t[g.Region] = append(t[g.Region], ev)
		}
	}
	for r := range t {
		slices.SortStableFunc(t[r], func(a, b event) int { return b.at.Compare(a.at) })
	}
	return t, nil
}

func parseRecord(raw json.RawMessage) (event, string, error) {
	var r struct {
		EventTime   time.Time `json:"eventTime"`
		EventName   string    `json:"eventName"`
		EventSource string    `json:"eventSource"`
		AWSRegion   string    `json:"awsRegion"`
		EventID     string    `json:"eventID"`
		ReadOnly    *bool     `json:"readOnly"`
		// Management or data event (CloudTrail record contents); older records lack both.
		ManagementEvent *bool  `json:"managementEvent"`
		EventCategory   string `json:"eventCategory"`
		UserIdentity    struct {
			Type        string `json:"type"`
			AccessKeyID string `json:"accessKeyId"`
		} `json:"userIdentity"`
		Resources []struct {
			ARN  string `json:"ARN"`
			Type string `json:"type"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return event{}, "", err
	}
	if r.AWSRegion == "" || r.EventTime.IsZero() {
		return event{}, "", fmt.Errorf("a record needs awsRegion and eventTime")
	}
	ev := event{
		at: r.EventTime, raw: raw, root: r.UserIdentity.Type == "Root", name: r.EventName,
		source: r.EventSource, keyID: r.UserIdentity.AccessKeyID, id: r.EventID,
		ro: r.ReadOnly != nil && *r.ReadOnly,
	}
	switch {
	case r.EventCategory != "":
		ev.data = r.EventCategory == "Data"
	case r.ManagementEvent != nil:
		ev.data = !*r.ManagementEvent
	default:
		ev.data = dataEvent(r.EventSource, r.EventName)
	}
	for _, x := range r.Resources {
		ev.res = append(ev.res, resource{x.Type, x.ARN})
	}
	return ev, r.AWSRegion, nil
}

// action returns the i-th call's event name, event source and resources.
func (g *Generator) action(i int) (string, string, []resource) {
	switch g.Kind {
	case "signin":
		return "ConsoleLogin", "signin.amazonaws.com", nil
	}
	actions := g.Actions
	if len(actions) == 0 {
		actions = []string{"sts:GetCallerIdentity"}
	}
	a, arn, _ := strings.Cut(actions[i%len(actions)], "@")
	service, name, _ := strings.Cut(a, ":")
	var res []resource
	if arn != "" {
		res = []resource{{Type: resourceType(arn), Name: arn}}
	}
	return name, service + ".amazonaws.com", res
}

// resourceType guesses CloudTrail's resource type from an ARN ("arn:aws:s3:::b" → AWS::S3::Bucket).
func resourceType(arn string) string {
	p := strings.SplitN(arn, ":", 6)
	if len(p) < 6 {
		return ""
	}
	switch p[2] {
	case "s3":
		if strings.Contains(p[5], "/") {
			return "AWS::S3::Object"
		}
		return "AWS::S3::Bucket"
	default:
		return "AWS::" + strings.ToUpper(p[2][:1]) + p[2][1:] + "::Resource"
	}
}

func readOnly(name string) bool {
	for _, p := range []string{"Get", "List", "Describe", "Head", "Lookup"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// record renders a stored event as CloudTrail writes it.
func (ev event) record(account, region string) []byte {
	if ev.raw != nil {
		return ev.raw
	}
	g := ev.gen
	ip := g.IPs[ev.seq%len(g.IPs)]
	identity := map[string]any{
		"type": "Root", "principalId": account, "arn": "arn:aws:iam::" + account + ":root", "accountId": account,
	}
	rec := map[string]any{
		"eventVersion": "1.09", "userIdentity": identity, "eventTime": ev.at.UTC().Format(time.RFC3339),
		"eventSource": ev.source, "eventName": ev.name, "awsRegion": region, "sourceIPAddress": ip,
		"userAgent": g.UserAgent, "requestParameters": nil, "responseElements": nil,
		"requestID": ev.id, "eventID": ev.id, "readOnly": ev.ro, "eventType": "AwsApiCall",
		"managementEvent": !ev.data, "recipientAccountId": account, "eventCategory": "Management",
	}
	if ev.data {
		rec["eventCategory"] = "Data"
	}
	switch g.Kind {
	case "", "access-key":
		identity["accessKeyId"] = g.Key
	case "console":
		// A console session: temporary credentials, a session context, and the console as
		// user agent (CloudTrail user guide, "Example event records for root users").
		identity["accessKeyId"] = "ASIA" + strings.ToUpper(strconv.FormatInt(int64(1e15+ev.seq), 36))
		identity["sessionContext"] = map[string]any{"attributes": map[string]any{
			"creationDate": ev.at.Add(-time.Hour).UTC().Format(time.RFC3339), "mfaAuthenticated": "true"}}
		rec["sessionCredentialFromConsole"] = "true"
		if g.UserAgent == "" {
			rec["userAgent"] = "AWS Internal"
		}
	case "signin":
		identity["accessKeyId"] = ""
		rec["eventType"] = "AwsConsoleSignIn"
		rec["responseElements"] = map[string]any{"ConsoleLogin": "Success"}
		rec["additionalEventData"] = map[string]any{"MFAUsed": "Yes", "MobileVersion": "No"}
	case "service":
		identity["invokedBy"] = g.InvokedBy
		rec["sourceIPAddress"] = g.InvokedBy
		rec["userAgent"] = g.InvokedBy
	}
	if g.ErrorEvery > 0 && ev.seq%g.ErrorEvery == g.ErrorEvery-1 {
		rec["errorCode"] = "AccessDenied"
		rec["errorMessage"] = "User: arn:aws:iam::" + account + ":root is not authorized to perform this operation"
	}
	if len(ev.res) > 0 {
		var rs []map[string]any
		for _, r := range ev.res {
			rs = append(rs, map[string]any{"ARN": r.Name, "accountId": account, "type": r.Type})
		}
		rec["resources"] = rs
	}
	b, _ := json.Marshal(rec)
	return b
}

// dataEvents are the calls CloudTrail logs as data events, by event source: they reach a trail
// that selects data events, never event history (CloudTrail user guide, "Logging data events").
// Only the services the scenarios use are listed; a management call is never in this table.
var dataEvents = map[string][]string{
	"s3.amazonaws.com": {"GetObject", "PutObject", "DeleteObject", "DeleteObjects", "HeadObject", "CopyObject",
		"ListObjects", "ListObjectsV2", "ListObjectVersions", "CreateMultipartUpload", "UploadPart", "UploadPartCopy",
		"CompleteMultipartUpload", "AbortMultipartUpload", "ListParts", "GetObjectAcl", "PutObjectAcl",
		"GetObjectTagging", "PutObjectTagging", "DeleteObjectTagging", "RestoreObject", "SelectObjectContent",
		"GetObjectAttributes"},
	"lambda.amazonaws.com": {"Invoke", "InvokeWithResponseStream"},
	"dynamodb.amazonaws.com": {"GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan", "BatchGetItem",
		"BatchWriteItem", "TransactGetItems", "TransactWriteItems", "ExecuteStatement", "BatchExecuteStatement"},
}

func dataEvent(source, name string) bool { return slices.Contains(dataEvents[source], name) }
