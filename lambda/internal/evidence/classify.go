package evidence

import "strings"

// Kind is what a root record was.
type Kind string

const (
	// AccessKeyCall: signed with a long-term root access key (AKIA…), no session.
	AccessKeyCall Kind = "access-key"
	// ConsoleCall: made from a console session (the console signs with session credentials,
	// which may carry an AKIA-looking id: see the CloudTrail user guide's root examples).
	ConsoleCall Kind = "console"
	// SignIn: a console sign-in event.
	SignIn Kind = "sign-in"
	// ServiceCall: made by an AWS service on the root's behalf (userIdentity.invokedBy).
	ServiceCall Kind = "service"
	// SessionCall: temporary credentials outside the console (sts:GetSessionToken with the root
	// key, or a centralized-root-access session); not attributable to one long-term key.
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
	case r.UserIdentity.InvokedBy != "":
		return ServiceCall
	case strings.EqualFold(r.SessionCredentialFromConsole, "true"):
		return ConsoleCall
	case r.hasSession() && consoleAgent(r.UserAgent):
		return ConsoleCall
	case r.hasSession() || strings.HasPrefix(r.UserIdentity.AccessKeyID, "ASIA"):
		return SessionCall
	case strings.HasPrefix(r.UserIdentity.AccessKeyID, "AKIA"):
		return AccessKeyCall
	default:
		return OtherCall
	}
}

// consoleAgent reports whether a user agent is one the console or its backends write.
func consoleAgent(ua string) bool {
	switch {
	case strings.Contains(ua, "console.amazonaws.com"), strings.Contains(ua, "signin.amazonaws.com"),
		ua == "AWS Internal", strings.HasPrefix(ua, "Coral/"), strings.HasPrefix(ua, "Mozilla/"),
		strings.Contains(ua, "console.aws.amazon.com"):
		return true
	}
	return false
}
