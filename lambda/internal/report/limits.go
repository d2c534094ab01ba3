package report

// Every size limit the renderings respect, beside the fact that sets it. A rendering that fits
// these is never refused by its channel, so a case never dead-letters on its own text.
const (
	// SNS Publish (botocore sns model, PublishInput.Subject): "UTF-8 text with no line breaks or
	// control characters, and less than 100 characters long". We also keep it ASCII.
	snsSubjectMax = 99
	// SNS Publish (PublishInput.Message): "at most 256 KB in size (262,144 bytes, not 262,144
	// characters)". The e-mail and the chat notification are each one message.
	snsMessageMaxBytes = 262144

	// SSM CreateOpsItem (botocore ssm model): OpsItemTitle max 1024, OpsItemDescription max
	// 2048, OpsItemDataKey max 128.
	opsTitleMax       = 1024
	opsDescriptionMax = 2048
	opsDataKeyMax     = 128
	// CreateOpsItemRequest.OperationalData: "The value has a maximum size of 20 KB". Counted in
	// bytes, and 20,000 rather than 20,480 in case the service counts kilobytes in thousands.
	opsDataValueMaxBytes = 20000
	// No total is documented; we keep the whole map within a quarter of a Lambda payload so
	// that a request is never large (our own budget, not an AWS limit).
	opsDataTotalMaxBytes = 256 * 1024

	// Jira Cloud refuses a text field over 32,767 characters ("The entered text is too long").
	// We count the ADF document's JSON, which is never shorter than the text Jira counts.
	jiraDescriptionMax = 32767
	jiraCommentMax     = 32767
	// Jira's summary field holds 255 characters.
	jiraSummaryMax = 255

	// Security Hub: Note.Text "Maximum of 512" (BatchUpdateFindings) and the V2 Comment
	// "Maximum character length 512" (BatchUpdateFindingsV2), botocore securityhub model.
	noteMax = 512

	// Chat. The custom notification schema (Amazon Q Developer in chat applications
	// administrator guide, "Custom notifications using Amazon Q Developer in chat applications",
	// docs.aws.amazon.com/chatbot/latest/adminguide/custom-notifs.html) names the fields but
	// gives no length for any of them; the service renders them as Slack Block Kit and Teams
	// messages, so the caps are Slack's documented block limits:
	//
	// Slack Block Kit reference, header block (docs.slack.dev/reference/block-kit/blocks/header-block):
	// "text … Maximum length … 150 characters". The title is shown as a header.
	chatTitleMax = 150
	// Slack Block Kit reference, section block (docs.slack.dev/reference/block-kit/blocks/section-block):
	// "text … Maximum length … 3000 characters". The description is one section.
	chatDescriptionMax = 3000
	// The same section block: "fields … Maximum number of items is 10 … 2000 characters" each.
	// The next steps are shown as one list; we keep to ten items and, our own choice, 300
	// characters each so that ten of them also fit one section.
	chatNextSteps   = 10
	chatNextStepMax = 300
	// Keywords and additional context values: no documented limit; our own caps, short enough
	// for Slack's context block (docs.slack.dev/reference/block-kit/blocks/context-block: at
	// most 10 elements).
	chatKeywordMax = 40
	chatContextMax = 256
)

// Caps on one untrusted value (runes) inside a rendering, by what it is. CloudTrail values
// arrive already capped by package evidence (user agents 256, ARNs 512, the rest 128); finding
// fields arrive from the event and are capped only here.
const (
	capAccount  = 12 + 8 // an account id, with room to show that a forged one is not
	capRegion   = 32
	capSeverity = 20
	capFindID   = 512 // ASFF Id and OCSF finding_info.uid hold at most 512
	capControl  = 64
	capAddress  = 64
	capWhere    = 80
	capAgent    = 200
	capTool     = 40
	capAction   = 80
	capKey      = 40
	capReason   = 300
	capCaution  = 400
	capNote     = 300
	capTicket   = 80
	capError    = 300
	capCase     = 200 // the case key: account and control
	// capContained is what the note says containment did, within the note's 512.
	capContained = 200
)

// lists are how many items of each list a channel shows before saying how many more there are.
type lists struct {
	addresses, agents, tools, actions, callers int
}

var (
	emailLists = lists{addresses: 5, agents: 3, tools: 3, actions: 8, callers: 5}
	jiraLists  = lists{addresses: 10, agents: 5, tools: 5, actions: 15, callers: 5}
	chatLists  = lists{addresses: 3, callers: 5}
	opsLists   = lists{addresses: 3, actions: 5, callers: 3}
	// opsKeyAddresses are the addresses per key in the OpsItem's iam4:keys summary.
	opsKeyAddresses = 10
)
