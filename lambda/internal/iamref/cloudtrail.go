package iamref

import (
	"regexp"
	"slices"
	"strings"
)

// Outcome says what a CloudTrail call means for a policy.
type Outcome string

const (
	// Mapped: Actions authorize the call; each is in the reference.
	Mapped Outcome = "mapped"
	// NoPermission: the call needs no IAM permission (authentication, identity checks), so a
	// policy leaves it out.
	NoPermission Outcome = "no_permission"
	// Unmapped: no action of the reference was found for the call; a person must review it.
	Unmapped Outcome = "unmapped"
)

// Mapping is what authorizes one CloudTrail call.
type Mapping struct {
	Outcome Outcome  `json:"outcome"`
	Actions []string `json:"actions,omitempty"` // spelled as the reference spells them, sorted
	// Also names a permission the call needs on another resource than the one it names
	// (CopyObject reads its source object); it is advice for a reviewer, not in Actions.
	Also string `json:"also,omitempty"`
}

// CloudTrail's event source is "<something>.amazonaws.com"; IAM's service prefix mostly equals
// <something>. These differ (Service Authorization Reference, and each service's "Logging …
// with CloudTrail" page). A list is tried in order: Application Auto Scaling logs under
// autoscaling.amazonaws.com.
var sourcePrefixes = map[string][]string{
	"monitoring":                 {"cloudwatch"},
	"email":                      {"ses"},
	"tagging":                    {"tag"},
	"servicecatalog-appregistry": {"servicecatalog"},
	"autoscaling":                {"autoscaling", "application-autoscaling"},
	// The Billing console's own events; the permissions behind them live in these services.
	"billingconsole": {"billing", "account", "aws-portal"},
}

