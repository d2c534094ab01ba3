package report

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/iam4-responder/iam4-responder/lambda/internal/investigation"
)

// termTexts are the terminal report's own sentences; the decision and step texts are the
// channels' common ones (catalog).
type termTexts struct {
	partial      string
	read         string // %s files, %s skipped, %d digests, %d not CloudTrail, %d broken, %s records, %d root, %d undecodable
	span         string // %s first, %s last
	skipped      string // %s file, %s reason
	moreSkipped  string // %s more skipped files
	accounts     string // %s accounts
	account      string // %s
	window       string // %s start, %s end
	counts       string // root records, access-key, console, sign-ins, service, session, other
	consoleFrom  string
	iamKeys      string // %v
	slot         string // %d slot, %v active, %s last used
	never        string
	usedOn       string // %s date, %s service, %s region
	key          string // %s id, %s calls, %d failed, %s first, %s last
	callers      string
	group        string // %s calls, %s addresses
	unkept       string // %s calls
	tool, action string
	moreAgents   string // %s calls
	moreActions  string // %s calls
	unknown      string
	ranges       string // %s
	units        units
	noRecords    string
	attributed   string // %s session calls
	duplicates   string // %s records
	unreadable   string // %s records, %s reason
}

var termCatalog = map[Lang]termTexts{
	English: {
		partial:     "PARTIAL: interrupted before the end; everything below covers only what was read.",
		read:        "Read %s (%s skipped: %d digest, %d not CloudTrail, %d broken), %s, %d of them the root's, %d undecodable.",
		span:        "Events from %s to %s.",
		skipped:     "  skipped %s: %s",
		moreSkipped: "  … %s (all of them in --format json, input.skipped)",
		accounts:    "The logs cover %s; each has its own section, decision and policy below.",
		account:     "Account %s",
		window:      "Account %s, %s to %s",
		counts:      "Root records: %d; access-key calls %d, console calls %d, sign-ins %d, service calls %d, session calls %d, other %d",
		consoleFrom: "Console sign-ins and console calls came from:",
		iamKeys:     "IAM: root access keys present: %v",
		slot:        "  credential report slot %d: active %v, last used %s",
		never:       "never",
		usedOn:      "%s (%s, %s)",
		key:         "Key %s: %s (%d failed), first %s, last %s",
		callers:     "  callers:",
		group:       "%s from %s",
		unkept:      "    %s from further addresses (evidence keeps the first %d distinct ones; counts are exact)",
		tool:        "  tool %-22s %s  %s",
		action:      "  action %-40s %s",
		moreAgents:  "  %s with further user agents (evidence keeps the first 64 distinct ones)",
		moreActions: "  %s of further actions (evidence keeps the first 512 distinct ones)",
		unknown:     "(no account id in the records)",
		ranges:      "Inside/outside AWS decided with %s.",
		noRecords:   "No root record in the logs read.",
		attributed:  "  Counted toward the key: %s made with its GetSessionToken sessions.",
		duplicates:  "  Read twice (same eventID) and counted once: %s.",
		unreadable:  "  Skipped as unreadable: %s, %s",
		units:       unitNames[English],
	},
	Japanese: {
		partial:     "部分的な結果: 途中で中断しました。以下は読み込んだ分だけの集計です。",
		read:        "読み込み: %s (スキップ %s: ダイジェスト %d、CloudTrail 以外 %d、破損 %d)、%s、うちルート %d 件、解析不能 %d 件。",
		span:        "イベントの期間: %s から %s。",
		skipped:     "  スキップ %s: %s",
		moreSkipped: "  … ほか %sをスキップ (一覧は --format json の input.skipped)",
		accounts:    "ログには %sが含まれます。アカウントごとに判定とポリシーを示します。",
		account:     "アカウント %s",
		window:      "アカウント %s、%s から %s",
		counts:      "ルートの記録: %d 件。アクセスキーによる呼び出し %d、コンソールからの呼び出し %d、サインイン %d、サービス経由 %d、セッション %d、その他 %d",
		consoleFrom: "コンソールのサインインと呼び出しの送信元:",
		iamKeys:     "IAM: ルートのアクセスキーの有無: %v",
		slot:        "  認証情報レポートのスロット %d: 有効 %v、最終利用 %s",
		never:       "なし",
		usedOn:      "%s (%s、%s)",
		key:         "キー %s: %s (失敗 %d 件)、初回 %s、最終 %s",
		callers:     "  呼び出し元:",
		group:       "%s、%s",
		unkept:      "    その他のアドレスから %s (個別に保持するのは最初の %d アドレスまで。件数は正確です)",
		tool:        "  ツール %-22s %s  %s",
		action:      "  アクション %-40s %s",
		moreAgents:  "  その他のユーザーエージェントから %s (個別に保持するのは最初の 64 種類まで)",
		moreActions: "  その他のアクション %s (個別に保持するのは最初の 512 種類まで)",
		unknown:     "(記録にアカウント ID なし)",
		ranges:      "AWS 内外の判定には %s を使用しました。",
		noRecords:   "読み込んだログにルートの記録はありません。",
		attributed:  "  %sのセッション呼び出しは、ルートのアクセスキーで GetSessionToken により作成されたセッションによるもので、そのキーの利用として数えています。",
		duplicates:  "  同じ eventID の記録 %sは 1 件として数えました。",
		unreadable:  "  読み取れなかった記録 %sをスキップしました: %s",
		units:       unitNames[Japanese],
	},
}

