package report

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/iam4-responder/iam4-responder/lambda/internal/advice"
)

// Lang is a rendering language.
type Lang string

const (
	English  Lang = "en"
	Japanese Lang = "ja"
)

// ParseLang reads a language setting; the empty string is English.
func ParseLang(s string) (Lang, error) {
	switch Lang(strings.ToLower(strings.TrimSpace(s))) {
	case "", English:
		return English, nil
	case Japanese:
		return Japanese, nil
	}
	return "", fmt.Errorf("language %q: want en or ja", s)
}

// texts holds every fixed sentence of the renderings, per language. Placeholders are filled
// with values that the renderer has already made safe for its channel.
type texts struct {
	subjectOpened, subjectResolved string // %s account; SNS subjects stay ASCII in every language
	titleOpened, titleResolved     string // %s account; chat, OpsItem and Jira titles, localized
	intro                          string // %s account, %s severity
	unlimited                      string
	resolvedIntro                  string // %s account, %s reason
	noEvidence                     string // %s why
	byHand                         string
	byHandSteps                    [3]string
	decision                       string
	window, windowLogs             string // %s start, %s end
	shows                          string // %s window, %s key calls, %s console calls, %s sign-ins
	key                            string // %s id, %s calls, %d failed, %s first, %s last
	from                           string // %s ip, %s calls, %s where
	inside, outside                string
	moreAddresses, moreActions     string // %s more
	tool, action                   string // %s name, %s calls
	caution                        string
	todo                           string
	policy                         string
	note                           string
	account, region, finding       string
	control                        string
	findingLink, credentialsLink   string
	decisions                      map[string]string
	steps                          map[string][2]string // kind → title, detail (%s callers where used)
	shNoteOpened                   string               // %s tickets
	shNoteResolved                 string               // %s reason
	tickets                        string
	containment, containRefused    string // %s mode; %s why
	moreTools, moreAgents          string // %s more
	moreLines                      string // %s more lines
	tooLarge                       string // %s what, %d bytes
	evidenceJSON                   string
	evidenceName                   string
	policyName                     string // %s group
	policyGroup                    string // %s group
	morePolicy                     string // %s more actions, %s file name
	attached                       string // %s file names
	opsData                        string // %s keys
	opsOmitted                     string // %s keys
}