// renames holds the calls whose action has another name than the event, reviewed against the
// Service Authorization Reference and each API's "permissions" documentation. Keys are
// "<prefix>:<EventName>" after the prefix mapping and version-suffix removal.
var renames = map[string][]string{
	// S3 (Amazon S3 API Reference and "Actions, resources, and condition keys for Amazon S3").
	"s3:ListBuckets":                                 {"s3:ListAllMyBuckets"},
	"s3:ListObjects":                                 {"s3:ListBucket"},
	"s3:ListObjectsV2":                               {"s3:ListBucket"},
	"s3:ListObjectVersions":                          {"s3:ListBucketVersions"},
	"s3:ListMultipartUploads":                        {"s3:ListBucketMultipartUploads"},
	"s3:ListParts":                                   {"s3:ListMultipartUploadParts"},
	"s3:HeadBucket":                                  {"s3:ListBucket"},
	"s3:HeadObject":                                  {"s3:GetObject"},
	"s3:SelectObjectContent":                         {"s3:GetObject"},
	"s3:CopyObject":                                  {"s3:PutObject"},
	"s3:UploadPart":                                  {"s3:PutObject"},
	"s3:UploadPartCopy":                              {"s3:PutObject"},
	"s3:CreateMultipartUpload":                       {"s3:PutObject"},
	"s3:CompleteMultipartUpload":                     {"s3:PutObject"},
	"s3:DeleteObjects":                               {"s3:DeleteObject"},
	"s3:GetBucketEncryption":                         {"s3:GetEncryptionConfiguration"},
	"s3:PutBucketEncryption":                         {"s3:PutEncryptionConfiguration"},
	"s3:DeleteBucketEncryption":                      {"s3:PutEncryptionConfiguration"},
	"s3:GetBucketLifecycle":                          {"s3:GetLifecycleConfiguration"},
	"s3:GetBucketLifecycleConfiguration":             {"s3:GetLifecycleConfiguration"},
	"s3:PutBucketLifecycle":                          {"s3:PutLifecycleConfiguration"},
	"s3:PutBucketLifecycleConfiguration":             {"s3:PutLifecycleConfiguration"},
	"s3:DeleteBucketLifecycle":                       {"s3:PutLifecycleConfiguration"},
	"s3:GetBucketReplication":                        {"s3:GetReplicationConfiguration"},
	"s3:PutBucketReplication":                        {"s3:PutReplicationConfiguration"},
	"s3:DeleteBucketReplication":                     {"s3:PutReplicationConfiguration"},
	"s3:GetBucketCors":                               {"s3:GetBucketCORS"},
	"s3:PutBucketCors":                               {"s3:PutBucketCORS"},
	"s3:DeleteBucketCors":                            {"s3:PutBucketCORS"},
	"s3:DeleteBucketPublicAccessBlock":               {"s3:PutBucketPublicAccessBlock"},
	"s3:DeleteBucketTagging":                         {"s3:PutBucketTagging"},
	"s3:DeleteBucketOwnershipControls":               {"s3:PutBucketOwnershipControls"},
	"s3:GetBucketNotificationConfiguration":          {"s3:GetBucketNotification"},
	"s3:PutBucketNotificationConfiguration":          {"s3:PutBucketNotification"},
	"s3:GetObjectLockConfiguration":                  {"s3:GetBucketObjectLockConfiguration"},
	"s3:PutObjectLockConfiguration":                  {"s3:PutBucketObjectLockConfiguration"},
	"s3:GetBucketAccelerateConfiguration":            {"s3:GetAccelerateConfiguration"},
	"s3:PutBucketAccelerateConfiguration":            {"s3:PutAccelerateConfiguration"},
	"s3:GetBucketAnalyticsConfiguration":             {"s3:GetAnalyticsConfiguration"},
	"s3:ListBucketAnalyticsConfigurations":           {"s3:GetAnalyticsConfiguration"},
	"s3:PutBucketAnalyticsConfiguration":             {"s3:PutAnalyticsConfiguration"},
	"s3:DeleteBucketAnalyticsConfiguration":          {"s3:PutAnalyticsConfiguration"},
	"s3:GetBucketMetricsConfiguration":               {"s3:GetMetricsConfiguration"},
	"s3:ListBucketMetricsConfigurations":             {"s3:GetMetricsConfiguration"},
	"s3:PutBucketMetricsConfiguration":               {"s3:PutMetricsConfiguration"},
	"s3:DeleteBucketMetricsConfiguration":            {"s3:PutMetricsConfiguration"},
	"s3:GetBucketInventoryConfiguration":             {"s3:GetInventoryConfiguration"},
	"s3:ListBucketInventoryConfigurations":           {"s3:GetInventoryConfiguration"},
	"s3:PutBucketInventoryConfiguration":             {"s3:PutInventoryConfiguration"},
	"s3:DeleteBucketInventoryConfiguration":          {"s3:PutInventoryConfiguration"},
	"s3:GetBucketIntelligentTieringConfiguration":    {"s3:GetIntelligentTieringConfiguration"},
	"s3:ListBucketIntelligentTieringConfigurations":  {"s3:GetIntelligentTieringConfiguration"},
	"s3:PutBucketIntelligentTieringConfiguration":    {"s3:PutIntelligentTieringConfiguration"},
	"s3:DeleteBucketIntelligentTieringConfiguration": {"s3:PutIntelligentTieringConfiguration"},
	"s3:DeleteBucketWebsite":                         {"s3:DeleteBucketWebsite"},
	// KMS: ReEncrypt needs both halves (AWS KMS API Reference, ReEncrypt "Required permissions").
	"kms:ReEncrypt": {"kms:ReEncryptFrom", "kms:ReEncryptTo"},
	// Lambda: the Invoke API is authorized as lambda:InvokeFunction.
	"lambda:Invoke": {"lambda:InvokeFunction"},
}

// also holds what a call needs beyond the actions above, for a reviewer.
var also = map[string]string{
	"s3:CopyObject":     "s3:GetObject on the source object",
	"s3:UploadPartCopy": "s3:GetObject on the source object",
}

