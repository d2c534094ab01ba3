package evidence

import "strings"

// Kind is what a root record was.
type Kind string

const (
	// AccessKeyCall: signed with a long-term root access key (AKIA…), no session.
	AccessKeyCall Kind = "access-key"
	// ConsoleCall: made by a person at the console (the console signs with session credentials,
	// which may carry an AKIA-looking id: see the CloudTrail user guide's root examples).
	ConsoleCall Kind = "console"
	// SignIn: a console sign-in event.
	SignIn Kind = "sign-in"
	// ServiceCall: made by an AWS service on the root's behalf (userIdentity.invokedBy).
	ServiceCall Kind = "service"
	// SessionCall: temporary credentials outside the console (sts:GetSessionToken with the root
	// key, or a centralized-root-access session). Usage links a GetSessionToken session back to
	// the key that created it when the GetSessionToken record is among the records read.
	SessionCall Kind = "session"
	// OtherCall: none of the above could be established.
	OtherCall Kind = "other"
)

// Classify decides what a root record was. The key prefix alone is not enough: console calls can
// carry an AKIA id, and the user agent is written by the caller, so a user agent only counts
// together with a session context, which the caller cannot forge into the record.
func Classify(r *Record) Kind {
	switch {
	case r.EventType == "AwsConsoleSignIn" || r.EventSource == "signin.amazonaws.com":
		return SignIn
	case r.UserIdentity.InvokedBy == "signin.amazonaws.com":
		// The console's sign-in service acting for the person signed in: the address is the
		// person's (seen in real IAM and S3 console records of root users).
		return ConsoleCall
	case r.UserIdentity.InvokedBy != "":
		return ServiceCall
	case r.fromConsole():
		return ConsoleCall
	case r.hasSession() && consoleAgent(r.UserAgent):
		return ConsoleCall
	case r.hasSession() || strings.HasPrefix(r.UserIdentity.AccessKeyID, "ASIA"):
		return SessionCall
	case strings.HasPrefix(r.UserIdentity.AccessKeyID, "AKIA"):
		return AccessKeyCall
	case consoleAgent(r.UserAgent):
		// No key at all (or a documentation placeholder): nothing to misattribute, and the
		// agent is the console's, so the address is a person's at the console.
		return ConsoleCall
	default:
		return OtherCall
	}
}

// consoleAgent reports whether a user agent is one the console or its backends write. Real
// records show many forms: "console.amazonaws.com", "signin.amazonaws.com", the service consoles'
// own agents ("[S3Console/0.4, aws-internal/3 aws-sdk-java/…]", "RDS Console, aws-internal/3 …",
// "AWS CloudWatch Console", "console.ec2.amazonaws.com"), the console backends ("AWS Internal",
// "aws-internal/3 …", "Coral/Netty4", "aws.internal") and the browser itself ("Mozilla/5.0 …",
// even a bare "Mozilla").
func consoleAgent(ua string) bool {
	l := strings.ToLower(unbracket(ua))
	switch {
	case strings.Contains(l, "console"), // S3Console, RDS Console, console.ec2.amazonaws.com, console.aws.amazon.com
		strings.Contains(l, "signin.amazonaws.com"),
		l == "aws internal", strings.HasPrefix(l, "aws-internal/"), strings.Contains(l, " aws-internal/"),
		strings.HasPrefix(l, "aws.internal"),
		strings.HasPrefix(l, "coral/"),
		strings.HasPrefix(l, "mozilla"):
		return true
	}
	return false
}

// unbracket removes the brackets S3 puts around every user agent it logs
// ("[aws-cli/1.11.10 Python/2.7.8 …]").
func unbracket(ua string) string {
	ua = strings.TrimSpace(ua)
	if strings.HasPrefix(ua, "[") && strings.HasSuffix(ua, "]") {
		return strings.TrimSpace(ua[1 : len(ua)-1])
	}
	return ua
}