// keptAddresses is how many distinct source addresses package evidence keeps per key.
const keptAddresses = 256

// count writes n with its unit in the terminal's language.
func (t termTexts) count(n int64, unit string) string { return t.units.count(n, unit) }

// Terminal renders an investigation for a person at a terminal, in lang. Every string that came
// from CloudTrail goes through plain, so no escape sequence reaches the terminal.
func Terminal(w io.Writer, r investigation.Result, lang Lang) error {
	t, ok := termCatalog[lang]
	if !ok {
		t = termCatalog[English]
	}
	rep := Report{Lang: lang}
	b := &strings.Builder{}
	p := func(format string, args ...any) { fmt.Fprintf(b, format+"\n", args...) }
	if r.Partial {
		p("%s", t.partial)
	}
	if in := r.Input; in != nil {
		p(t.read, t.count(int64(in.FilesRead), "file"), t.count(int64(in.FilesSkipped), "file"),
			in.DigestFiles, in.OtherFiles, in.BrokenFiles, t.count(in.Records, "record"), in.RootRecords, in.RecordsSkipped)
		if !in.FirstEvent.IsZero() {
			p(t.span, utc(in.FirstEvent), utc(in.LastEvent))
		}
		const shown = 10
		for i, s := range in.Skipped {
			if i == shown {
				break
			}
			p(t.skipped, plain(s.File, 200), plain(s.Reason, 200))
		}
		if n := in.BrokenFiles - min(len(in.Skipped), shown); n > 0 {
			p(t.moreSkipped, t.count(int64(n), "more skipped file"))
		}
		p("")
	}
	if len(r.Accounts) > 0 {
		p(t.accounts, t.count(int64(len(r.Accounts)), "account"))
		for _, a := range r.Accounts {
			p("")
			id := plain(a.Account, 20)
			if id == "" {
				id = t.unknown
			}
			p("=== %s ===", fmt.Sprintf(t.account, id))
			terminalBody(p, t, rep, a)
		}
	} else {
		terminalBody(p, t, rep, r)
	}
	if r.IPRanges != "" {
		p("")
		p(t.ranges, r.IPRanges)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// terminalBody renders one account: counts, console addresses, keys and callers, advice.
func terminalBody(p func(string, ...any), t termTexts, rep Report, r investigation.Result) {
	switch {
	case r.Account != "" && r.Input == nil && !r.WindowStart.IsZero():
		p(t.window, plain(r.Account, 20), utc(r.WindowStart), utc(r.WindowEnd))
	case r.Account != "" && r.Input != nil:
		p(t.account, plain(r.Account, 20))
	}
	for _, l := range rep.sourceLines(r.Sources, func(s string) string { return plain(s, capError) }) {
		p("%s", l)
	}
	p(t.counts, r.RootRecords, r.AccessKeyCalls, r.ConsoleCalls, r.SignIns, r.ServiceCalls, r.SessionCalls, r.OtherCalls)
	if r.RootRecords == 0 && r.Input != nil {
		p("%s", t.noRecords)
	}
	if groups, unkept := groupConsole(r.ConsoleIPs); len(groups) > 0 || unkept > 0 {
		p("%s", t.consoleFrom)
		callerLines(p, t, groups, unkept)
	}
	if r.SessionCallsAttributed > 0 {
		p(t.attributed, t.count(int64(r.SessionCallsAttributed), "session call"))
	}
	if r.DuplicateRecords > 0 {
		p(t.duplicates, t.count(int64(r.DuplicateRecords), "skipped record"))
	}
	for _, sk := range r.SkippedRecords {
		p(t.unreadable, t.count(int64(sk.Records), "skipped record"), plain(sk.Reason, 200))
	}
	if r.Inventory != nil {
		p(t.iamKeys, r.Inventory.KeysPresent)
		if crep := r.Inventory.Report; crep != nil {
			for _, k := range crep.Keys {
				used := t.never
				if k.LastUsed != nil {
					used = fmt.Sprintf(t.usedOn, day(*k.LastUsed), plain(k.LastUsedService, 40), plain(k.LastUsedRegion, 40))
				}
				p(t.slot, k.Slot, k.Active, used)
			}
		}
	}
	from, to, charted := activityWindow(r.WindowStart, r.WindowEnd, r.Keys)
	for _, k := range r.Keys {
		p("")
		p(t.key, k.ID, t.count(int64(k.Calls), "call"), k.Errors, utc(k.FirstUse), utc(k.LastUse))
		groups, unkept := groupCallers(k.SourceIPs)
		p("%s", t.callers)
		callerLines(p, t, groups, unkept)
		if charted {
			// Labels padded to one width, so that the charts line up in the terminal's font.
			width := 0
			for _, g := range groups {
				width = max(width, utf8.RuneCountInString(plain(g.label, 64)))
			}
			pad := func(s string) string {
				s = plain(s, 64)
				return s + strings.Repeat(" ", max(width-utf8.RuneCountInString(s), 0))
			}
			for _, l := range rep.activityFor(k, from, to, sparkWide, len(groups), pad, func(s string) string { return s }) {
				p("  %s", l)
			}
		}
		for _, a := range k.UserAgents {
			if a.Agent == overflowValue {
				p(t.moreAgents, t.count(int64(a.Calls), "call"))
				continue
			}
			p(t.tool, a.Tool, t.count(int64(a.Calls), "call"), plain(string(a.Agent), 120))
		}
		for _, a := range k.Actions {
			if a.Action == overflowValue {
				p(t.moreActions, t.count(int64(a.Calls), "call"))
				continue
			}
			p(t.action, plain(a.Action, 80), t.count(int64(a.Calls), "call"))
		}
	}
	a := r.Advice
	if a.Decision == "" {
		return
	}
	ct := rep.t()
	p("")
	p(ct.decision, rep.decisionText(string(a.Decision)))
	for _, k := range a.Keys {
		p("  %s: %s (%s)", plain(rep.keyLabel(k), 40), rep.decisionText(string(k.Decision)), plain(rep.msg(k.Reason), 300))
	}
	for _, c := range a.Cautions {
		p("  "+ct.caution, plain(rep.msg(c), 400))
	}
	p("")
	p("%s", ct.todo)
	esc := func(s string) string { return plain(s, 64) }
	for _, s := range a.Steps {
		// Evidence counts calls beyond the addresses it keeps under a placeholder; it is not a
		// caller anyone can act on, and the "+N" of the list already says there are more.
		callers := slices.DeleteFunc(slices.Clone(s.Callers), func(c string) bool { return c == overflowValue })
		title, detail := rep.stepText(s, callers, examplesShown, esc)
		p("[ ] %s %s: %s", s.ID, title, detail)
	}
	p("")
	p("%s", ct.policy)
	// JSON encoding already escapes control characters in the ARNs the policies hold.
	for _, pb := range rep.policyBlocks(a.Policies, func(s string) string { return plain(s, 300) }) {
		if pb.title != "" {
			p("%s", pb.title)
		}
		if len(pb.json) > 0 {
			p("%s", pb.json)
		}
		for _, n := range pb.notes {
			p("  "+ct.note, n)
		}
	}
}

// callerLines writes one line per caller group, naming a few addresses and counting the rest.
func callerLines(p func(string, ...any), t termTexts, groups []callerGroup, unkept int) {
	width := 0
	for _, g := range groups {
		width = max(width, len(g.label))
	}
	for _, g := range groups {
		shown := g.addresses
		more := ""
		if len(shown) > examplesShown {
			more = fmt.Sprintf(", +%d", len(shown)-examplesShown)
			shown = shown[:examplesShown]
		}
		names := make([]string, len(shown))
		for i, a := range shown {
			names[i] = plain(a, 64)
		}
		from := t.count(int64(len(g.addresses)), "address")
		if len(g.addresses) == 1 && g.label == names[0] {
			from = names[0]
		} else {
			from += ": " + strings.Join(names, ", ") + more
		}
		p("    %-*s  %s", width, g.label, fmt.Sprintf(t.group, t.count(int64(g.calls), "call"), from))
	}
	if unkept > 0 {
		p(t.unkept, t.count(int64(unkept), "call"), keptAddresses)
	}
}