var catalog = map[Lang]texts{
	English: {
		subjectOpened:   "[IAM.4] Root user access key in account %s",
		subjectResolved: "[IAM.4] Resolved: root access key case in account %s",
		titleOpened:     "[IAM.4] Root user access key in account %s",
		titleResolved:   "[IAM.4] Resolved: root access key case in account %s",
		intro:           "Security Hub reports that the root user of account %s has an access key (control IAM.4, severity %s).",
		unlimited:       "A root access key cannot be limited by any IAM policy.",
		resolvedIntro:   "The IAM.4 case for account %s is resolved: %s.",
		noEvidence:      "Evidence could not be gathered: %s",
		byHand:          "Follow the runbook by hand:",
		byHandSteps: [3]string{
			"1. Find every caller of the key (CloudTrail event history, the IAM credential report).",
			"2. Move each caller off it: workloads on AWS to an IAM role, others to a least-privilege IAM user key.",
			"3. Deactivate the root key, verify that nothing breaks, then delete it.",
		},
		decision:        "Decision: %s",
		window:          "from %s to %s",
		windowLogs:      "in the logs read",
		shows:           "What CloudTrail shows %s: %s with a root access key, %s, %s.",
		key:             "Key %s: %s (%d failed), first %s, last %s",
		from:            "from %s: %s, %s",
		inside:          "inside AWS",
		outside:         "outside AWS",
		moreAddresses:   "… %s",
		moreActions:     "… %s",
		tool:            "tool %s: %s",
		action:          "action %s: %s",
		caution:         "Caution: %s",
		todo:            "What to do:",
		policy:          "Draft least-privilege policy for the replacement:",
		note:            "note: %s",
		account:         "Account",
		region:          "Region",
		finding:         "Finding",
		control:         "Control",
		findingLink:     "Finding in Security Hub",
		credentialsLink: "Root security credentials",
		decisions: map[string]string{
			"unused":            "the key is unused: deactivate it now, delete it after verification",
			"replace_with_role": "callers run on AWS: replace the key with an IAM role",
			"replace_with_user": "callers run outside AWS: replace the key with a least-privilege IAM user key",
			"mixed":             "callers inside and outside AWS: an IAM role for the first, an IAM user key for the others",
			"none":              "no root access key exists",

			// the decisions of the single "unused" rule (advice/unused.go)
			"unexplained_use":       "the credential report shows use that the CloudTrail read does not explain: find those callers before deactivating",
			"evidence_insufficient": "nothing shows the key used, but the evidence cannot show it unused: complete it before deactivating",
			"no_key_calls":          "no call with a root access key was found in these records",
		},
		steps: map[string][2]string{
			"find":          {"Find the callers", "Done by iam4-responder: see the keys, addresses and tools above."},
			"role":          {"Give the workloads on AWS an IAM role", "Callers at %s run on AWS: attach an IAM role with the draft policy (EC2 instance profile, ECS task role, Lambda execution role) and remove the key from their configuration."},
			"user":          {"Give the callers outside AWS an IAM user", "Callers at %s run outside AWS: create an IAM user with the draft policy, give them its access key through their secret store, and plan its rotation."},
			"deactivate":    {"Deactivate the root access key", "Sign in as the root user, open Security credentials, and make the key inactive (reversible)."},
			"verify":        {"Verify nothing breaks", "Keep it inactive for at least 7 days; watch CloudTrail for failed calls (InvalidClientTokenId) from former callers."},
			"verify-unused": {"Verify nothing breaks", "Nothing used the key in the window: keep it inactive for a few days and watch CloudTrail for failed calls."},
			"delete":        {"Delete the root access key", "Delete it on the same page. IAM.4 passes once no root access key exists, inactive ones included."},
			"nothing":       {"Nothing to remove", "No root access key exists; the finding should pass at the next check."},

			"find-more":    {"Find the callers the evidence does not show", "Read what the evidence lacks: data events (S3 object calls, Lambda invokes) in a trail that logs them, the organization trail (Athena), the Regions not read, and the credential report if it could not be read."},
			"hold":         {"Hold back deactivation", "Do not deactivate the root access key until step 1 has found every caller: the evidence does not show them all."},
			"records-only": {"Check the account", "None of these records is a call with a root access key. Records cannot tell whether a key exists: read the account's credential report."},
		},
		shNoteOpened:   "iam4-responder opened the case for this account's root access key. %s",
		shNoteResolved: "iam4-responder closed the case: %s.",
		tickets:        "Tickets: %s.",
		containment:    "Containment (%s):",
		containRefused: "not acted on: %s",
		moreTools:      "… %s",
		moreAgents:     "… %s",
		moreLines:      "… %s did not fit in this message.",
		tooLarge:       "%s (%d bytes) does not fit in this message; `iam4 investigate --format json` gives it whole.",
		evidenceJSON:   "Full evidence (JSON):",
		evidenceName:   "The full evidence",
		policyName:     "The draft policy for %s",
		policyGroup:    "Callers %s:",
		morePolicy:     "… %s; the full policy is attached (%s).",
		attached:       "Attached: %s.",
		opsData:        "Full evidence and draft policies are in the operational data: %s.",
		opsOmitted:     "Left out of the operational data for size: %s; `iam4 investigate --format json` gives them whole.",
	},
	Japanese: {
		subjectOpened:   "[IAM.4] Root user access key in account %s",
		subjectResolved: "[IAM.4] Resolved: root access key case in account %s",
		titleOpened:     "[IAM.4] アカウント %s のルートユーザーにアクセスキーがあります",
		titleResolved:   "[IAM.4] 解決済み: アカウント %s のルートユーザーのアクセスキー",
		intro:           "Security Hub の検出結果によると、アカウント %s のルートユーザーにアクセスキーがあります (コントロール IAM.4、重要度: %s)。",
		unlimited:       "ルートユーザーのアクセスキーは IAM ポリシーで制限できません。",
		resolvedIntro:   "アカウント %s の IAM.4 の対応を完了しました (%s)。",
		noEvidence:      "証拠を収集できませんでした: %s",
		byHand:          "手順書に沿って手作業で対応してください:",
		byHandSteps: [3]string{
			"1. キーの利用元をすべて特定する (CloudTrail のイベント履歴、IAM 認証情報レポート)。",
			"2. 利用元をキーから移行する: AWS 上のワークロードは IAM ロールへ、それ以外は最小権限の IAM ユーザーのキーへ。",
			"3. ルートユーザーのアクセスキーを非アクティブ化し、影響がないことを確認してから削除する。",
		},
		decision:        "判定: %s",
		window:          "%s から %s",
		windowLogs:      "読み込んだログ",
		shows:           "CloudTrail の記録 (%s): ルートユーザーのアクセスキーによる呼び出し %s、コンソールからの呼び出し %s、サインイン %s。",
		key:             "キー %s: 呼び出し %s (失敗 %d 件)、初回 %s、最終 %s",
		from:            "%s から: %s、%s",
		inside:          "AWS 内",
		outside:         "AWS 外",
		moreAddresses:   "… ほか %s",
		moreActions:     "… ほか %s",
		tool:            "ツール %s: %s",
		action:          "アクション %s: %s",
		caution:         "注意: %s",
		todo:            "対応手順:",
		policy:          "移行先に付与する最小権限ポリシーの案:",
		note:            "補足: %s",
		account:         "アカウント",
		region:          "リージョン",
		finding:         "検出結果",
		control:         "コントロール",
		findingLink:     "Security Hub の検出結果",
		credentialsLink: "ルートユーザーのセキュリティ認証情報",
		decisions: map[string]string{
			"unused":            "キーは使用されていません。今すぐ非アクティブ化し、影響がないことを確認してから削除してください",
			"replace_with_role": "利用元は AWS 上です。キーを IAM ロールに置き換えてください",
			"replace_with_user": "利用元は AWS 外です。キーを最小権限の IAM ユーザーのアクセスキーに置き換えてください",
			"mixed":             "利用元は AWS の内外にあります。AWS 上の利用元は IAM ロールに、それ以外は IAM ユーザーのアクセスキーに置き換えてください",
			"none":              "ルートユーザーのアクセスキーはありません",

			"unexplained_use":       "認証情報レポートに、読み取った CloudTrail では説明できない使用があります。非アクティブ化の前にその利用元を特定してください",
			"evidence_insufficient": "キーの使用は見つかりませんが、未使用であることは証明できません。非アクティブ化の前に証拠を補ってください",
			"no_key_calls":          "これらのレコードにルートユーザーのアクセスキーによる呼び出しはありません",
		},
		steps: map[string][2]string{
			"find":          {"利用元を特定する", "iam4-responder が実施済みです。上記のキー、アドレス、ツールを参照してください。"},
			"role":          {"AWS 上のワークロードに IAM ロールを割り当てる", "%s からの呼び出しは AWS 上で実行されています。ポリシー案を付けた IAM ロール (EC2 のインスタンスプロファイル、ECS のタスクロール、Lambda の実行ロール) を割り当て、設定からキーを削除してください。"},
			"user":          {"AWS 外の利用元に IAM ユーザーを用意する", "%s からの呼び出しは AWS 外で実行されています。ポリシー案を付けた IAM ユーザーを作成し、そのアクセスキーをシークレットストア経由で渡して、ローテーションを計画してください。"},
			"deactivate":    {"ルートユーザーのアクセスキーを非アクティブ化する", "ルートユーザーとしてサインインし、[セキュリティ認証情報] でキーを非アクティブ化します (元に戻せます)。"},
			"verify":        {"影響がないことを確認する", "少なくとも 7 日間は非アクティブのままにし、以前の利用元からの失敗した呼び出し (InvalidClientTokenId) がないか CloudTrail で確認してください。"},
			"verify-unused": {"影響がないことを確認する", "期間内にキーの使用はありません。数日間は非アクティブのままにし、失敗した呼び出しがないか CloudTrail で確認してください。"},
			"delete":        {"ルートユーザーのアクセスキーを削除する", "同じページで削除します。非アクティブなキーも含めてルートユーザーのアクセスキーがなくなると、IAM.4 のチェックは成功します。"},
			"nothing":       {"削除するものはありません", "ルートユーザーのアクセスキーはありません。次回のチェックで成功するはずです。"},

			"find-more":    {"証拠に現れない利用元を特定する", "証拠に欠けているものを確認してください。"},
			"hold":         {"非アクティブ化を保留する", "手順 1 ですべての利用元を特定するまで、ルートユーザーのアクセスキーを非アクティブ化しないでください。証拠にはすべての利用元が現れていません。"},
			"records-only": {"アカウントを確認する", "これらのレコードにルートユーザーのアクセスキーによる呼び出しはありません。レコードからはキーの有無は分かりません。アカウントの認証情報レポートを確認してください。"},
		},
		shNoteOpened:   "iam4-responder がこのアカウントのルートユーザーのアクセスキーについて対応を開始しました。%s",
		shNoteResolved: "iam4-responder が対応を完了しました (%s)。",
		tickets:        "チケット: %s。",
		containment:    "封じ込め (%s):",
		containRefused: "実施せず: %s",
		moreTools:      "… ほか %s",
		moreAgents:     "… ほか %s",
		moreLines:      "… このメッセージに収まらない %sを省略しました。",
		tooLarge:       "%s (%d バイト) はこのメッセージに収まりません。`iam4 investigate --format json` で全体を確認できます。",
		evidenceJSON:   "証跡の全体 (JSON):",
		evidenceName:   "証跡の全体",
		policyName:     "%s 向けのポリシー案",
		policyGroup:    "利用元 %s:",
		morePolicy:     "… ほか %s。ポリシー全体は添付ファイル (%s) にあります。",
		attached:       "添付ファイル: %s。",
		opsData:        "証跡の全体とポリシー案は運用データにあります: %s。",
		opsOmitted:     "サイズのため運用データから省略: %s。`iam4 investigate --format json` で全体を確認できます。",
	},
}

