package report

import "fmt"

// units name what a count counts, singular and plural, per language: "1 call", "2 calls". A
// Japanese count has one form ("2 件"). Every rendering writes its counts through count, so no
// channel says "1 calls".
type units map[string][2]string

var unitNames = map[Lang]units{
	English: {
		"call": {"call", "calls"}, "console call": {"console call", "console calls"},
		"sign-in": {"sign-in", "sign-ins"}, "session call": {"session call", "session calls"},
		"file": {"file", "files"}, "record": {"record", "records"}, "address": {"address", "addresses"},
		"day": {"day", "days"}, "account": {"account", "accounts"}, "skipped record": {"record", "records"}, "more address": {"more address", "more addresses"},
		"more action": {"more action", "more actions"}, "more tool": {"more tool", "more tools"},
		"more user agent": {"more user agent", "more user agents"}, "more line": {"more line", "more lines"},
		"more skipped file": {"more skipped file", "more skipped files"},
	},
	Japanese: {
		"call": {"件", "件"}, "console call": {"件", "件"}, "sign-in": {"件", "件"}, "session call": {"件", "件"},
		"file": {"ファイル", "ファイル"}, "record": {"レコード", "レコード"}, "address": {"アドレス", "アドレス"},
		"day": {"日", "日"}, "account": {"アカウント", "アカウント"}, "skipped record": {"件", "件"}, "more address": {"アドレス", "アドレス"}, "more action": {"アクション", "アクション"},
		"more tool": {"ツール", "ツール"}, "more user agent": {"ユーザーエージェント", "ユーザーエージェント"},
		"more line": {"行", "行"}, "more skipped file": {"ファイル", "ファイル"},
	},
}

// count writes n with its unit in the right form; a unit the table lacks (a test keeps the
// tables complete) writes the bare number rather than a wrong word.
func (u units) count(n int64, unit string) string {
	forms, ok := u[unit]
	if !ok {
		return fmt.Sprint(n)
	}
	if n == 1 {
		return fmt.Sprintf("%d %s", n, forms[0])
	}
	return fmt.Sprintf("%d %s", n, forms[1])
}

// count writes n with its unit in the report's language.
func (r Report) count(n int64, unit string) string {
	u, ok := unitNames[r.Lang]
	if !ok {
		u = unitNames[English]
	}
	return u.count(n, unit)
}