// noPermission holds calls that IAM does not authorize: authentication and identity checks.
// Whole event sources whose events are sign-in steps, not API calls, are in noPermissionSource.
var (
	noPermission = map[string]bool{
		// "No permissions are required to perform this operation" (AWS STS API Reference).
		"sts:GetCallerIdentity": true,
		"sts:GetSessionToken":   true,
		// Called with a web identity or SAML token, not with AWS credentials.
		"sts:AssumeRoleWithWebIdentity": true,
		"sts:AssumeRoleWithSAML":        true,
		// IAM Identity Center OIDC and portal APIs authenticate with a bearer token.
		"sso:CreateToken":                    true,
		"sso:Authenticate":                   true,
		"sso:GetRoleCredentials":             true,
		"sso:ListAccounts":                   true,
		"sso:ListAccountRoles":               true,
		"sso:Logout":                         true,
		"sso-oauth:CreateToken":              true,
		"sso-oauth:RegisterClient":           true,
		"sso-oauth:StartDeviceAuthorization": true,
	}
	noPermissionSource = map[string]bool{"signin": true}
)

// httpVerbs maps the first word of an API Gateway management call to the HTTP method that IAM
// authorizes it as ("Control access for managing an API", API Gateway Developer Guide: actions
// are apigateway:GET, POST, PUT, PATCH, DELETE on the resource path).
var httpVerbs = map[string]string{
	"Get": "GET", "List": "GET", "Create": "POST", "Import": "POST", "Generate": "POST",
	"Test": "POST", "Put": "PUT", "Tag": "PUT", "Reimport": "PUT", "Update": "PATCH",
	"Delete": "DELETE", "Untag": "DELETE", "Flush": "DELETE", "Reset": "DELETE",
}

// versionSuffix matches the API version some services append to event names:
// UpdateFunctionCode20150331v2 (Lambda), ListDistributions2016_01_28 (CloudFront).
var versionSuffix = regexp.MustCompile(`^(.*?[a-zA-Z])(\d{4}_?\d{2}_?\d{2})(v\d+)?$`)

// Prefixes returns the IAM service prefixes that an event source may stand for, most likely
// first. It accepts "s3.amazonaws.com" or just "s3".
func Prefixes(eventSource string) []string {
	source := strings.TrimSuffix(strings.ToLower(eventSource), ".amazonaws.com")
	if p, ok := sourcePrefixes[source]; ok {
		return p
	}
	return []string{source}
}

// Map returns the actions that authorize a CloudTrail call. eventSource may be the record's
// whole eventSource or its first label, as evidence.Record.Action gives it.
func (r *Reference) Map(eventSource, eventName string) Mapping {
	source := strings.TrimSuffix(strings.ToLower(eventSource), ".amazonaws.com")
	if eventName == "" || source == "" {
		return Mapping{Outcome: Unmapped}
	}
	if noPermissionSource[source] {
		return Mapping{Outcome: NoPermission}
	}
	name := eventName
	if m := versionSuffix.FindStringSubmatch(name); m != nil {
		name = m[1]
	}
	for _, prefix := range Prefixes(source) {
		key := prefix + ":" + name
		if noPermission[key] {
			return Mapping{Outcome: NoPermission}
		}
		if targets, ok := renames[key]; ok {
			if m, ok := r.mapped(targets); ok {
				m.Also = also[key]
				return m
			}
		}
		if prefix == "apigateway" {
			if a, ok := r.Lookup(key); ok {
				return Mapping{Outcome: Mapped, Actions: []string{a.Name}}
			}
			if verb, ok := httpVerbs[firstWord(name)]; ok {
				if m, ok := r.mapped([]string{"apigateway:" + verb}); ok {
					return m
				}
			}
			continue
		}
		if a, ok := r.Lookup(key); ok {
			return Mapping{Outcome: Mapped, Actions: []string{a.Name}}
		}
	}
	return Mapping{Outcome: Unmapped}
}

// mapped checks every target against the reference, so that a table entry can never put an
// action that IAM lacks into a policy.
func (r *Reference) mapped(targets []string) (Mapping, bool) {
	m := Mapping{Outcome: Mapped}
	for _, t := range targets {
		a, ok := r.Lookup(t)
		if !ok {
			return Mapping{}, false
		}
		m.Actions = append(m.Actions, a.Name)
	}
	slices.Sort(m.Actions)
	return m, true
}

// firstWord returns the leading capitalized word of an API name: "GetRestApis" → "Get".
func firstWord(s string) string {
	for i := 1; i < len(s); i++ {
		if s[i] >= 'A' && s[i] <= 'Z' {
			return s[:i]
		}
	}
	return s
}