func (r Report) t() texts {
	if c, ok := catalog[r.Lang]; ok {
		return c
	}
	return catalog[English]
}

// stepText renders a checklist step in the report's language: callers are the addresses to
// name (the step's, less any placeholder), at most max of them, and esc makes each safe for the
// channel.
func (r Report) stepText(st advice.Step, callers []string, max int, esc func(string) string) (string, string) {
	s, ok := r.t().steps[st.Kind]
	if !ok {
		return esc(st.Kind), ""
	}
	detail := s[1]
	switch st.Kind {
	case "find":
		if st.Partial {
			detail += r.say("step.find.partial", nil) // the English entry starts with its space
		}
	case "verify-unused":
		if st.Days > 0 {
			detail = r.say("step.verify-unused", map[string]string{"days": strconv.Itoa(st.Days)})
		}
	case "find-more":
		if len(st.Look) > 0 {
			detail = r.findMoreDetail(st, esc)
		}
	}
	if (st.Kind == "role" || st.Kind == "user") && strings.Contains(detail, "%s") {
		shown, more := head(callers, max)
		safe := make([]string, 0, len(shown)+1)
		for _, c := range shown {
			safe = append(safe, esc(c))
		}
		if more > 0 {
			safe = append(safe, fmt.Sprintf("+%d", more))
		}
		detail = fmt.Sprintf(detail, strings.Join(safe, ", "))
	}
	return s[0], detail
}

// head returns the first max items of a list and how many it leaves out.
func head[T any](items []T, max int) ([]T, int) {
	if len(items) <= max {
		return items, 0
	}
	return items[:max], len(items) - max
}

func (r Report) decisionText(d string) string {
	if s, ok := r.t().decisions[d]; ok {
		return s
	}
	return d
}
